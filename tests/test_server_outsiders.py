"""ui.server.outsiders with ui.server.backmsgs (issue 68, item 3): tabs without an account on a class's server share
one budget of reruns and sockets, the site's, each app server taking its share; a signed-in student's tab is never
held by it. Before: 50 sign-in pages at 4 reruns a second from 5 addresses, each under its socket's and address's
limits, kept a signed-in classmate's page over 60 s. The served flood is in tests/test_server_outsider.py and
bench/server/outsider.py --rerun-flood."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from test_server_backmsgs import _bytes, _frame, _serve, _Streamlit, no_class_noted  # noqa: F401 - autouse

from ui.server import backmsgs, outsiders
from ui.server.backmsgs import BackMsgGuard, Buckets, _Socket, session_of
from ui.server.outsiders import OUTSIDER_PAGES, OUTSIDER_SOCKETS, SiteBudget, Who


@pytest.fixture
def class_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Who]:
    """This server serves a class (its sign-in gate said so), with a fresh record of who is signed in."""
    who = Who(in_class=True)
    monkeypatch.setattr(outsiders, "WHO", who)
    monkeypatch.setattr(backmsgs, "WHO", who)
    yield who


def _passed(app: _Streamlit) -> int:
    return len([m for m in app.got if m["type"] == "websocket.receive"])


def test_each_app_server_takes_its_share_of_the_sites_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    site = SiteBudget.from_env()
    assert site == SiteBudget(OUTSIDER_PAGES, outsiders.OUTSIDER_MESSAGES, OUTSIDER_SOCKETS)
    assert site.share(2) == SiteBudget(OUTSIDER_PAGES / 2, outsiders.OUTSIDER_MESSAGES / 2, OUTSIDER_SOCKETS // 2)
    assert site.share(0) == site  # no heartbeat read yet: this server alone
    assert SiteBudget(0, 0, 0).share(3) == SiteBudget(0, 0, 0)  # no budget stays none
    assert SiteBudget(1, 1, 1).share(1000) == SiteBudget(0.1, 0.1, 1)  # a server never refuses everyone
    monkeypatch.setenv("HANDTEACH_OUTSIDER_PAGES", "3")
    monkeypatch.setenv("HANDTEACH_OUTSIDER_SOCKETS", "lots")  # not a number: the default
    assert SiteBudget.from_env().pages == 3 and SiteBudget.from_env().sockets == OUTSIDER_SOCKETS


def test_a_session_is_an_outsider_until_its_gate_finds_someone_signed_in() -> None:
    who = Who()
    assert not who.outsider(None, cookie_signed=False)  # no class on this server (one person): no budget
    who.note("s1", signed_in=False, in_class=True)
    assert who.outsider("s1", cookie_signed=False) and who.outsider(None, cookie_signed=False)
    assert not who.outsider(None, cookie_signed=True)  # before its first run: its good cookie says
    assert who.outsider("s1", cookie_signed=True)  # its run says nobody (signed out since): the run wins
    who.note("s1", signed_in=True, in_class=True)
    assert not who.outsider("s1", cookie_signed=False)
    who.forget("s1")
    assert who.outsider("s1", cookie_signed=False)


def test_the_session_id_is_read_from_the_first_message_a_tab_gets() -> None:
    message = ForwardMsg()
    message.new_session.initialize.session_id = "abc-123"
    assert session_of(message.SerializeToString()) == "abc-123"
    other = ForwardMsg()
    other.script_finished = 1
    assert session_of(other.SerializeToString()) is None and session_of(b"\xff\xff") is None


def test_sign_in_pages_from_many_addresses_share_the_budget_and_a_signed_in_tab_passes(
    class_server: Who, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Five addresses, two sign-in tabs each, ten whole-page reruns at once from each tab: under every socket's and
    address's burst, so all 100 passed before; now the site's burst (its pages a second × ``BURST_S``) for all of
    them. Then a signed-in student's tab (noted by its gate) gets its own burst whole."""
    guard = BackMsgGuard(app := _Streamlit())
    for i in range(10):
        _serve(guard, [_bytes(_frame("rerun")) for _ in range(10)], address=f"10.0.0.{i // 2}")
    burst = int(OUTSIDER_PAGES * outsiders.BURST_S)
    assert burst <= _passed(app) <= burst + 2, _passed(app)  # the clock moves a little meanwhile
    student = _Streamlit()
    guard.app = student
    monkeypatch.setattr(_Socket, "outsider", lambda self: False)  # its gate found the student (ui.common.signin)
    _serve(guard, [_bytes(_frame("rerun")) for _ in range(10)], address="10.0.1.1")
    assert _passed(student) == 10


def test_no_budget_on_a_server_with_no_class() -> None:
    guard = BackMsgGuard(app := _Streamlit())  # WHO.in_class is False: one person's server
    for i in range(10):
        _serve(guard, [_bytes(_frame("rerun")) for _ in range(10)], address=f"10.0.0.{i // 2}")
    assert _passed(app) == 100


def test_a_socket_past_the_sites_count_of_tabs_without_an_account_is_refused(
    class_server: Who, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HANDTEACH_OUTSIDER_SOCKETS", "4")
    guard = BackMsgGuard(_Streamlit(), servers=lambda: 2)  # two app servers: this one's share is 2
    guard.sockets = {_Socket(Buckets.of((1, 1), (1, 1))) for _ in range(2)}  # two sign-in tabs open
    scope = {"type": "websocket", "path": "/_stcore/stream", "client": ("10.0.0.1", 5000), "headers": []}
    assert asyncio.run(guard._admit(scope, _Socket(Buckets.of((1, 1), (1, 1))), "10.0.0.1")) is False
    signed = {**scope, "headers": [(b"cookie", b"handteach_session=good")]}
    monkeypatch.setattr(backmsgs, "account_of_cookie", lambda scope: 7)  # a good cookie (tests/test_media_scope.py)
    assert asyncio.run(guard._admit(signed, _Socket(Buckets.of((1, 1), (1, 1))), "10.0.0.1")) is True
    guard.sockets.pop()
    assert asyncio.run(guard._admit(scope, _Socket(Buckets.of((1, 1), (1, 1))), "10.0.0.1")) is True

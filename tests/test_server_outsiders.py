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
from ui.server.door import GRACE_S, Seat, yielder
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


def _scope(address: str, cookie: bytes = b"") -> dict:
    headers = [(b"cookie", cookie)] if cookie else []
    return {"type": "websocket", "path": "/_stcore/stream", "client": (address, 5000), "headers": headers}


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    running = asyncio.new_event_loop()
    yield running
    running.close()


def test_a_newcomer_takes_the_place_of_the_most_crowded_addresss_oldest_tab(
    class_server: Who, monkeypatch: pytest.MonkeyPatch, loop: asyncio.AbstractEventLoop
) -> None:
    """Issue 74, item 1: the count of tabs without an account full (this server's share of 4: two servers, 8), held by
    two addresses: a newcomer from a third is let in and the crowded address's oldest tab is closed; an outsider
    reopening from a crowded address is refused; a good session cookie always passes. Before: the newcomer refused."""
    monkeypatch.setenv("HANDTEACH_OUTSIDER_SOCKETS", "8")
    guard = BackMsgGuard(_Streamlit(), servers=lambda: 2)

    def _open(address: str, opened_at: float) -> _Socket:  # a tab without an account, as the guard keeps it
        return _Socket(Buckets.of((1, 1), (1, 1)), address, opened_at, leaving=loop.create_future())

    held = [_open("10.0.0.1", 1.0), _open("10.0.0.1", 2.0), _open("10.0.0.1", 3.0), _open("10.0.0.2", 0.5)]
    guard.sockets = set(held)
    assert loop.run_until_complete(guard._admit(_scope("10.0.0.3"), _open("10.0.0.3", 9.0), "10.0.0.3")) is True
    assert [s.left() for s in held] == [True, False, False, False]  # 10.0.0.1 held 3, the newcomer's address none
    guard.sockets.add(_open("10.0.0.3", 9.0))  # its place taken: the count is full again
    assert loop.run_until_complete(guard._admit(_scope("10.0.0.1"), _open("10.0.0.1", 9.5), "10.0.0.1")) is False
    assert loop.run_until_complete(guard._admit(_scope("10.0.0.2"), _open("10.0.0.2", 9.5), "10.0.0.2")) is False
    monkeypatch.setattr(backmsgs, "account_of_cookie", lambda scope: 7)  # a good cookie (tests/test_media_scope.py)
    good = _scope("10.0.0.1", b"handteach_session=good")
    assert loop.run_until_complete(guard._admit(good, _open("10.0.0.1", 9.6), "10.0.0.1")) is True
    assert sum(s.left() for s in guard.sockets) == 1  # a signed-in tab takes nobody's place


def test_the_door_is_shared_by_addresses_and_a_tab_past_its_grace_yields_to_a_new_address() -> None:
    five = [Seat(f"10.0.0.{i % 5}", float(i)) for i in range(300)]  # 60 each from five addresses
    assert yielder(five, "10.0.9.9", now=10.0) == 0  # the most crowded address's oldest (all 60: the oldest of all)
    assert yielder(five[1:] + [Seat("10.0.9.9", 400.0)], "10.0.0.0", now=10.0) is None  # 59 against 60: refused
    assert yielder([*five[:299], Seat("10.0.9.9", 400.0)], "10.0.9.9", now=401.0) == 0  # a second tab: 2 against 60
    many = [Seat(f"10.1.{i // 250}.{i % 250}", 100.0 + i / 100) for i in range(300)]  # one tab each
    assert yielder(many, "10.0.9.9", now=100.0 + GRACE_S) is None  # every tab within its grace
    assert yielder(many, "10.0.9.9", now=101.0 + GRACE_S) == 0  # the oldest's grace is over
    assert yielder(many, many[5].address, now=200.0) is None  # an address with a tab open waits its turn
    assert yielder([], "10.0.0.1", now=0.0) is None


@pytest.mark.slow
def test_a_fresh_tab_runs_before_the_flooding_tabs_of_older_addresses(
    class_server: Who, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 74, item 1, the rerun flood small: 40 sign-in tabs from 3 addresses rerun 4 times a second each (under
    their sockets' and addresses' limits) and keep the site's budget (10 runs a second) empty; a fresh tab from
    another address then asks for its first page, its sign-in press and one more, 0.3 s apart. Each is the next run
    the budget serves: no flooding tab's run passes while one of the fresh tab's waits. Before, the held reruns took
    the runs as they found them: 2 to 5 flooding runs passed first (0.26-0.58 s) for its second and third."""
    monkeypatch.setenv("HANDTEACH_OUTSIDER_PAGES", "10")
    guard = BackMsgGuard(app := _Streamlit())
    ahead = asyncio.run(_flood_then_fresh(guard, app, flooding=40, seconds=4.0, reruns=3))
    assert ahead == [0, 0, 0], ahead
    assert len([m for m in app.got if m["type"] == "websocket.receive"]) <= 40 + 10 * 5 + 4  # the budget held


async def _flood_then_fresh(
    guard: BackMsgGuard, app: _Streamlit, flooding: int, seconds: float, reruns: int
) -> list[int]:
    """``flooding`` tabs rerunning for ``seconds`` (4 a second each), then a fresh tab's ``reruns`` reruns 0.3 s apart
    once the budget's burst is gone; for each of the fresh tab's reruns, how many flooding reruns reached Streamlit
    between its sending and its own arrival (None: it never arrived)."""
    stop = asyncio.Event()
    rerun = _bytes(_frame("rerun"))
    sent_at: list[int] = []  # how many messages Streamlit had got when each fresh rerun was sent

    async def tab(address: str, frames: list[float]) -> None:
        queue: asyncio.Queue = asyncio.Queue()

        async def feed() -> None:
            for at in frames:
                await asyncio.sleep(at)
                if address == "10.0.9.9":
                    sent_at.append(len(app.got))
                await queue.put({**rerun, "from": address})
            await stop.wait()
            await queue.put({"type": "websocket.disconnect", "code": 1000})

        async def receive() -> dict:
            return await queue.get()

        async def send(message: dict) -> None:
            pass

        feeding = asyncio.create_task(feed())
        await guard(_scope(address), receive, send)
        feeding.cancel()

    flooders = [asyncio.create_task(tab(f"10.0.0.{i % 3}", [0.25] * int(seconds * 4))) for i in range(flooding)]
    await asyncio.sleep(1.5)  # the budget's burst gone, every flooding tab holding a rerun
    fresh = asyncio.create_task(tab("10.0.9.9", [0.0] + [0.3] * (reruns - 1)))
    await asyncio.sleep(0.3 * reruns + 1.0)
    stop.set()
    await asyncio.gather(fresh, *flooders)
    arrived = [i for i, m in enumerate(app.got) if m.get("from") == "10.0.9.9"]
    return [arrived[n] - sent_at[n] if n < len(arrived) else None for n in range(len(sent_at))]

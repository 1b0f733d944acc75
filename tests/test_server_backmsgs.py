"""ui.server.backmsgs (issue 63, items 5, 7 and 13): what a websocket sends is read before Streamlit: clear_cache and
frames that are no BackMsg never reach it, reruns are held to a person's pace per socket and per address, and what
Streamlit itself answers to a failed message names no exception, stack line or path. The served checks (the real
server, raw websockets) are in tests/test_server_outsider.py."""

from __future__ import annotations

import asyncio
import logging

import pytest
import streamlit as st
from streamlit.proto.BackMsg_pb2 import BackMsg

from ui.jobs import pool
from ui.server import backmsgs, outsiders
from ui.server.backmsgs import ADDRESS_ALL, ADDRESS_PAGES, SOCKET_ALL, SOCKET_PAGES, BackMsgGuard, Buckets


@pytest.fixture(autouse=True)
def no_class_noted(monkeypatch: pytest.MonkeyPatch) -> None:
    """A server where no sign-in gate has run yet (an AppTest of this process notes its class in ``outsiders.WHO``)."""
    who = outsiders.Who()
    monkeypatch.setattr(outsiders, "WHO", who)
    monkeypatch.setattr(backmsgs, "WHO", who)


def _frame(kind: str, fragment: str = "") -> bytes:
    message = BackMsg()
    if kind == "rerun":
        message.rerun_script.query_string = ""
        message.rerun_script.fragment_id = fragment
    elif kind == "heartbeat":
        message.app_heartbeat = True
    else:
        setattr(message, kind, True)
    return message.SerializeToString()


class _Streamlit:
    """Stands for Streamlit's websocket endpoint: accepts, then keeps every message it is given until a disconnect."""

    def __init__(self) -> None:
        self.got: list[dict] = []

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001 - ASGI
        await send({"type": "websocket.accept"})
        while True:
            message = await receive()
            self.got.append(message)
            if message["type"] == "websocket.disconnect":
                return


def _serve(guard: BackMsgGuard, frames: list[dict], address: str = "10.0.0.9") -> list[dict]:
    """Run one socket through ``guard`` with ``frames`` (ASGI receive messages, then a disconnect); what it sent."""
    sent: list[dict] = []
    queue = [*frames, {"type": "websocket.disconnect", "code": 1000}]

    async def receive() -> dict:
        return queue.pop(0) if queue else {"type": "websocket.disconnect", "code": 1000}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "websocket", "path": "/_stcore/stream", "client": (address, 5000)}
    asyncio.run(guard(scope, receive, send))
    return sent


def _bytes(data: bytes) -> dict:
    return {"type": "websocket.receive", "bytes": data}


def test_clear_cache_and_developer_messages_never_reach_streamlit() -> None:
    app = _Streamlit()
    frames = [_bytes(_frame("clear_cache")), _bytes(_frame("rerun")), _bytes(_frame("debug_shutdown_runtime")),
              _bytes(_frame("debug_disconnect_websocket")), _bytes(_frame("heartbeat"))]  # fmt: skip
    _serve(BackMsgGuard(app), frames)
    kinds = [backmsgs.kind_of(m.get("bytes")) for m in app.got if m["type"] == "websocket.receive"]
    assert kinds == ["page", "app_heartbeat"]


def test_frames_that_are_no_backmsg_are_dropped_and_said_once_a_second(caplog: pytest.LogCaptureFixture) -> None:
    app = _Streamlit()
    garbage = [_bytes(b"\xff\xff\xff" + bytes(range(40))) for _ in range(150)]
    garbage += [{"type": "websocket.receive", "text": "hello"}, _bytes(b"")]  # a text frame; no kind at all
    with caplog.at_level(logging.WARNING, logger="handteach.server"):
        sent = _serve(BackMsgGuard(app), [*garbage, _bytes(_frame("rerun"))])
    assert [m for m in app.got if m["type"] == "websocket.receive"] == [_bytes(_frame("rerun"))]
    assert sent == [{"type": "websocket.accept"}]  # nothing said back: no exception, no stack, no path
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and lines[0].endswith(": 1 unreadable"), lines  # the other 151 wait for the next second
    assert all(r.exc_info is None for r in caplog.records)


def test_a_flooding_socket_gets_its_burst_then_is_closed_while_another_address_is_served() -> None:
    guard = BackMsgGuard(app := _Streamlit())
    sent = _serve(guard, [_bytes(_frame("rerun")) for _ in range(2000)])
    passed = [m for m in app.got if m["type"] == "websocket.receive"]
    assert len(passed) == SOCKET_PAGES[1]  # its burst of whole-page reruns (the clock barely moves meanwhile)
    assert sent[-1] == {"type": "websocket.close", "code": 1008}
    assert app.got[-1]["type"] == "websocket.disconnect"  # Streamlit sees the tab go, and ends its session
    other = _Streamlit()
    _serve(BackMsgGuard(other), [_bytes(_frame("rerun"))], address="10.0.0.10")
    assert len([m for m in other.got if m["type"] == "websocket.receive"]) == 1


def test_reconnecting_does_not_refill_an_addresss_bucket() -> None:
    guard, app = BackMsgGuard(_Streamlit()), _Streamlit()
    guard.app = app
    for _ in range(10):  # ten sockets one after another, each sending 30 whole-page reruns at once
        _serve(guard, [_bytes(_frame("rerun")) for _ in range(30)])
    passed = len([m for m in app.got if m["type"] == "websocket.receive"])
    assert ADDRESS_PAGES[1] <= passed <= ADDRESS_PAGES[1] + 5  # the address's burst, not ten sockets' 200


def _live_minute(tabs: int, buckets: Buckets, bursts: bool) -> int:
    """A minute of ``tabs`` tabs on Live: five fragments every 0.5 s, two label events a second, a click a second
    (tabs a tick apart), all tabs clicking at once every 20 s ("press Train now"), and with ``bursts`` ten clicks
    at once every 10 s; the messages ``buckets`` refused."""
    refused = 0
    for tick in range(600):  # 0.1 s steps
        now = tick / 10
        for tab in range(tabs):
            pages = int((tick + tab) % 10 == 0) + int(tick % 200 == 0) + (10 if bursts and tick % 100 == 5 else 0)
            fragments = (5 if tick % 5 == 0 else 0) + (1 if tick % 5 == 2 else 0)
            refused += sum(not buckets.take(now, page) for page in [True] * pages + [False] * fragments)
    return refused


def test_a_fast_person_on_live_and_a_class_behind_one_address_are_never_held_back() -> None:
    assert _live_minute(1, Buckets.of(SOCKET_ALL, SOCKET_PAGES), bursts=True) == 0  # one tab: its own buckets
    assert _live_minute(30, Buckets.of(ADDRESS_ALL, ADDRESS_PAGES), bursts=False) == 0  # a class behind one address


@pytest.mark.slow
def test_a_fast_clickers_last_click_is_passed_on_once_the_bucket_allows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ten clicks a second for five seconds beside Live's fragments dropped the last of 50 clicks: the page stayed
    drawn as before it until the next click. The latest whole-page rerun a rate dropped is held (one a socket) and
    passed on once the bucket has a token; a newer one passing first makes it moot. (A small bucket here: 3 at once,
    then 20 a second.)"""
    monkeypatch.setattr(backmsgs, "SOCKET_PAGES", (20.0, 3.0))
    app = _Streamlit()

    def click(i: int) -> dict:
        message = BackMsg()
        message.rerun_script.query_string = f"click={i}"
        return _bytes(message.SerializeToString())

    async def run() -> None:
        frames = [click(i) for i in range(10)] + [_bytes(_frame("rerun", fragment="f1"))]

        async def receive() -> dict:
            if frames:
                return frames.pop(0)
            await asyncio.sleep(0.5)  # the tab stays open, sending nothing more
            return {"type": "websocket.disconnect", "code": 1000}

        async def send(message: dict) -> None:
            pass

        scope = {"type": "websocket", "path": "/_stcore/stream", "client": ("10.0.0.8", 5000)}
        await BackMsgGuard(app)(scope, receive, send)

    asyncio.run(run())
    passed = [BackMsg.FromString(m["bytes"]).rerun_script for m in app.got if m["type"] == "websocket.receive"]
    pages = [r.query_string for r in passed if not r.fragment_id]
    assert pages == ["click=0", "click=1", "click=2", "click=9"], pages  # the burst, then the last click
    assert [r.fragment_id for r in passed if r.fragment_id] == ["f1"]  # a fragment's rerun did not wait for it


def test_streamlits_answer_to_a_failed_message_is_one_plain_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from google.protobuf.message import DecodeError
    from streamlit.runtime.app_session import AppSession

    monkeypatch.setattr(AppSession, "_create_exception_message", AppSession._create_exception_message)
    backmsgs.plain_backmsg_errors()
    answer = AppSession._create_exception_message(None, DecodeError("Error parsing message at /srv/site-packages"))
    shown = answer.delta.new_element.exception
    assert (shown.type, shown.message, list(shown.stack_trace)) == ("Error", backmsgs.PLAIN_ERROR, [])
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("streamlit.runtime.app_session")
    logger.addHandler(handler)
    try:
        for _ in range(200):
            try:
                raise DecodeError("Error parsing message")
            except DecodeError:
                logger.exception("Error processing back message")
    finally:
        logger.removeHandler(handler)
    assert [r.getMessage() for r in records] == ["Error processing back message: DecodeError: Error parsing message"]
    assert records[0].exc_info is None


def test_the_job_runner_outlives_a_cleared_streamlit_cache() -> None:
    """Streamlit's "clear cache" emptied every st.cache_resource: the runner went, its workers stayed, and the next
    page started another pool (1 → 5 workers after four rounds)."""
    first = pool.runner()
    st.cache_resource.clear()
    assert pool.runner() is first


def test_the_store_outlives_a_cleared_streamlit_cache(tmp_path) -> None:  # noqa: ANN001
    from ui.common import state

    first = state._store(str(tmp_path))
    st.cache_resource.clear()
    assert state._store(str(tmp_path)) is first

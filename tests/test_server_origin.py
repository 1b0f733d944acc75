"""The app's own origin (ui.server.origin): a websocket from a page of another scheme, host or port, or with no
``Origin``, is refused before Streamlit makes a session; a page of the app's own origin opens one."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import websockets

from bench.common.browser import AppServer
from ui.server.origin import OriginCheck, own_origin, request_origin, same_origin


def _scope(origin: str | None, host: str = "school:8501", scheme: str = "ws", proto: str = "") -> dict:
    headers = [(b"host", host.encode())] + ([(b"origin", origin.encode())] if origin is not None else [])
    headers += [(b"x-forwarded-proto", proto.encode())] if proto else []
    return {"type": "websocket", "path": "/_stcore/stream", "scheme": scheme, "headers": headers}


def test_the_own_origin_is_scheme_host_and_port_with_default_ports_written_out() -> None:
    assert own_origin(_scope(None)) == ("http", "school", 8501)
    assert own_origin(_scope(None, "School.Example", proto="https")) == ("https", "school.example", 443)
    assert own_origin(_scope(None, "[::1]:8501", scheme="wss")) == ("https", "::1", 8501)
    assert request_origin(_scope("https://school.example")) == ("https", "school.example", 443)
    for same in (("http://school:8501",), ("http://SCHOOL:8501",), ("https://school", "school", "ws", "https"),
                 ("https://school:443", "school", "http", "https"), ("http://school", "school:80")):  # fmt: skip
        assert same_origin(_scope(*same)), same
    for other in (("http://school:8502",), ("https://school:8501",), ("http://evil.test:8501",), (None,), ("null",),
                  ("http://school:8501/",), ("http://ana@school:8501",), ("http://school:99999", "school:99999"),
                  ("ftp://school:8501",), ("https://school", "school"), ("http://school:8501", "")):  # fmt: skip
        assert not same_origin(_scope(*other)), other


def _handshake(scope: dict) -> list[dict]:
    """What ``OriginCheck`` sends for a websocket handshake, before or instead of the app behind it."""
    sent: list[dict] = []

    async def app(scope, receive, send) -> None:  # noqa: ANN001 - ASGI: Streamlit accepts
        await receive()
        await send({"type": "websocket.accept"})

    async def receive() -> dict:
        return {"type": "websocket.connect"}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(OriginCheck(app)(scope, receive, send))
    return sent


def test_a_websocket_of_another_origin_is_closed_before_the_app_sees_it() -> None:
    assert _handshake(_scope("http://school:8501")) == [{"type": "websocket.accept"}]
    for origin in ("http://school:8502", None):
        assert _handshake(_scope(origin)) == [{"type": "websocket.close", "code": 1008}]  # a 403 to the handshake


@pytest.mark.slow
def test_a_served_app_refuses_a_page_of_another_port_and_opens_its_own(tmp_path: Path) -> None:
    """Issue 63: a page on another port of the same host opened ``/_stcore/stream`` (and with a student's cookie
    read their name): Streamlit's own check compares host names only. The handshake now answers 403."""
    server = AppServer(tmp_path / "data", log=tmp_path / "streamlit.log").start()
    stream = f"ws://127.0.0.1:{server.port}/_stcore/stream"

    async def status(origin: str | None) -> int:
        try:
            async with websockets.connect(stream, origin=origin, subprotocols=["streamlit"], open_timeout=30):
                return 101
        except websockets.InvalidStatus as refused:
            return refused.response.status_code

    try:
        for other in (f"http://127.0.0.1:{server.port + 1}", f"https://127.0.0.1:{server.port}", None):
            assert asyncio.run(status(other)) == 403, other
        assert asyncio.run(status(f"http://127.0.0.1:{server.port}")) == 101
    finally:
        server.stop()
    log = server.log.read_text(encoding="utf-8")
    assert "Refused a websocket from a page of another origin" in log and "Traceback" not in log, log[-3000:]

"""Who may frame the app (ui.server.private.FramedBySelfOnly): every HTTP answer says only the app's own origin, in
place of whatever the app behind said; a websocket passes untouched. The served routes and a browser framing the
app from another port: tests/test_server_private.py."""

from __future__ import annotations

import asyncio

from ui.server.private import FRAMING_HEADERS, FramedBySelfOnly


def _answer(scope: dict, headers: list[tuple[bytes, bytes]]) -> list[dict]:
    sent: list[dict] = []

    async def app(scope, receive, send) -> None:  # noqa: ANN001 - ASGI
        if scope["type"] == "websocket":
            await send({"type": "websocket.accept"})
            return
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"page"})

    async def receive() -> dict:
        return {"type": "http.request"}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(FramedBySelfOnly(app)(scope, receive, send))
    return sent


def test_every_http_answer_says_only_the_apps_own_pages_may_frame_it() -> None:
    own = [(b"content-type", b"text/html"), (b"X-Frame-Options", b"ALLOWALL"), (b"etag", b'"1"')]
    start, body = _answer({"type": "http", "path": "/", "method": "GET"}, own)
    assert start["headers"] == [(b"content-type", b"text/html"), (b"etag", b'"1"'), *FRAMING_HEADERS]
    assert dict(FRAMING_HEADERS) == {b"content-security-policy": b"frame-ancestors 'self'",
                                     b"x-frame-options": b"SAMEORIGIN"}  # fmt: skip
    assert body == {"type": "http.response.body", "body": b"page"}
    assert _answer({"type": "http", "path": "/media/x.png", "method": "GET"}, [])[0]["headers"] == [*FRAMING_HEADERS]


def test_a_websocket_passes_untouched() -> None:
    assert _answer({"type": "websocket", "path": "/_stcore/stream"}, []) == [{"type": "websocket.accept"}]

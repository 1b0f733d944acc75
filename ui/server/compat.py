"""Guarded fixes for Streamlit behaviour the app cannot live with: a websocket that ends quietly when its tab has
left, and a page's first requests sent to the server's root.

Two fixes for Streamlit 1.60 went with it (every Python installs 1.67 since): its media responses sent their body
before their start message under Starlette 1.x, and a fragment's timer turned a pending click into a run of that
fragment alone. ``tests/test_app_compat.py`` and ``tests/test_app_stream.py`` hold Streamlit to both, unpatched.
"""

from __future__ import annotations


def end_websockets_quietly() -> bool:
    """A tab that leaves while the server writes to it ends its websocket without a traceback; True when guarded.

    When a send finds the browser gone, Starlette marks the websocket disconnected and raises
    ``WebSocketDisconnect`` to the sender (Streamlit's send task, which stops). Streamlit's receive
    loop then calls ``receive_bytes``, whose ``WebSocketDisconnected`` is a ``RuntimeError``: the loop
    takes it for a text frame and closes the socket, which raises again, and uvicorn logged "Exception
    in ASGI application" with both tracebacks (Live tabs closed together, #47). After a failed send,
    ``receive_bytes`` raises ``WebSocketDisconnect`` (1006, closed abnormally) instead: the tab left.
    """
    try:
        from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
    except ImportError:
        return False
    original = WebSocket.receive_bytes
    if getattr(original, "ends_quietly", False):
        return True

    async def receive_bytes(self: WebSocket) -> bytes:
        if self.application_state == WebSocketState.DISCONNECTED and self.client_state == WebSocketState.CONNECTED:
            raise WebSocketDisconnect(code=1006)
        return await original(self)

    receive_bytes.ends_quietly = True  # type: ignore[attr-defined]
    WebSocket.receive_bytes = receive_bytes  # type: ignore[method-assign]
    return True


# Streamlit's page probes the server at its own address first: opened at /record, it asked /record/_stcore/health
# and /record/_stcore/host-config (two 404s in the console), then /_stcore/... (streamlit/streamlit#7074). Told
# where the server is (``window.__streamlit.BACKEND_BASE_URL``, read by Streamlit's frontend before it connects),
# it asks there only. The script goes into the HTML page Streamlit serves for every page address.
_BASE_SCRIPT = (
    "<script>window.__streamlit = Object.assign({{BACKEND_BASE_URL: new URL({base}, location.origin).href}}, "
    "window.__streamlit || {{}});</script>"
)


def server_base_for_pages() -> bool:
    """Every page address connects to the server's root at once (no 404 probes); True when the guard is in place."""
    try:
        from starlette.middleware import Middleware
        from streamlit.web.server.starlette import starlette_app
    except ImportError:
        return False
    original = starlette_app.create_streamlit_middleware
    if getattr(original, "names_server_base", False):
        return True

    def create_streamlit_middleware() -> list:
        return [*original(), Middleware(_ServerBase)]  # last: innermost, before the gzip middleware compresses

    create_streamlit_middleware.names_server_base = True  # type: ignore[attr-defined]
    starlette_app.create_streamlit_middleware = create_streamlit_middleware  # type: ignore[assignment]
    return True


def _base_path() -> str:
    from streamlit import config

    path = str(config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{path}/" if path else "/"


class _ServerBase:
    """ASGI middleware: the script above, before the first script of each HTML page served (Streamlit's index)."""

    def __init__(self, app) -> None:  # noqa: ANN001 - an ASGI app
        self.app = app

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001 - ASGI's own signature
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or scope.get("method") != "GET" or not _page_address(path):
            await self.app(scope, receive, send)
            return
        start: dict | None = None
        body: list[bytes] = []

        async def edit(message: dict) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers", []))
                if message.get("status") == 200 and headers.get(b"content-type", b"").startswith(b"text/html"):
                    start = message
                    return
            elif start is not None and message["type"] == "http.response.body":
                body.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                await _send_with_base(send, start, b"".join(body))
                return
            await send(message)

        await self.app(scope, receive, edit)


def _page_address(path: str) -> bool:
    """A page's address ("/", "/record"), not a file, a component's page or an endpoint."""
    return "." not in path.rsplit("/", 1)[-1] and not any(f"/{p}/" in path for p in ("_stcore", "component", "media",
                                                                                    "static", "app"))  # fmt: skip


async def _send_with_base(send, start: dict, html: bytes) -> None:  # noqa: ANN001 - the ASGI send
    import json

    script = _BASE_SCRIPT.format(base=json.dumps(_base_path())).encode()
    at = html.find(b"<script")
    html = html if at < 0 or b"BACKEND_BASE_URL" in html else html[:at] + script + html[at:]
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in (b"content-length", b"etag")]
    await send({**start, "headers": [*headers, (b"content-length", str(len(html)).encode())]})
    await send({"type": "http.response.body", "body": html})

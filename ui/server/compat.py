"""A guarded fix for a Streamlit/Starlette version clash that breaks every image, video and download.

Streamlit 1.60 serves files through ``MediaAwareGZipMiddleware``, whose responders
override ``send_with_compression`` and, for content types they exclude from gzip
(images, audio, video, zip), record the ``http.response.start`` message without ever
sending it. Starlette ≥ 1.x then sends the body first, and uvicorn answers every
``/media/`` request with a 500 ("Expected ASGI message 'http.response.start'"): gallery
crops, annotated files, ``st.video`` and every ``st.download_button`` fail.

Those Starlette versions exclude images, ``audio/*`` and ``video/*`` from gzip by
themselves (``exclude_content_types``), so Streamlit's overrides are only dropped there.
With the versions Streamlit was written against, nothing is changed. The proper fix is
a Starlette pin in requirements.txt (or a Streamlit release that handles it).

``python -m ui.server.serve`` (``make run``) calls it before the server starts, so the very first
requests (the browser's ``/favicon.png``) are served patched too; ``app.py`` calls it again
for ``streamlit run app.py`` (a second call changes nothing).
"""

from __future__ import annotations

import dataclasses
import inspect


def fix_media_responses() -> bool:
    """Patch Streamlit's gzip responders when they clash with Starlette; True when a patch is in place (False where
    nothing clashes: another Starlette, or a Streamlit without those responders)."""
    try:
        from starlette.middleware.gzip import GZipResponder, IdentityResponder
        from streamlit.web.server.starlette import starlette_gzip_middleware as streamlit_gzip
    except ImportError:  # another Streamlit server (e.g. Tornado): not affected
        return False
    if "exclude_content_types" not in inspect.signature(IdentityResponder.__init__).parameters:
        return False  # the Starlette Streamlit expects: its overrides work
    patched = False
    for name, base in (
        ("_MediaAwareGZipResponder", GZipResponder),
        ("_MediaAwareIdentityResponder", IdentityResponder),
    ):
        responder = getattr(streamlit_gzip, name, None)
        if responder is not None and "send_with_compression" in vars(responder):
            if responder.send_with_compression is not base.send_with_compression:
                responder.send_with_compression = base.send_with_compression  # type: ignore[method-assign]
            patched = True
    return patched  # Streamlit 1.67 has neither responder: it fixed the clash itself, and nothing is patched


def keep_pending_full_reruns() -> bool:
    """A click must not be lost to a fragment's timer; True when this guard is in place.

    Streamlit merges rerun requests that arrive while a script runs. A full rerun (a form
    submitted, a button clicked) followed before it starts by a ``run_every`` fragment's
    request became a run of that fragment alone, so the click's code outside the fragment
    never ran: on Record, "Add gesture" pressed while the webcam's status fragment ticked
    did nothing. A pending full rerun runs every fragment anyway, so the fragment's request
    only adds its widget states to it. Streamlit 1.67 does so itself: there nothing is patched
    and it returns False.
    """
    try:
        from streamlit.runtime.scriptrunner_utils import script_requests as requests
    except ImportError:
        return False
    original = requests.ScriptRequests.request_rerun
    if getattr(original, "keeps_full_reruns", False):
        return True
    if _streamlit_keeps_full_reruns(requests):
        return False  # Streamlit 1.67 coalesces so itself, in request_rerun and in its batches: nothing is patched

    def request_rerun(self, new_data):  # noqa: ANN001, ANN202 - Streamlit's own signature
        if new_data.fragment_id:
            with self._lock:
                pending = self._rerun_data
                if self._state == requests.ScriptRequestType.RERUN and not pending.fragment_id_queue:
                    states = requests._coalesce_widget_states(pending.widget_states, new_data.widget_states)
                    self._rerun_data = dataclasses.replace(pending, widget_states=states)
                    return True
        return original(self, new_data)

    request_rerun.keeps_full_reruns = True  # type: ignore[attr-defined]
    requests.ScriptRequests.request_rerun = request_rerun  # type: ignore[method-assign]
    return True


def _streamlit_keeps_full_reruns(requests) -> bool:  # noqa: ANN001 - Streamlit's script_requests module
    """Streamlit itself keeps a pending full rerun when a fragment's request follows it, one request at a time and
    in a batch (1.67's ``request_rerun_batch``, which goes past ``request_rerun``)."""
    probe = requests.ScriptRequests()
    probe.request_rerun(requests.RerunData())
    probe.request_rerun(requests.RerunData(fragment_id="probe", is_auto_rerun=True))
    if probe._rerun_data.fragment_id_queue:
        return False
    batch = getattr(requests.ScriptRequests, "request_rerun_batch", None)
    if batch is None:
        return True
    probe = requests.ScriptRequests()
    batch(probe, [requests.RerunData(), requests.RerunData(fragment_id="probe", is_auto_rerun=True)])
    return not probe._rerun_data.fragment_id_queue


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

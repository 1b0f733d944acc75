"""Uploads only to a page that shows an uploader, and held within bounds per session and per address.

Streamlit takes a file at ``PUT /_stcore/upload_file/<session>/<file id>`` from anyone who knows a live session's
id (their own: it comes with the page) and keeps it in the web process's memory, whole, until that session ends:
an outsider's sign-in page PUT 4 × 100 MB to file ids never issued, all accepted (204), and the server grew by
402 MB (issue 63). Here:

- a file id is issued (``get_upload_urls``, answering the frontend's ``file_urls_request``) only to a session whose
  page shows an uploader now (a ``st.file_uploader`` or ``st.camera_input`` among its widgets): a sign-in page
  gets none, whatever it asks;
- ``UploadBound`` lets a PUT in only for a file id issued to that session, with a ``Content-Length`` (checked before
  a byte is read) within ``server.maxUploadSize`` (a file, ``.streamlit/config.toml``), and within what the session
  (``HANDTEACH_UPLOAD_MB_PER_SESSION``, default two files) and the client's address
  (``HANDTEACH_UPLOAD_MB_PER_ADDRESS``, default five) may hold at once, in memory and on the way. Before refusing,
  the files that no widget of the session holds any more (an import's uploader is replaced by a fresh one when it
  is done) are let go. The body is counted as it comes too.

A refusal is one plain line (413, 403 or 411), logged once a second at most. ``python -m ui.server.serve``
installs it (``bound_uploads``).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from ui.server.limits import OncePerSecond, Receive, Scope, Send, wrap_streamlit_app

ROUTE = "/_stcore/upload_file/"
FILES_PER_SESSION, FILES_PER_ADDRESS = 2, 5  # default bounds, in files of server.maxUploadSize
MULTIPART_SLACK = 64 * 1024  # the form's boundaries and headers around the file
KEEP_FRESH_S = 120.0  # a file just uploaded is kept though no widget holds it yet (the rerun naming it is coming)
_LOG = logging.getLogger("handteach.server")
_said = OncePerSecond()

_lock = threading.Lock()
_issued: dict[str, set[str]] = {}  # session id -> file ids issued to it and not yet uploaded
_uploaded: dict[tuple[str, str], tuple[str, float]] = {}  # (session, file id) -> (address, when) of a file held
_on_the_way: Counter[str] = Counter()  # bytes being received, by session id and by "@address"


def _mb_env(name: str, files: int) -> int:
    """Bytes from ``name`` (MB), else ``files`` × ``server.maxUploadSize``."""
    from streamlit import config

    try:
        return int(float(os.environ[name]) * 2**20)
    except (KeyError, ValueError):
        return files * int(config.get_option("server.maxUploadSize")) * 2**20


def _runtime() -> Any:
    from streamlit.runtime import Runtime

    return Runtime.instance()


def _widget_state(session_id: str) -> Any:
    """Streamlit's ``SessionState`` of a live session (its widgets), else None."""
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return None
    info = Runtime.instance()._session_mgr.get_active_session_info(session_id)  # Streamlit's own (pinned by tests)
    return None if info is None else info.session.session_state


StateOf = Callable[[str], Any]


def shows_uploader(session_id: str) -> bool:
    """Whether session ``session_id``'s page has an uploader among its widgets now."""
    state = _widget_state(session_id)
    for _ in range(3):  # the page's script may be registering widgets meanwhile, on its own thread
        try:
            metadata = list(state._new_widget_state.widget_metadata.values()) if state is not None else []
        except RuntimeError:
            continue
        return any(m.value_type == "file_uploader_state_value" for m in metadata)
    return False


def _held_ids(value: Any) -> set[str]:
    """File ids in an uploader's value: its WidgetState proto, an ``UploadedFile``, a list of them or None."""
    if hasattr(value, "file_uploader_state_value"):
        return {info.file_id for info in value.file_uploader_state_value.uploaded_file_info}
    if isinstance(value, list | tuple):
        return {getattr(v, "file_id", "") for v in value} - {""}
    return {value.file_id} if isinstance(getattr(value, "file_id", None), str) else set()


def files_held_by_widgets(session_id: str, state_of: StateOf = _widget_state) -> set[str] | None:
    """The file ids the uploaders of session ``session_id`` hold; None when that cannot be told."""
    state = state_of(session_id)
    if state is None:
        return None
    try:
        widgets = state._new_widget_state
        uploaders = [k for k, m in list(widgets.widget_metadata.items()) if m.value_type == "file_uploader_state_value"]
        held: set[str] = set()
        for key in uploaders:
            found = widgets.states.get(key)
            if found is not None:
                held |= _held_ids(found.value)
            held |= _held_ids(state._old_state.get(key))
        return held
    except (AttributeError, RuntimeError, TypeError):  # another Streamlit's insides: nothing is let go
        return None


def _held_bytes(manager: Any, sessions: set[str]) -> int:
    with manager._lock:
        return sum(len(f.data) for s in sessions for f in manager.file_storage.get(s, {}).values())


def let_go_of_unheld(manager: Any, session_id: str, state_of: StateOf = _widget_state) -> None:
    """Remove session ``session_id``'s uploaded files that no widget holds and that were not just uploaded."""
    held = files_held_by_widgets(session_id, state_of)
    if held is None:
        return
    now = time.monotonic()
    with manager._lock:
        stored = list(manager.file_storage.get(session_id, {}))
    for file_id in stored:
        with _lock:
            when = _uploaded.get((session_id, file_id), ("", 0.0))[1]
        if file_id not in held and now - when > KEEP_FRESH_S:
            manager.remove_file(session_id, file_id)


def _issue_only_to_uploader_pages() -> None:
    """Wrap ``MemoryUploadedFileManager.get_upload_urls``: ids only for a page with an uploader, remembered."""
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager

    original = MemoryUploadedFileManager.get_upload_urls
    if getattr(original, "bounded", False):
        return

    def get_upload_urls(self: MemoryUploadedFileManager, session_id: str, file_names: Any) -> list:
        if not shows_uploader(session_id):
            _say("Refused upload addresses to a page with no uploader")
            return []
        urls = original(self, session_id, file_names)
        issue(session_id, [u.file_id for u in urls])
        return urls

    get_upload_urls.bounded = True  # type: ignore[attr-defined]
    MemoryUploadedFileManager.get_upload_urls = get_upload_urls  # type: ignore[method-assign]


def issue(session_id: str, file_ids: list[str]) -> None:
    """Remember ``file_ids`` as issued to session ``session_id`` (each may then be uploaded once)."""
    with _lock:
        if len(_issued) > 1000:  # sessions that ended keep nothing issued
            runtime = _runtime()
            for gone in [s for s in _issued if not runtime.is_active_session(s)]:
                del _issued[gone]
        mine = _issued.setdefault(session_id, set())
        if len(mine) > 10_000:
            mine.clear()  # a page that asked this often without uploading: its ids lapse
        mine.update(file_ids)


def _say(line: str) -> None:
    if _said.allow():
        _LOG.warning("%s%s", line, _said.held_text())


async def _answer(send: Send, status: int, line: str) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]})  # fmt: skip
    await send({"type": "http.response.body", "body": line.encode("utf-8")})


class UploadBound:
    """ASGI middleware on Streamlit's upload route: see the module docstring."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], manager: Any = None,
                 state_of: StateOf = _widget_state) -> None:  # fmt: skip
        self.app, self.state_of = app, state_of
        self._manager = manager  # Streamlit's ``MemoryUploadedFileManager`` (None: the runtime's)

    @property
    def manager(self) -> Any:
        return self._manager if self._manager is not None else _runtime().uploaded_file_mgr

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or scope.get("method") != "PUT" or ROUTE not in path:
            await self.app(scope, receive, send)
            return
        session_id, _, file_id = path.split(ROUTE, 1)[1].strip("/").partition("/")
        address = (scope.get("client") or ("unknown", 0))[0]
        refused = self._refusal(scope, session_id, file_id, address)
        if refused is not None:
            _say(f"Refused an upload from {address}: {refused[1]}")
            await _answer(send, *refused)
            return
        size = int(dict(scope.get("headers") or ()).get(b"content-length", b"0"))
        keys = (session_id, f"@{address}")
        with _lock:
            _on_the_way.update(dict.fromkeys(keys, size))
            _issued.get(session_id, set()).discard(file_id)  # one upload an id
        counted, over = 0, False

        async def counted_receive() -> Any:
            nonlocal counted, over
            message = await receive()
            counted += len(message.get("body", b"")) if message.get("type") == "http.request" else 0
            if counted > size and not over:  # more than it said: refused now, read no further
                over = True
                await _answer(send, 413, "The upload is larger than it said.")
                return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Any) -> None:
            if not over:
                await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not over:
                raise
        finally:
            with _lock:
                _on_the_way.subtract(dict.fromkeys(keys, size))
                for key in keys:
                    if _on_the_way[key] <= 0:
                        del _on_the_way[key]
                _uploaded[(session_id, file_id)] = (address, time.monotonic())

    def _refusal(self, scope: Scope, session_id: str, file_id: str, address: str) -> tuple[int, str] | None:
        """(status, line) when this PUT may not come in; None when it may."""
        from streamlit import config

        with _lock:
            issued = file_id in _issued.get(session_id, ())
        if not issued:
            return 403, "This upload was not asked for by a page with an uploader."
        try:
            size = int(dict(scope.get("headers") or ()).get(b"content-length", b""))
        except ValueError:
            return 411, "An upload must say its length."
        if size > int(config.get_option("server.maxUploadSize")) * 2**20 + MULTIPART_SLACK:
            return 413, f"The file is over the upload limit of {config.get_option('server.maxUploadSize')} MB."
        manager = self.manager
        for attempt in range(2):
            with _lock:
                _uploaded_gone(manager)
                sessions = {s for (s, _), (a, _) in _uploaded.items() if a == address} | {session_id}
                session_way, address_way = _on_the_way[session_id], _on_the_way[f"@{address}"]
            session_bytes = _held_bytes(manager, {session_id}) + session_way + size
            address_bytes = _held_bytes(manager, sessions) + address_way + size
            per_session = _mb_env("HANDTEACH_UPLOAD_MB_PER_SESSION", FILES_PER_SESSION)
            per_address = _mb_env("HANDTEACH_UPLOAD_MB_PER_ADDRESS", FILES_PER_ADDRESS)
            if session_bytes <= per_session and address_bytes <= per_address:
                return None
            if attempt == 0:  # let go of what no widget holds, then count again
                for session in sessions:
                    let_go_of_unheld(manager, session, self.state_of)
        if session_bytes > per_session:
            return 413, f"This page holds {_mb(per_session)} MB of uploads at most: remove a file first."
        return 413, f"Uploads from this address hold {_mb(per_address)} MB at most: try again later."


def _mb(size: int) -> str:
    return f"{size / 2**20:,.1f}".removesuffix(".0")


def _uploaded_gone(manager: Any) -> None:
    """Under ``_lock``: forget the uploads Streamlit no longer holds (removed, or their session ended)."""
    if len(_uploaded) < 64:
        return
    with manager._lock:
        stored = {(s, f) for s, files in manager.file_storage.items() for f in files}
    for key in [k for k in _uploaded if k not in stored]:
        del _uploaded[key]


def bound_uploads() -> bool:
    """Issue upload ids only to pages with an uploader and wrap Streamlit's app in ``UploadBound``; True when in
    place."""
    if not wrap_streamlit_app("bounds_uploads", UploadBound):
        return False
    _issue_only_to_uploader_pages()
    return True

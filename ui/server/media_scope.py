"""A class's pictures and downloads served only to the person whose page holds them, while that page lives.

Streamlit serves every file a page shows or offers (a hand crop in the gallery, a project file made by *Download*)
at ``/media/<id>.<ext>`` to anyone who asks with the address, and keeps it until no session holds it; an address
copied from a student's page opened their hand's picture in a classmate's browser, and still did after the tab
closed. Here each file that a signed-in session added (``MediaFileManager.add``, or ``execute_deferred`` for a
download made on click) is *scoped*: ``ScopedMedia`` answers a request for it only when the request's session
cookie (``ui.server.session_cookie``, checked by ``core.classes.session.viewer_from_token``) names the account of
a live session that holds it; anyone else, and everyone once those sessions have ended, gets 404. A file no
signed-in session added (one person on this machine, no class) is served as before.
``ui.common.signin.gate`` tells ``note_session`` who each session is on every run; ``python -m ui.server.serve``
installs the rest before the server starts.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Awaitable, Callable
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import Any

from core.classes.session import viewer_from_token
from core.data.sql.database import Database
from core.data.sql.schema import StoreError
from ui.server.limits import Receive, Scope, Send, wrap_streamlit_app
from ui.server.session_cookie import COOKIE

_lock = threading.Lock()
_account_of_session: dict[str, int] = {}  # Streamlit session id -> the account signed in there
_scoped: set[str] = set()  # media file ids a signed-in session added
_deferred_holders: dict[str, set[str]] = {}  # a download made on click -> the sessions that asked for it
_PRUNE_AT = [10_000]  # prune when this many files are scoped (then twice what is left)
_data_dir: list[Path] = []  # the store whose accounts the cookies name (one data directory a server)


def note_session(session_id: str, account_id: int | None, data_dir: Path) -> None:
    """Who is signed in at Streamlit session ``session_id`` now (None: nobody)."""
    with _lock:
        _data_dir[:] = [Path(data_dir)]
        if account_id is None:
            _account_of_session.pop(session_id, None)
        else:
            _account_of_session[session_id] = int(account_id)


def _media_manager() -> Any:
    from streamlit.runtime import Runtime

    return Runtime.instance().media_file_mgr


def _sessions_holding(manager: Any, file_id: str) -> set[str]:
    with manager._lock:  # Streamlit's own map of which session shows which file (private: pinned by the tests)
        live = {s: set(coords.values()) for s, coords in manager._files_by_session_and_coord.items()}
    held = {s for s, ids in live.items() if file_id in ids}
    with _lock:
        return held | (_deferred_holders.get(file_id, set()) & set(live))


def may_fetch(file_id: str, account_id: int | None) -> bool:
    """Whether a request signed in as ``account_id`` (None: no good cookie) may have media file ``file_id``."""
    with _lock:
        if file_id not in _scoped:
            return True
    if account_id is None:
        return False
    holders = _sessions_holding(_media_manager(), file_id)
    with _lock:
        return any(_account_of_session.get(s) == account_id for s in holders)


def _file_id(url: str) -> str:
    return url.rsplit("/", 1)[-1].split(".", 1)[0]


def _scope_added_files() -> None:
    """Wrap ``MediaFileManager.add`` and ``execute_deferred`` so a signed-in session's files are scoped."""
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    add, execute_deferred = MediaFileManager.add, MediaFileManager.execute_deferred
    if getattr(add, "scoped", False):
        return

    @functools.wraps(add)
    def scoped_add(self: MediaFileManager, *args: Any, **kwargs: Any) -> str:
        url = add(self, *args, **kwargs)
        ctx, grown = get_script_run_ctx(), False
        with _lock:
            if ctx is not None and ctx.session_id in _account_of_session:
                _scoped.add(_file_id(url))
                grown = len(_scoped) > _PRUNE_AT[0]
        if ctx is not None and grown:
            _prune(self)
        return url

    @functools.wraps(execute_deferred)
    def scoped_execute_deferred(self: MediaFileManager, file_id: str) -> str:
        askers = _sessions_holding(self, file_id)  # the sessions whose page holds the button
        url = execute_deferred(self, file_id)
        with _lock:
            if askers & set(_account_of_session):
                made = _file_id(url)
                _scoped.add(made)
                _deferred_holders.setdefault(made, set()).update(askers)
        return url

    scoped_add.scoped = True  # type: ignore[attr-defined]
    MediaFileManager.add = scoped_add  # type: ignore[method-assign]
    MediaFileManager.execute_deferred = scoped_execute_deferred  # type: ignore[method-assign]


def _prune(manager: Any) -> None:
    """Forget the files Streamlit has deleted and the sessions that ended (a class's day adds thousands)."""
    with manager._lock:
        files, sessions = set(manager._file_metadata), set(manager._files_by_session_and_coord)
    with _lock:
        _scoped.intersection_update(files)
        for gone in set(_deferred_holders) - files:
            del _deferred_holders[gone]
        for ended in set(_account_of_session) - sessions:
            del _account_of_session[ended]
        _PRUNE_AT[0] = max(10_000, 2 * len(_scoped))


@functools.cache
def _database(data_dir: Path) -> Database:
    return Database(data_dir, read_only=True)


def account_of_cookie(scope: Scope) -> int | None:
    """The account a request's session cookie names while it holds (``viewer_from_token``), else None."""
    header = b"; ".join(v for k, v in scope.get("headers") or () if k.lower() == b"cookie").decode("latin-1")
    try:
        morsel = SimpleCookie(header).get(COOKIE)
    except CookieError:
        return None
    with _lock:
        data_dir = _data_dir[0] if _data_dir else None
    if morsel is None or data_dir is None:
        return None
    try:
        viewer = viewer_from_token(_database(data_dir), morsel.value)
    except StoreError:
        return None
    return None if viewer is None else viewer.account_id


class ScopedMedia:
    """ASGI middleware: a ``/media/`` request for a scoped file gets 404 unless ``may_fetch`` says yes."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] == "http" and "/media/" in path:
            file_id = _file_id(path)
            with _lock:
                scoped = file_id in _scoped
            if scoped and not await asyncio.to_thread(lambda: may_fetch(file_id, account_of_cookie(scope))):
                await send({"type": "http.response.start", "status": 404,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                        (b"cache-control", b"no-store")]})  # fmt: skip
                await send({"type": "http.response.body", "body": b"Not found"})
                return
        await self.app(scope, receive, send)


def scope_media() -> bool:
    """Scope the files signed-in sessions add, and wrap Streamlit's Starlette app in ``ScopedMedia``."""
    if not wrap_streamlit_app("scopes_media", ScopedMedia):
        return False
    _scope_added_files()
    return True

"""Streamlit's own page files (its JavaScript chunks, CSS and fonts) answered from memory.

A fresh browser opening any page fetches 100 to 150 of Streamlit's files (``/static/js/…``, ``/static/css/…``,
``/static/media/…``; Streamlit 1.60's page names 103 of them at once, 1.67's 58). Streamlit answers each through its
whole middleware stack and Starlette's ``StaticFiles`` (a stat and the reads in worker threads): 3 ms of the web
process's CPU a file and 47 ms a request, one after another, on the 2-core machine under load (150 files: 0.46 s of
CPU, 7 s). The first Live card waits on them: the page's script starts only once they have arrived.
``StreamlitFiles`` answers those requests itself, from the bytes read once (on a file's first request, off the event
loop), with the headers Streamlit gives them: their names carry a hash of their content, so a browser keeps them a
year without asking again. ``python -m ui.server.serve`` (``make run``) installs it.

Only the hashed files under ``static/`` are served here; ``index.html`` and everything else stay Streamlit's.
"""

from __future__ import annotations

import asyncio
import mimetypes
import re
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

from ui.server.limits import Receive, Scope, Send, wrap_streamlit_app

# Streamlit's own header for its content-hashed files (starlette_static_routes.py: public, immutable, a year)
CACHE_CONTROL = b"public, immutable, max-age=31536000"
KINDS = ("js", "css", "media")  # static/'s folders; static/'s own top-level files (a worker script) stay Streamlit's
_NAME = r"[A-Za-z0-9_][A-Za-z0-9_.~-]*"


def streamlit_static_folder() -> Path:
    """Streamlit's built front end (``index.html`` and ``static/``), as its server serves it."""
    from streamlit import file_util

    return Path(file_util.get_static_dir())


def _base_url_path() -> str:
    """Streamlit's ``server.baseUrlPath`` without slashes ("" at the root)."""
    from streamlit import config

    return str(config.get_option("server.baseUrlPath") or "").strip("/")


class FileCache:
    """The bytes of ``folder``'s files, read once each; a file Streamlit's install no longer has is not served."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._files: dict[str, tuple[bytes, bytes]] = {}  # "js/name.js" -> (bytes, content type)
        self._lock = threading.Lock()

    def get(self, kind: str, name: str) -> tuple[bytes, bytes] | None:
        """(bytes, content type) of ``static/<kind>/<name>``, or None: no such file. Call it off the event loop the
        first time (``cached`` says when it is in memory)."""
        key = f"{kind}/{name}"
        with self._lock:
            found = self._files.get(key)
        if found is not None:
            return found
        path = self.folder / "static" / kind / name
        if not path.is_file():
            return None
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type.endswith("javascript"):
            content_type += "; charset=utf-8"
        found = (path.read_bytes(), content_type.encode())
        with self._lock:
            self._files[key] = found
        return found

    def cached(self, kind: str, name: str) -> tuple[bytes, bytes] | None:
        with self._lock:
            return self._files.get(f"{kind}/{name}")


class StreamlitFiles:
    """ASGI middleware: a GET or HEAD of one of Streamlit's hashed page files is answered from ``FileCache``."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], folder: Path | None = None,
                 base: str | None = None) -> None:  # fmt: skip
        """``folder``: Streamlit's static folder (default: the installed Streamlit's); ``base``: its base URL path
        (default: ``server.baseUrlPath``)."""
        self.app = app
        self.cache = FileCache(folder or streamlit_static_folder())
        prefix = (base if base is not None else _base_url_path()).strip("/")
        prefix = f"/{re.escape(prefix)}" if prefix else ""
        self.pattern = re.compile(rf"^{prefix}/static/({'|'.join(KINDS)})/({_NAME})$")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = self.pattern.match(str(scope.get("path", ""))) if scope["type"] == "http" else None
        if match is None or scope.get("method") not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        kind, name = match.groups()
        found = self.cache.cached(kind, name) or await asyncio.to_thread(self.cache.get, kind, name)
        if found is None:  # not a file of this install: Streamlit answers (its index.html, as for any path)
            await self.app(scope, receive, send)
            return
        body, content_type = found
        headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode()),
                   (b"cache-control", CACHE_CONTROL)]  # fmt: skip
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope.get("method") == "HEAD" else body})


def serve_streamlit_files_from_memory() -> bool:
    """Wrap Streamlit's Starlette app in ``StreamlitFiles``; True when in place (False on another Streamlit server)."""
    return wrap_streamlit_app("serves_streamlit_files_from_memory", StreamlitFiles)

"""Streamlit's own page files (its JavaScript chunks, CSS and fonts) answered from memory, gzipped once.

A fresh browser opening any page fetches 100 to 150 of Streamlit's files (``/static/js/…``, ``/static/css/…``,
``/static/media/…``; Streamlit 1.60's page names 103 of them at once, 1.67's 58). Streamlit answers each through its
whole middleware stack and Starlette's ``StaticFiles`` (a stat and the reads in worker threads): 3 ms of the web
process's CPU a file on the 2-core machine under load (150 of them, 8.6 MB: 0.46 s against 0.10 s from memory), and
sends them uncompressed (it would gzip them again on every request). The first Live card waits on them: the page's
script starts only once they have arrived. ``StreamlitFiles`` answers those requests itself, from the bytes read once
(on a file's first request, off the event loop) and, once a thread has made it, their gzip (level 6: those 8.6 MB in
2.2 MB, 0.3 s of CPU once; a school's Wi-Fi, or nginx in front, carries a quarter), with the headers Streamlit gives
them: their names carry a hash of their content, so a browser keeps them a year without asking again. ``python -m
ui.server.serve`` (``make run``) installs it.

Only the hashed files under ``static/`` are served here; ``index.html`` and everything else stay Streamlit's.
"""

from __future__ import annotations

import asyncio
import gzip
import mimetypes
import queue
import re
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from ui.server.limits import Receive, Scope, Send, wrap_streamlit_app

# Streamlit's own header for its content-hashed files (starlette_static_routes.py: public, immutable, a year)
CACHE_CONTROL = b"public, immutable, max-age=31536000"
KINDS = ("js", "css", "media")  # static/'s folders; static/'s own top-level files (a worker script) stay Streamlit's
_NAME = r"[A-Za-z0-9_][A-Za-z0-9_.~-]*"
GZIP_LEVEL = 6  # as ui.server.assets (Streamlit 1.60's 104 files its page names first: 2.20 MB in 0.55 MB, 0.07 s)
MIN_GZIP_BYTES = 1024  # smaller ones gain nothing worth a header


def streamlit_static_folder() -> Path:
    """Streamlit's built front end (``index.html`` and ``static/``), as its server serves it."""
    from streamlit import file_util

    return Path(file_util.get_static_dir())


def _base_url_path() -> str:
    """Streamlit's ``server.baseUrlPath`` without slashes ("" at the root)."""
    from streamlit import config

    return str(config.get_option("server.baseUrlPath") or "").strip("/")


@dataclass
class PageFile:
    """One of Streamlit's files in memory: its bytes, its content type, and its gzip once made (None until then, and
    for a file that does not shrink: fonts and pictures come compressed)."""

    body: bytes
    content_type: bytes
    compressible: bool
    gz: bytes | None = None


class FileCache:
    """The bytes of ``folder``'s files, read once each, and their gzip made once in a thread of its own: a request
    never waits for a compression (the file goes as it is until its gzip is there). A file Streamlit's install does
    not have is not served."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._files: dict[str, PageFile] = {}  # "js/name.js" -> the file
        self._lock = threading.Lock()
        self._to_compress: queue.SimpleQueue[PageFile] = queue.SimpleQueue()
        self._compressor: threading.Thread | None = None

    def get(self, kind: str, name: str) -> PageFile | None:
        """``static/<kind>/<name>``, or None: no such file. Call it off the event loop the first time (``cached``
        says when it is in memory)."""
        found = self.cached(kind, name)
        if found is not None:
            return found
        path = self.folder / "static" / kind / name
        if not path.is_file():
            return None
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        textual = content_type.startswith("text/") or content_type.endswith(("javascript", "json", "+xml"))
        if textual and not content_type.endswith("+xml"):
            content_type += "; charset=utf-8"
        body = path.read_bytes()
        made = PageFile(body, content_type.encode(), textual and len(body) > MIN_GZIP_BYTES)
        with self._lock:
            found = self._files.setdefault(f"{kind}/{name}", made)
            if found is made and made.compressible:
                self._to_compress.put(made)
                if self._compressor is None:
                    self._compressor = threading.Thread(target=self._compress, name="handteach-page-files",
                                                        daemon=True)  # fmt: skip
                    self._compressor.start()
        return found

    def cached(self, kind: str, name: str) -> PageFile | None:
        with self._lock:
            return self._files.get(f"{kind}/{name}")

    def _compress(self) -> None:
        while True:
            page_file = self._to_compress.get()
            page_file.gz = gzip.compress(page_file.body, GZIP_LEVEL, mtime=0)  # zlib lets go of the GIL meanwhile


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
        body, headers = found.body, [(b"content-type", found.content_type), (b"cache-control", CACHE_CONTROL)]
        if found.compressible:
            headers.append((b"vary", b"Accept-Encoding"))
            if found.gz is not None and "gzip" in _header(scope, b"accept-encoding").lower():
                body = found.gz
                headers.append((b"content-encoding", b"gzip"))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope.get("method") == "HEAD" else body})


def _header(scope: Scope, name: bytes) -> str:
    return next((v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == name), "")


def serve_streamlit_files_from_memory() -> bool:
    """Wrap Streamlit's Starlette app in ``StreamlitFiles``; True when in place (False on another Streamlit server)."""
    return wrap_streamlit_app("serves_streamlit_files_from_memory", StreamlitFiles)

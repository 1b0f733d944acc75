"""The browser path's big files, compressed once and revalidated, instead of compressed again on every visit.

Streamlit serves a component's files (``/component/<name>/<file>``) read whole from disk, gzipped by its middleware
on each request, with ``Cache-Control: public`` and no validator, so the browser fetches them again on
every visit. For the browser path (tasks-vision's and onnxruntime's wasm and the hand model, 29 MB) that cost the
web process 0.77 s of CPU each time a student opened Live or Record (curl, the four files, on the 2-core machine):
a class opening Live together waited on it. ``CompressedAssets`` answers those requests itself: the gzip made once
for each version of a file (level 6), an ETag, and ``Cache-Control: no-cache``, so a later visit asks again and gets
304 with no body. ``python -m ui.server.serve`` (``make run``) installs it, and has the files a Live or Record
page fetches first compressed in a thread as the server starts (``FIRST_FETCHED``): made on the first request, they
held up the first student of the day by their compression, the web process's 1.2 s of CPU (issue 64, item 8: a
fresh server's first Live card came at 5.5 s, 2.7 s on the visits after).
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import os
import re
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from ui.server.limits import Receive, Scope, Send, wrap_streamlit_app

# ui.browser.component's name in Streamlit (its module and declare_component's name) and BUILD_DIR, named again
# here because the server room imports no other (tests/test_server_assets.py checks that they agree)
COMPONENT_NAME = "ui.browser.component.handteach_camera"
COMPONENT_FOLDER = Path(__file__).resolve().parents[1] / "browser" / "frontend_build"
# index.html stays Streamlit's (it is small, and its address varies)
SERVED_SUFFIXES = (".js", ".mjs", ".wasm", ".task")
GZIP_LEVEL = 6  # the four files: 1.19 s of CPU, 11.90 MB; level 9 took 5.0 s for 0.6% less, level 1 0.36 s for 10% more
# what a Live or Record tab fetches as it starts, on a machine with SIMD (the lite model and the no-SIMD build only
# where the tab turns to them: compressed on their first request)
FIRST_FETCHED = ("app.js", "handworker.js", "hand_landmarker.task", "vision_wasm_internal.js",
                 "vision_wasm_internal.wasm", "ort.wasm.min.js", "ort-wasm-simd-threaded.mjs",
                 "ort-wasm-simd-threaded.wasm")  # fmt: skip
_PATH = re.compile(rf"(?:^|/)component/{re.escape(COMPONENT_NAME)}/([A-Za-z0-9_.-]+)$")
# the Scratch editor's component (ui.scratch.component), served the same way: its scratch-gui.js is 18 MB, which
# Streamlit's middleware gzipped again on every visit (the editor's page waited 10 s and more on the 2-core machine)
SCRATCH_NAME = "ui.scratch.component.handteach_scratch"
SCRATCH_FOLDER = Path(__file__).resolve().parents[1] / "scratch" / "editor_build"


@dataclass(frozen=True)
class Asset:
    """One version of a built file: ``gz`` its gzip, ``etag`` a quoted hash of its bytes."""

    mtime_ns: int
    size: int
    etag: str
    gz: bytes


class AssetCache:
    """The compressed files of ``folder``, made on first request and again when a file changes (``make frontend``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._assets: dict[str, Asset] = {}
        self._lock = threading.Lock()

    def path_of(self, name: str) -> Path | None:
        """The file for a requested name, or None (not one of the built files this serves)."""
        if name.startswith(".") or not name.endswith(SERVED_SUFFIXES):
            return None
        path = self.folder / name
        return path if path.is_file() else None

    def prepare(self, names: tuple[str, ...] | None = None) -> None:
        """Compress ``names`` (default ``FIRST_FETCHED``) now, those this folder has: in a thread, as the server starts."""
        for name in FIRST_FETCHED if names is None else names:
            path = self.path_of(name)
            if path is not None:
                self.get(name, path)

    def get(self, name: str, path: Path) -> Asset:
        """The current version's ``Asset`` (compressing it now if it changed): call it off the event loop."""
        stat = path.stat()
        with self._lock:  # two first visitors at once compress it once
            known = self._assets.get(name)
            if known is not None and (known.mtime_ns, known.size) == (stat.st_mtime_ns, stat.st_size):
                return known
            asset = _compressed(path, stat)
            self._assets[name] = asset
            return asset


# The same file served by two components (the Scratch editor's build hard-links the browser path's engine files) is
# compressed once: keyed by the file itself, its device, inode, mtime and size.
_BY_FILE: dict[tuple[int, int, int, int], Asset] = {}
_FILE_LOCKS: dict[tuple[int, int, int, int], threading.Lock] = {}
_FILE_LOCKS_LOCK = threading.Lock()


def _compressed(path: Path, stat: os.stat_result) -> Asset:
    """The file's ``Asset``: one already made for the same file, else its build's ``<name>.gz`` where that is not older
    than the file (``make scratch`` gzips the editor's 18 MB library once, at build time, instead of every server's
    first visitor waiting for it), else gzipped now."""
    key = (stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size)
    with _FILE_LOCKS_LOCK:
        lock = _FILE_LOCKS.setdefault(key, threading.Lock())
    with lock:  # one file's compression does not hold up another's
        known = _BY_FILE.get(key)
        if known is not None:
            return known
        data = path.read_bytes()
        built = path.with_name(path.name + ".gz")
        gz = built.read_bytes() if built.is_file() and built.stat().st_mtime_ns >= stat.st_mtime_ns else b""
        if not gz or gzip.decompress(gz) != data:  # a stale or broken .gz is made again, never served
            gz = gzip.compress(data, GZIP_LEVEL, mtime=0)
        asset = Asset(stat.st_mtime_ns, len(data), f'"{hashlib.sha256(data).hexdigest()[:32]}"', gz)
        _BY_FILE[key] = asset
        return asset


def content_type(name: str) -> str:
    if name.endswith(".wasm"):
        return "application/wasm"  # WebAssembly.instantiateStreaming needs it
    return "text/javascript" if name.endswith((".js", ".mjs")) else "application/octet-stream"


def _header(scope: Scope, name: bytes) -> str:
    return next((v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == name), "")


class CompressedAssets:
    """ASGI middleware: a GET or HEAD for one of the component's built files is answered from ``AssetCache``."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], folder: Path,
                 prepare: bool = False, name: str = COMPONENT_NAME) -> None:  # fmt: skip
        """``prepare``: compress ``FIRST_FETCHED`` at once in a daemon thread (zlib lets go of the GIL meanwhile).
        ``name``: the component whose files these are."""
        self.app = app
        self.cache = AssetCache(folder)
        self.pattern = (
            _PATH if name == COMPONENT_NAME else re.compile(rf"(?:^|/)component/{re.escape(name)}/([A-Za-z0-9_.-]+)$")
        )
        if prepare:
            threading.Thread(target=self.cache.prepare, name="handteach-assets", daemon=True).start()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = self.pattern.search(str(scope.get("path", ""))) if scope["type"] == "http" else None
        path = self.cache.path_of(match.group(1)) if match and scope.get("method") in ("GET", "HEAD") else None
        if path is None:
            await self.app(scope, receive, send)
            return
        name = match.group(1)  # type: ignore[union-attr] - path is set only with a match
        asset = await asyncio.to_thread(self.cache.get, name, path)
        headers = [(b"etag", asset.etag.encode()), (b"cache-control", b"no-cache"), (b"vary", b"Accept-Encoding")]
        if asset.etag in [tag.strip() for tag in _header(scope, b"if-none-match").split(",")]:
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        if "gzip" in _header(scope, b"accept-encoding").lower():
            body, headers = asset.gz, [*headers, (b"content-encoding", b"gzip")]
        else:
            body = await asyncio.to_thread(path.read_bytes)
        headers += [(b"content-type", content_type(name).encode()), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope.get("method") == "HEAD" else body})


def compress_assets_once() -> bool:
    """Wrap Streamlit's Starlette app in ``CompressedAssets``; True when in place (False on another Streamlit server)."""
    return wrap_streamlit_app(
        "compresses_assets_once",
        lambda app: CompressedAssets(CompressedAssets(app, COMPONENT_FOLDER, True), SCRATCH_FOLDER, name=SCRATCH_NAME),
    )

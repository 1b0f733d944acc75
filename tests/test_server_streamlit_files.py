"""ui.server.streamlit_files: Streamlit's hashed page files answered from memory with Streamlit's own headers."""

from __future__ import annotations

import asyncio
import gzip
import time
from pathlib import Path

import pytest

from ui.server.streamlit_files import CACHE_CONTROL, StreamlitFiles, streamlit_static_folder


async def _streamlits(scope: dict, receive: object, send) -> None:  # noqa: ANN001 - an ASGI send
    await send({"type": "http.response.start", "status": 418, "headers": []})
    await send({"type": "http.response.body", "body": b"Streamlit's"})


def _get(
    app: StreamlitFiles, path: str, method: str = "GET", gzipped: bool = False
) -> tuple[int, dict[str, str], bytes]:
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    headers = [(b"accept-encoding", b"gzip, deflate, br")] if gzipped else []
    asyncio.run(app({"type": "http", "method": method, "path": path, "headers": headers}, None, send))
    start, body = sent[0], b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for kind, name, text in (("js", "index.Bv-Gq_1.js", "export const a = 1;"), ("css", "index.C4k.css", "p{}"),
                             ("media", "SourceSans.ttf.BsW.woff2", "wOF2" * 1000),
                             ("js", "react-dom.DZw.js", "function render(element) {}\n" * 2000)):  # fmt: skip
        (tmp_path / "static" / kind).mkdir(parents=True, exist_ok=True)
        (tmp_path / "static" / kind / name).write_text(text)
    (tmp_path / "index.html").write_text("<html></html>")
    return tmp_path


def test_a_page_file_is_answered_from_memory_with_streamlits_headers(folder: Path) -> None:
    app = StreamlitFiles(_streamlits, folder, base="")
    status, headers, body = _get(app, "/static/js/index.Bv-Gq_1.js")
    assert (status, body) == (200, b"export const a = 1;")
    assert headers["content-type"] == "text/javascript; charset=utf-8" and headers["content-length"] == "19"
    assert headers["cache-control"] == CACHE_CONTROL.decode()
    (folder / "static" / "js" / "index.Bv-Gq_1.js").unlink()  # read once: the next answer comes from memory
    assert _get(app, "/static/js/index.Bv-Gq_1.js")[2] == b"export const a = 1;"
    assert _get(app, "/static/css/index.C4k.css")[1]["content-type"] == "text/css; charset=utf-8"
    assert _get(app, "/static/media/SourceSans.ttf.BsW.woff2")[1]["content-type"] == "font/woff2"
    head = _get(app, "/static/css/index.C4k.css", method="HEAD")
    assert head[0] == 200 and head[2] == b"" and head[1]["content-length"] == "3"


def test_a_big_text_file_goes_gzipped_once_its_gzip_is_made_and_a_font_as_it_is(folder: Path) -> None:
    app = StreamlitFiles(_streamlits, folder, base="")
    path, text = "/static/js/react-dom.DZw.js", (folder / "static" / "js" / "react-dom.DZw.js").read_bytes()
    status, headers, body = _get(app, path, gzipped=True)  # the first request: as it is, its gzip made meanwhile
    assert status == 200 and headers["vary"] == "Accept-Encoding" and int(headers["content-length"]) == len(body)
    deadline = time.monotonic() + 10
    while "content-encoding" not in (again := _get(app, path, gzipped=True))[1]:
        assert time.monotonic() < deadline, "the gzip was never made"
        time.sleep(0.01)
    assert again[1]["content-encoding"] == "gzip" and gzip.decompress(again[2]) == text
    assert len(again[2]) < len(text) / 10 and int(again[1]["content-length"]) == len(again[2])
    plain = _get(app, path)  # a client that takes no gzip gets the bytes
    assert plain[2] == text and "content-encoding" not in plain[1]
    font = _get(app, "/static/media/SourceSans.ttf.BsW.woff2", gzipped=True)  # woff2 is compressed already
    assert "content-encoding" not in font[1] and "vary" not in font[1] and len(font[2]) == 4000


def test_everything_else_stays_streamlits(folder: Path) -> None:
    app = StreamlitFiles(_streamlits, folder, base="")
    for path in ("/", "/live", "/index.html", "/static/js/no-such.js", "/static/js/../../index.html",
                 "/static/js/.hidden.js", "/static/other/index.C4k.css",
                 "/component/ui.browser.component.handteach_camera/static/js/index.Bv-Gq_1.js",  # another's files
                 "/app/static/js/index.Bv-Gq_1.js"):  # fmt: skip
        assert _get(app, path)[:3:2] == (418, b"Streamlit's"), path
    assert _get(app, "/static/js/index.Bv-Gq_1.js", method="POST")[0] == 418


def test_a_base_url_path_is_followed(folder: Path) -> None:
    app = StreamlitFiles(_streamlits, folder, base="/class/7b/")
    assert _get(app, "/class/7b/static/js/index.Bv-Gq_1.js")[0] == 200
    assert _get(app, "/static/js/index.Bv-Gq_1.js")[0] == 418


@pytest.mark.slow  # imports Streamlit
def test_the_installed_streamlits_page_names_files_this_serves() -> None:
    """Streamlit's page loads its first script from static/js/: a Streamlit that moved its files would pass every
    request on (correct, but no longer from memory) and fail here."""
    folder = streamlit_static_folder()
    page = (folder / "index.html").read_text(encoding="utf-8")
    app = StreamlitFiles(_streamlits, folder, base="")
    scripts = [name for name in page.split('"') if name.startswith("./static/js/") and name.endswith(".js")]
    assert scripts, page[:500]
    status, headers, body = _get(app, scripts[0][1:])
    assert status == 200 and body == (folder / scripts[0]).read_bytes()

"""ui.server.assets: the browser path's built files gzipped once per version, revalidated with an ETag (304)."""

from __future__ import annotations

import asyncio
import gzip
import os
import time
from pathlib import Path

import pytest

from ui.server import assets
from ui.server.assets import COMPONENT_FOLDER, COMPONENT_NAME, CompressedAssets

PREFIX = f"/component/{COMPONENT_NAME}/"


async def _passed_on(scope: dict, receive: object, send) -> None:  # noqa: ANN001 - an ASGI send
    await send({"type": "http.response.start", "status": 418, "headers": []})
    await send({"type": "http.response.body", "body": b"Streamlit's"})


def _get(app: CompressedAssets, path: str, method: str = "GET", **headers: str) -> tuple[int, dict[str, str], bytes]:
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path,
             "headers": [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]}  # fmt: skip
    asyncio.run(app(scope, None, send))
    start, body = sent[0], b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "vision.wasm").write_bytes(b"\0asm" + os.urandom(2000) + bytes(50_000))
    (tmp_path / "app.js").write_text("console.log('hand');" * 100)
    (tmp_path / "glue.mjs").write_text("export default 1;")  # onnxruntime-web's glue, imported as a module
    (tmp_path / ".built").write_text("")
    (tmp_path / "index.html").write_text("<html></html>")
    return tmp_path


def test_a_built_file_goes_gzipped_with_an_etag_and_is_revalidated_with_304(folder: Path) -> None:
    app = CompressedAssets(_passed_on, folder)
    status, headers, body = _get(app, PREFIX + "vision.wasm", accept_encoding="gzip, deflate, br")
    assert status == 200 and headers["content-encoding"] == "gzip" and headers["content-type"] == "application/wasm"
    assert gzip.decompress(body) == (folder / "vision.wasm").read_bytes()
    assert int(headers["content-length"]) == len(body)
    assert headers["cache-control"] == "no-cache" and headers["vary"] == "Accept-Encoding"
    again = _get(app, "/base/path" + PREFIX + "vision.wasm", if_none_match=f'"other", {headers["etag"]}')
    assert again[0] == 304 and again[2] == b"" and again[1]["etag"] == headers["etag"]
    plain = _get(app, PREFIX + "app.js")  # no gzip asked for: the bytes as they are
    assert plain[0] == 200 and "content-encoding" not in plain[1] and plain[2] == (folder / "app.js").read_bytes()
    assert plain[1]["content-type"] == "text/javascript"
    assert _get(app, PREFIX + "glue.mjs")[1]["content-type"] == "text/javascript"  # else no import() of it
    head = _get(app, PREFIX + "app.js", method="HEAD", accept_encoding="gzip")
    assert head[0] == 200 and head[2] == b"" and int(head[1]["content-length"]) > 0


def test_each_version_is_compressed_once(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[int] = []
    real = gzip.compress
    monkeypatch.setattr(assets.gzip, "compress", lambda data, *a, **k: made.append(len(data)) or real(data, *a, **k))
    app = CompressedAssets(_passed_on, folder)
    first = [_get(app, PREFIX + "vision.wasm", accept_encoding="gzip")[1]["etag"] for _ in range(3)]
    assert len(made) == 1 and len(set(first)) == 1
    path = folder / "vision.wasm"
    path.write_bytes(b"\0asm rebuilt by make frontend")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    status, headers, body = _get(app, PREFIX + "vision.wasm", accept_encoding="gzip", if_none_match=first[0])
    assert status == 200 and headers["etag"] != first[0] and gzip.decompress(body) == path.read_bytes()
    assert len(made) == 2


def test_the_files_fetched_first_are_compressed_as_the_server_starts(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 64, item 8: compressed on the first request, they held up the day's first Live card by 1.2 s of CPU."""
    monkeypatch.setattr(assets, "FIRST_FETCHED", ("app.js", "vision.wasm", "missing.task"))
    made: list[int] = []
    real = gzip.compress
    monkeypatch.setattr(assets.gzip, "compress", lambda data, *a, **k: made.append(len(data)) or real(data, *a, **k))
    app = CompressedAssets(_passed_on, folder, prepare=True)
    for _ in range(100):
        if len(made) == 2:
            break
        time.sleep(0.05)
    assert sorted(made) == sorted([(folder / "app.js").stat().st_size, (folder / "vision.wasm").stat().st_size])
    assert _get(app, PREFIX + "vision.wasm", accept_encoding="gzip")[0] == 200 and len(made) == 2  # none again
    assert len(CompressedAssets(_passed_on, folder).cache._assets) == 0  # a test's or another server's: on request


def test_a_build_time_gzip_is_sent_as_it_is(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """make scratch gzips the editor's 18 MB library once: a fresh server's first visitor no longer waits for it."""
    library = folder / "library.js"
    library.write_text("var editor = 1;" * 5000)
    built = gzip.compress(library.read_bytes(), 1, mtime=0)  # level 1: not what the server would make
    (folder / "library.js.gz").write_bytes(built)
    made: list[int] = []
    real = gzip.compress
    monkeypatch.setattr(assets.gzip, "compress", lambda data, *a, **k: made.append(len(data)) or real(data, *a, **k))
    status, headers, body = _get(CompressedAssets(_passed_on, folder), PREFIX + "library.js", accept_encoding="gzip")
    assert status == 200 and body == built and made == [] and headers["content-encoding"] == "gzip"
    library.write_text("var editor = 2;" * 5000)  # rebuilt after its .gz: the .gz is stale
    os.utime(library, ns=(library.stat().st_atime_ns, (folder / "library.js.gz").stat().st_mtime_ns + 10**9))
    body = _get(CompressedAssets(_passed_on, folder), PREFIX + "library.js", accept_encoding="gzip")[2]
    assert gzip.decompress(body) == library.read_bytes() and len(made) == 1
    other = folder / "other.js"
    other.write_text("var other = 1;" * 100)
    (folder / "other.js.gz").write_bytes(real(b"something else"))  # not this file's bytes: never served
    body = _get(CompressedAssets(_passed_on, folder), PREFIX + "other.js", accept_encoding="gzip")[2]
    assert gzip.decompress(body) == other.read_bytes() and len(made) == 2


def test_a_file_two_components_share_is_compressed_once(folder: Path, tmp_path_factory: pytest.TempPathFactory,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """The Scratch editor's build hard-links the browser path's engine files: one compression serves both."""
    editor = tmp_path_factory.mktemp("editor_build")
    os.link(folder / "vision.wasm", editor / "vision.wasm")
    made: list[int] = []
    real = gzip.compress
    monkeypatch.setattr(assets.gzip, "compress", lambda data, *a, **k: made.append(len(data)) or real(data, *a, **k))
    camera = _get(CompressedAssets(_passed_on, folder), PREFIX + "vision.wasm", accept_encoding="gzip")
    scratch = CompressedAssets(_passed_on, editor, name="ui.scratch.component.handteach_scratch")
    again = _get(scratch, "/component/ui.scratch.component.handteach_scratch/vision.wasm", accept_encoding="gzip")
    assert again[0] == 200 and again[2] == camera[2] and again[1]["etag"] == camera[1]["etag"] and len(made) == 1


@pytest.mark.parametrize("path", [PREFIX + ".built", PREFIX + "index.html", PREFIX + "missing.wasm",
                                  PREFIX + "..%2Fapp.js", PREFIX + "../app.js", PREFIX + "sub/app.js", "/component/other.name/app.js",
                                  PREFIX + "app.js/"])  # fmt: skip
def test_anything_else_is_left_to_streamlit(folder: Path, path: str) -> None:
    assert _get(CompressedAssets(_passed_on, folder), path, accept_encoding="gzip")[:1] == (418,)
    assert _get(CompressedAssets(_passed_on, folder), PREFIX + "app.js", method="POST")[0] == 418


def test_the_names_agree_with_the_component() -> None:
    from ui.browser import component

    assert component.BUILD_DIR.resolve() == COMPONENT_FOLDER
    assert component._declared().name == COMPONENT_NAME

"""``.sb3`` files from anywhere (core.scratch.sb3): the shipped example passes; a zip bomb, an oversized file, broken
JSON, files Scratch does not make, assets of the wrong type and costume SVGs that could run or fetch are refused in
one plain line each, before anything is kept."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from core.scratch import examples, sb3
from core.scratch.sb3 import Sb3Error, check_sb3, read_upload

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2"><rect width="2" height="2"/></svg>'
MD5 = "0123456789abcdef0123456789abcdef"


def _project(costume: str = f"{MD5}.svg") -> dict:
    kind = costume.rsplit(".", 1)[-1]
    stage = {"isStage": True, "name": "Stage", "costumes": [{"name": "b", "assetId": MD5, "md5ext": costume,
                                                             "dataFormat": kind}], "sounds": []}  # fmt: skip
    return {"targets": [stage], "meta": {"semver": "3.0.0"}, "extensions": ["handteach"]}


def _sb3(files: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def _good(**assets: bytes) -> bytes:
    return _sb3({"project.json": json.dumps(_project()).encode(), f"{MD5}.svg": SVG, **assets})


def _refused(data: bytes) -> str:
    with pytest.raises(Sb3Error) as caught:
        check_sb3(data)
    line = str(caught.value)
    assert "\n" not in line and len(line) < 200, line
    return line


def test_the_shipped_examples_pass_and_are_made_again_byte_for_byte() -> None:
    for make in examples.MAKERS:
        example, data = make()
        shipped = (examples.FOLDER / f"{example.name}.sb3").read_bytes()
        assert shipped == data, f"{example.name}.sb3 is not what `python -m core.scratch.examples` makes"
        project = check_sb3(shipped)
        assert project.extensions == ("handteach",)
        opcodes = {b["opcode"] for t in project.project["targets"] for b in t.get("blocks", {}).values()}
        assert any(opcode.startswith("handteach_") for opcode in opcodes)
        menus = [b["fields"]["gestures"][0] for t in project.project["targets"] for b in t["blocks"].values()
                 if b["opcode"] == "handteach_menu_gestures"]  # fmt: skip
        assert sorted(menus) == sorted(example.needs)


def test_a_plain_project_passes() -> None:
    project = check_sb3(_good())
    assert project.assets == (f"{MD5}.svg",)


def test_not_a_zip_and_too_big() -> None:
    assert "not a zip" in _refused(b"hello, I am not a project")
    assert "20 MB" in _refused(b"PK\x03\x04" + b"\0" * (sb3.MAX_SB3_BYTES + 1))


def test_an_upload_is_measured_before_it_is_read() -> None:
    class Endless(io.RawIOBase):
        read_sizes: list[int] = []

        def read(self, size: int = -1) -> bytes:
            self.read_sizes.append(size)
            return b"x" * max(size, 0)

    with pytest.raises(Sb3Error, match="20 MB"):
        read_upload(Endless(), size=2 * 1024**3)  # a 2 GB file: refused by its size, nothing read
    assert Endless.read_sizes == []
    with pytest.raises(Sb3Error, match="over 20 MB"):
        read_upload(Endless())  # no size known: never more than the limit and one byte read
    assert Endless.read_sizes == [sb3.MAX_SB3_BYTES + 1]


def test_a_zip_bomb() -> None:
    bomb = _sb3({"project.json": json.dumps(_project()).encode(), f"{MD5}.svg": SVG,
                 f"{'f' * 32}.wav": b"\0" * 50_000_000})  # fmt: skip
    assert len(bomb) < 200_000
    assert "zip bomb" in _refused(bomb)


def test_too_many_files_and_names_scratch_does_not_make() -> None:
    many = {f"{i:032x}.svg": SVG for i in range(sb3.MAX_ENTRIES + 1)}
    assert "files" in _refused(_sb3({"project.json": json.dumps(_project()).encode(), **many}))
    assert "does not make" in _refused(_good(**{"../../etc/passwd": b"x"}))
    assert "does not make" in _refused(_good(**{"script.js": b"alert(1)"}))


@pytest.mark.parametrize(
    ("project_json", "said"),
    [
        (b"{not json", "broken"),
        (b"\xff\xfe", "broken"),
        (b"[]", "no sprites"),
        (b'{"targets": []}', "no sprites"),
        (b'{"targets": ["x"]}', "not one"),
        (b"[" * 100_000 + b"]" * 100_000, "broken"),
    ],
)
def test_broken_project_json(project_json: bytes, said: str) -> None:
    assert said in _refused(_sb3({"project.json": project_json, f"{MD5}.svg": SVG}))


def test_missing_project_json_and_missing_costume() -> None:
    assert "no project.json" in _refused(_sb3({f"{MD5}.svg": SVG}))
    assert "missing" in _refused(_sb3({"project.json": json.dumps(_project()).encode()}))


def test_assets_of_the_wrong_type() -> None:
    png_named = _sb3({"project.json": json.dumps(_project(f"{MD5}.png")).encode(), f"{MD5}.png": SVG})
    assert "not a PNG" in _refused(png_named)
    wav = _sb3({"project.json": json.dumps(_project()).encode(), f"{MD5}.svg": SVG, f"{'a' * 32}.wav": b"MZ\x90\0"})
    assert "not a WAV" in _refused(wav)
    exe = _sb3({"project.json": json.dumps(_project()).encode(), f"{MD5}.svg": SVG, f"{'b' * 32}.exe": b"MZ"})
    assert "not a costume or a sound" in _refused(exe)


@pytest.mark.parametrize(
    ("svg", "said"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "<script>"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "event handler"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><div/></foreignObject></svg>', "<foreignobject>"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
         b'<a x:href="javascript:alert(1)"><rect/></a></svg>', "links"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><image href="https://example.com/a.png"/></svg>', "links"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(https://example.com/x)"/></svg>', "address"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://example.com/x.css);</style></svg>',
         "style"),
        (b'<!DOCTYPE svg [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><svg xmlns="http://www.w3.org/2000/svg">&b;</svg>',
         "DOCTYPE"),
        (b"<html><body>hi</body></html>", "not an SVG"),
        (b"<svg", "not an SVG"),
    ],
)  # fmt: skip
def test_a_costume_svg_that_could_run_or_fetch(svg: bytes, said: str) -> None:
    assert said in _refused(_sb3({"project.json": json.dumps(_project()).encode(), f"{MD5}.svg": svg}))


def test_safe_svg_references_pass() -> None:
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink"><defs><linearGradient '
           b'id="g"/></defs><rect fill="url(#g)"/><use x:href="#g"/></svg>')  # fmt: skip
    check_sb3(_sb3({"project.json": json.dumps(_project()).encode(), f"{MD5}.svg": svg}))

"""A Scratch project's costumes and sounds, checked by their bytes: each is the type its name says, and a costume's
SVG holds no script, no event handler, no DOCTYPE (entities: the billion laughs) and no address off the page."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

# what scratch-vm stores a costume or sound as (its dataFormat), and the bytes each type starts with
KINDS = ("svg", "png", "jpg", "jpeg", "bmp", "gif", "wav", "mp3")
_MAGIC: dict[str, tuple[bytes, ...]] = {
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "bmp": (b"BM",),
    "gif": (b"GIF87a", b"GIF89a"),
    "wav": (b"RIFF",),
    "mp3": (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2", b"\xff\xfa", b"\xff\xe3"),
}
# elements that run code, load another document or embed HTML (where a script may hide) in an SVG
_UNSAFE_ELEMENTS = frozenset({"script", "foreignobject", "iframe", "embed", "object", "handler", "listener"})
_LOCAL_HREF = re.compile(r"^\s*(#|data:image/(png|jpeg|gif|bmp);base64,)", re.IGNORECASE)


class AssetError(ValueError):
    """An asset that is not what its name says, or an SVG that could run or fetch something."""


def check_asset(name: str, data: bytes) -> None:
    """Raise ``AssetError`` unless ``data`` is the kind ``name``'s extension says (a costume's SVG: safe too)."""
    kind = name.rsplit(".", 1)[-1].lower()
    if kind not in KINDS:
        raise AssetError(f"{name}: a {kind} file is not a costume or a sound Scratch keeps")
    if kind == "svg":
        check_svg(name, data)
        return
    if not data.startswith(_MAGIC[kind]):
        raise AssetError(f"{name}: not a {kind.upper()} file, although its name says so")
    if kind == "wav" and data[8:12] != b"WAVE":
        raise AssetError(f"{name}: not a WAV file, although its name says so")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def check_svg(name: str, data: bytes) -> None:
    """Raise ``AssetError`` for an SVG that is not one, or holds a script, an event handler, a DOCTYPE or an
    address off the page (a picture or style from another server: no request may leave the app's origin)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AssetError(f"{name}: not an SVG picture (not UTF-8 text)") from None
    if "<!doctype" in text.lower() or "<!entity" in text.lower():
        raise AssetError(f"{name}: an SVG with a DOCTYPE or entities is refused")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise AssetError(f"{name}: not an SVG picture ({exc})") from None
    if _local(root.tag) != "svg":
        raise AssetError(f"{name}: not an SVG picture (its first element is <{_local(root.tag)}>)")
    for element in root.iter():
        tag = _local(str(element.tag))
        if tag in _UNSAFE_ELEMENTS:
            raise AssetError(f"{name}: an SVG with <{tag}> is refused (it could run a script)")
        for key, value in element.attrib.items():
            attribute = _local(key)
            if attribute.startswith("on"):
                raise AssetError(f"{name}: an SVG with an event handler ({attribute}) is refused")
            if attribute == "href" and not _LOCAL_HREF.match(value):
                raise AssetError(f"{name}: an SVG that links to another file or page is refused")
            if "url(" in value.lower() and not re.fullmatch(r"[^()]*url\(\s*#[^()]*\)[^()]*", value.strip()):
                raise AssetError(f"{name}: an SVG that loads from an address is refused")
        if tag == "style" and element.text and re.search(r"@import|url\(\s*['\"]?(?!#)", element.text, re.IGNORECASE):
            raise AssetError(f"{name}: an SVG whose style loads from an address is refused")

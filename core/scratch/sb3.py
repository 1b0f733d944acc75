"""A Scratch 3 project file (``.sb3``) from anywhere, checked before it is opened or kept: the size before reading,
a zip whose entries are few, small and not a bomb, a ``project.json`` that is JSON of Scratch's shape, and every
costume and sound the type its name says, present once, a costume's SVG without script (``core.scratch.assets``).
Each refusal is one plain line (``Sb3Error``); nothing is stored by a check."""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from typing import Any, BinaryIO

from core.scratch.assets import AssetError, check_asset

MAX_SB3_BYTES = 20 * 1024 * 1024  # the file as it comes; Scratch's own editor saves projects far smaller
MAX_UNPACKED_BYTES = 60 * 1024 * 1024  # all entries unpacked
MAX_ENTRIES = 500
MAX_PROJECT_JSON_BYTES = 8 * 1024 * 1024
MAX_RATIO = 100  # unpacked to packed, over 1 MB: a zip bomb
_ASSET_NAME = re.compile(r"^[0-9a-f]{32}\.[a-z0-9]{3,4}$")


class Sb3Error(ValueError):
    """An .sb3 refused, in one plain line."""


@dataclass(frozen=True)
class Sb3Project:
    """A checked project: its ``project.json`` and the names of its assets (``<md5>.<ext>``)."""

    project: dict[str, Any]
    assets: tuple[str, ...]
    extensions: tuple[str, ...]


def read_upload(upload: BinaryIO, size: int | None = None) -> bytes:
    """The bytes of an uploaded .sb3, its size checked first (``size`` when known, else read one byte over)."""
    if size is not None and size > MAX_SB3_BYTES:
        raise Sb3Error(
            f"The file is {size / 1e6:.0f} MB: a Scratch project here may be {MAX_SB3_BYTES // 2**20} MB at most."
        )
    data = upload.read(MAX_SB3_BYTES + 1)
    if len(data) > MAX_SB3_BYTES:
        raise Sb3Error(f"The file is over {MAX_SB3_BYTES // 2**20} MB: a Scratch project here may be no bigger.")
    return data


def check_sb3(data: bytes) -> Sb3Project:
    """The project in ``data``, or ``Sb3Error`` saying in one line what is wrong with it."""
    if len(data) > MAX_SB3_BYTES:
        raise Sb3Error(f"The file is over {MAX_SB3_BYTES // 2**20} MB: a Scratch project here may be no bigger.")
    if not data.startswith(b"PK\x03\x04"):
        raise Sb3Error("This is not a Scratch 3 project (.sb3): it is not a zip file.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = _members(archive)
        project = _project_json(archive, members.pop("project.json", None))
        assets = {name: _read(archive, info) for name, info in members.items()}
    except zipfile.BadZipFile as exc:
        raise Sb3Error(f"This .sb3 is damaged ({exc}).") from None
    for name, content in assets.items():
        try:
            check_asset(name, content)
        except AssetError as exc:
            raise Sb3Error(f"This project's file {exc}") from None
    _check_references(project, set(assets))
    extensions = tuple(e for e in project.get("extensions", []) if isinstance(e, str))
    return Sb3Project(project, tuple(sorted(assets)), extensions)


def _members(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise Sb3Error(f"This .sb3 holds {len(infos)} files: a project here may hold {MAX_ENTRIES} at most.")
    members: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        if info.is_dir():
            continue
        name = info.filename
        if name != "project.json" and not _ASSET_NAME.match(name):
            raise Sb3Error(f"This .sb3 holds a file Scratch does not make: {name!r}.")
        if name in members:
            raise Sb3Error(f"This .sb3 holds {name!r} twice.")
        if info.file_size > 1_000_000 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise Sb3Error(
                f"This .sb3 is a zip bomb: {name!r} unpacks {info.file_size // max(info.compress_size, 1):,} times its size."
            )
        total += info.file_size
        if total > MAX_UNPACKED_BYTES:
            raise Sb3Error(
                f"This .sb3 unpacks to over {MAX_UNPACKED_BYTES // 2**20} MB: a project here may be no bigger."
            )
        members[name] = info
    return members


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int | None = None) -> bytes:
    """An entry's bytes, never more than it declares (a forged size is caught as it unpacks)."""
    cap = info.file_size if limit is None else min(info.file_size, limit)
    with archive.open(info) as entry:
        data = entry.read(cap + 1)
    if len(data) > cap:
        raise Sb3Error(f"This .sb3 is damaged: {info.filename!r} is bigger than it says.")
    return data


def _project_json(archive: zipfile.ZipFile, info: zipfile.ZipInfo | None) -> dict[str, Any]:
    if info is None:
        raise Sb3Error("This .sb3 has no project.json: it is not a Scratch 3 project.")
    if info.file_size > MAX_PROJECT_JSON_BYTES:
        raise Sb3Error(f"This project's project.json is over {MAX_PROJECT_JSON_BYTES // 2**20} MB.")
    try:
        project = json.loads(_read(archive, info).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise Sb3Error(f"This project's project.json is broken ({str(exc).splitlines()[0][:80]}).") from None
    if not isinstance(project, dict) or not isinstance(project.get("targets"), list) or not project["targets"]:
        raise Sb3Error("This project's project.json is not a Scratch 3 project (no sprites or stage in it).")
    if not all(isinstance(t, dict) for t in project["targets"]):
        raise Sb3Error("This project's project.json is not a Scratch 3 project (a sprite that is not one).")
    return project


def _check_references(project: dict[str, Any], assets: set[str]) -> None:
    """Every costume and sound the project names is in the file, as the type it says."""
    for target in project["targets"]:
        for key in ("costumes", "sounds"):
            items = target.get(key, [])
            if not isinstance(items, list):
                raise Sb3Error(f"This project's project.json is broken: a sprite's {key} are not a list.")
            for item in items:
                if not isinstance(item, dict):
                    raise Sb3Error(f"This project's project.json is broken: one of its {key} is not one.")
                kind = str(item.get("dataFormat", "")).lower()
                name = item.get("md5ext") or f"{item.get('assetId', '')}.{kind}"
                if not isinstance(name, str) or name not in assets:
                    raise Sb3Error(f"This project is missing one of its {key}: {str(name)[:60]!r}.")
                if name.rsplit(".", 1)[-1].lower() != kind:
                    raise Sb3Error(f"This project's {name!r} says it is {kind[:10]!r}: its name says otherwise.")

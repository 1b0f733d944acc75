"""The pieces of a Scratch 3 project the example games are built of: ``project.json``'s blocks, costumes, sprites and
the stage as Scratch writes them, and the ``.sb3`` zip with the same bytes each time (``core.scratch.examples``)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

ASSETS = Path(__file__).parent / "example_assets"
_WHEN = (2026, 1, 1, 0, 0, 0)  # every entry's date: the same bytes each time the script runs


def costume(name: str, file: str, centre: tuple[int, int]) -> tuple[dict[str, Any], tuple[str, bytes]]:
    data = (ASSETS / file).read_bytes()
    md5 = hashlib.md5(data).hexdigest()  # noqa: S324 - Scratch names its assets by their MD5
    costume = {"name": name, "dataFormat": "svg", "assetId": md5, "md5ext": f"{md5}.svg", "bitmapResolution": 1,
               "rotationCenterX": centre[0], "rotationCenterY": centre[1]}  # fmt: skip
    return costume, (f"{md5}.svg", data)


def text(value: str) -> list:
    return [1, [10, value]]


def number(value: float) -> list:
    return [1, [4, str(value)]]


class Script:
    """Blocks of one sprite, each a dict of Scratch's project.json, chained by ``next`` and ``parent``."""

    def __init__(self) -> None:
        self.blocks: dict[str, dict[str, Any]] = {}

    def add(self, opcode: str, inputs: dict | None = None, fields: dict | None = None, parent: str | None = None,
            top: tuple[int, int] | None = None, shadow: bool = False) -> str:  # fmt: skip
        key = f"b{len(self.blocks) + 1}"
        self.blocks[key] = {"opcode": opcode, "next": None, "parent": parent, "inputs": inputs or {},
                            "fields": fields or {}, "shadow": shadow, "topLevel": top is not None}  # fmt: skip
        if top is not None:
            self.blocks[key].update(x=top[0], y=top[1])
        return key

    def chain(self, *keys: str) -> None:
        for before, after in zip(keys, keys[1:], strict=False):
            self.blocks[before]["next"] = after
            self.blocks[after]["parent"] = before

    def inside(self, parent: str, key: str) -> str:
        self.blocks[key]["parent"] = parent
        return key

    def when_show(self, gesture: str, top: tuple[int, int]) -> str:
        hat = self.add("handteach_whenShow", top=top)
        menu = self.add("handteach_menu_gestures", fields={"gestures": [gesture, None]}, parent=hat, shadow=True)
        self.blocks[hat]["inputs"]["GESTURE"] = [1, menu]
        return hat

    def when_do(self, motion: str, top: tuple[int, int]) -> str:
        """A motion project's hat: "when I do [motion]"."""
        hat = self.add("handteach_whenDo", top=top)
        menu = self.add("handteach_menu_gestures", fields={"gestures": [motion, None]}, parent=hat, shadow=True)
        self.blocks[hat]["inputs"]["MOTION"] = [1, menu]
        return hat


def set_variable(script: Script, variable: tuple[str, str], value: str) -> str:
    return script.add("data_setvariableto", {"VALUE": text(value)}, {"VARIABLE": [variable[0], variable[1]]})


def stage_target(backdrop: dict[str, Any], variables: dict[str, list], lists: dict[str, list] | None = None,
                 broadcasts: dict[str, str] | None = None) -> dict[str, Any]:  # fmt: skip
    """The stage: its ``variables`` ({id: [name, value]}), ``lists`` ({id: [name, [items]]}) and ``broadcasts``
    ({id: name}) are the project's global ones."""
    return {"isStage": True, "name": "Stage", "variables": variables, "lists": lists or {},
            "broadcasts": broadcasts or {}, "blocks": {},
            "comments": {}, "currentCostume": 0, "costumes": [backdrop], "sounds": [], "volume": 100, "layerOrder": 0,
            "tempo": 60, "videoTransparency": 0, "videoState": "on", "textToSpeechLanguage": None}  # fmt: skip


def sprite_target(name: str, costume: dict[str, Any], blocks: dict, at: tuple[int, int], layer: int) -> dict[str, Any]:
    """A sprite; the instruction line is one too (the camera's video covers the backdrop)."""
    return {"isStage": False, "name": name, "variables": {}, "lists": {}, "broadcasts": {}, "blocks": blocks,
            "comments": {}, "currentCostume": 0, "costumes": [costume], "sounds": [], "volume": 100,
            "layerOrder": layer, "visible": True, "x": at[0], "y": at[1], "size": 100, "direction": 90,
            "draggable": False, "rotationStyle": "all around"}  # fmt: skip


def project_of(targets: list[dict[str, Any]], monitors: list[dict[str, Any]]) -> dict[str, Any]:
    return {"targets": targets, "monitors": monitors, "extensions": ["handteach"],
            "meta": {"semver": "3.0.0", "vm": "5.0.300", "agent": "handteach examples"}}  # fmt: skip


def zipped(project: dict[str, Any], files: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        entries = [("project.json", json.dumps(project, ensure_ascii=False, separators=(",", ":")).encode())]
        for name, data in entries + sorted(dict(files).items()):
            archive.writestr(zipfile.ZipInfo(name, _WHEN), data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def variable(name_and_id: tuple[str, str]) -> list:
    """A variable's reporter dropped into an input (Scratch's compact form)."""
    return [3, [12, name_and_id[0], name_and_id[1]], [10, ""]]


def monitor(name_and_id: tuple[str, str], value: str, at: tuple[int, int]) -> dict[str, Any]:
    """A stage variable's box on the stage, at ``at`` (stage pixels from the top left)."""
    return {"id": name_and_id[1], "mode": "default", "opcode": "data_variable", "params": {"VARIABLE": name_and_id[0]},
            "spriteName": None, "value": value, "width": 0, "height": 0, "x": at[0], "y": at[1], "visible": True,
            "sliderMin": 0, "sliderMax": 100, "isDiscrete": True}  # fmt: skip

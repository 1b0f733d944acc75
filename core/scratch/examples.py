"""The example games a child opens on the Make page, each a Scratch 3 project made here from the
pictures in ``example_assets`` and written to ``examples/<name>.sb3``: ``python -m core.scratch.examples`` writes
them again, byte for byte (a test compares).

Each uses the handteach blocks (the extension ``handteach``; ``scratch/src/extension.js``) with the starter
model's gesture names, and says on its stage in one line what to do."""

from __future__ import annotations

import hashlib
import io
import json
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ASSETS = Path(__file__).parent / "example_assets"
FOLDER = Path(__file__).parent / "examples"
_WHEN = (2026, 1, 1, 0, 0, 0)  # every entry's date: the same bytes each time the script runs
REACTION = "reaction"  # the stage's variable the thumbs-up game sets: "jumping", "stopped" (the browser test reads it)


@dataclass(frozen=True)
class Example:
    name: str  # the file's name without .sb3
    title: str  # what the Make page lists
    needs: tuple[str, ...]  # the gestures its blocks name


def _costume(name: str, file: str, centre: tuple[int, int]) -> tuple[dict[str, Any], tuple[str, bytes]]:
    data = (ASSETS / file).read_bytes()
    md5 = hashlib.md5(data).hexdigest()  # noqa: S324 - Scratch names its assets by their MD5
    costume = {"name": name, "dataFormat": "svg", "assetId": md5, "md5ext": f"{md5}.svg", "bitmapResolution": 1,
               "rotationCenterX": centre[0], "rotationCenterY": centre[1]}  # fmt: skip
    return costume, (f"{md5}.svg", data)


def _text(value: str) -> list:
    return [1, [10, value]]


def _number(value: float) -> list:
    return [1, [4, str(value)]]


class _Script:
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


def _set(script: _Script, variable: tuple[str, str], value: str) -> str:
    return script.add("data_setvariableto", {"VALUE": _text(value)}, {"VARIABLE": [variable[0], variable[1]]})


def thumbs_jump() -> tuple[Example, bytes]:
    """👍 makes the cat jump, again and again, until ✋ stops it."""
    variable = (REACTION, "handteachReactionVariable")
    backdrop, backdrop_file = _costume("instructions", "backdrop_thumbs_jump.svg", (240, 180))
    cat, cat_file = _costume("cat", "cat.svg", (48, 50))
    banner, banner_file = _costume("instructions", "instructions_thumbs_jump.svg", (230, 20))
    s = _Script()
    flag = s.add("event_whenflagclicked", top=(20, 20))
    start = _set(s, variable, "waiting")
    place = s.add("motion_gotoxy", {"X": _number(0), "Y": _number(-100)})
    hello = s.add("looks_say", {"MESSAGE": _text("Show me a thumbs up!")})
    forever = s.add("control_forever")
    check = s.add("control_wait_until")
    equals = s.add("operator_equals", {"OPERAND1": [3, [12, variable[0], variable[1]], [10, ""]],
                                       "OPERAND2": _text("jumping")})  # fmt: skip
    up = s.add("motion_changeyby", {"DY": _number(70)})
    pause = s.add("control_wait", {"DURATION": [1, [5, "0.25"]]})
    down = s.add("motion_changeyby", {"DY": _number(-70)})
    rest = s.add("control_wait", {"DURATION": [1, [5, "0.25"]]})
    s.chain(flag, start, place, hello, forever)
    # "wait until" says what the cat waits for in the child's words; it does not spare the page's thread: Scratch
    # steps a waiting script again and again through three quarters of every frame, as it does an "if" in a loop
    s.blocks[forever]["inputs"]["SUBSTACK"] = [2, s.inside(forever, check)]
    s.blocks[check]["inputs"]["CONDITION"] = [2, s.inside(check, equals)]
    s.chain(check, up, pause, down, rest)
    for gesture, value, words, top in (("thumbs_up", "jumping", "Jump!", (420, 20)),
                                       ("open_palm", "stopped", "Stop.", (420, 220))):  # fmt: skip
        hat = s.when_show(gesture, top)
        react = _set(s, variable, value)
        say = s.add("looks_say", {"MESSAGE": _text(words)})
        s.chain(hat, react, say)
    stage = _stage(backdrop, {variable[1]: [variable[0], "waiting"]})
    monitor = {"id": variable[1], "mode": "default", "opcode": "data_variable", "params": {"VARIABLE": variable[0]},
               "spriteName": None, "value": "waiting", "width": 0, "height": 0, "x": 5, "y": 300, "visible": True,
               "sliderMin": 0, "sliderMax": 100, "isDiscrete": True}  # fmt: skip
    project = _project([stage, _sprite("Cat", cat, s.blocks, (0, -100), 1), _sprite("Instructions", banner, {}, (0, 150), 2)],
                       [monitor])  # fmt: skip
    example = Example("thumbs_jump", "👍 makes the cat jump, ✋ stops it", ("thumbs_up", "open_palm"))
    return example, _zipped(project, [backdrop_file, cat_file, banner_file])


def _stage(backdrop: dict[str, Any], variables: dict[str, list]) -> dict[str, Any]:
    return {"isStage": True, "name": "Stage", "variables": variables, "lists": {}, "broadcasts": {}, "blocks": {},
            "comments": {}, "currentCostume": 0, "costumes": [backdrop], "sounds": [], "volume": 100, "layerOrder": 0,
            "tempo": 60, "videoTransparency": 0, "videoState": "on", "textToSpeechLanguage": None}  # fmt: skip


def _sprite(name: str, costume: dict[str, Any], blocks: dict, at: tuple[int, int], layer: int) -> dict[str, Any]:
    """A sprite; the instruction line is one too (the camera's video covers the backdrop)."""
    return {"isStage": False, "name": name, "variables": {}, "lists": {}, "broadcasts": {}, "blocks": blocks,
            "comments": {}, "currentCostume": 0, "costumes": [costume], "sounds": [], "volume": 100,
            "layerOrder": layer, "visible": True, "x": at[0], "y": at[1], "size": 100, "direction": 90,
            "draggable": False, "rotationStyle": "all around"}  # fmt: skip


def _project(targets: list[dict[str, Any]], monitors: list[dict[str, Any]]) -> dict[str, Any]:
    return {"targets": targets, "monitors": monitors, "extensions": ["handteach"],
            "meta": {"semver": "3.0.0", "vm": "5.0.300", "agent": "handteach examples"}}  # fmt: skip


def rocket() -> tuple[Example, bytes]:
    """The rocket follows the index fingertip (hand x, hand y) while a hand is seen."""
    backdrop, backdrop_file = _costume("space", "backdrop_rocket.svg", (240, 180))
    ship, ship_file = _costume("rocket", "rocket.svg", (20, 40))
    banner, banner_file = _costume("instructions", "instructions_rocket.svg", (230, 20))
    s = _Script()
    flag = s.add("event_whenflagclicked", top=(20, 20))
    forever = s.add("control_forever")
    check = s.add("control_wait_until")  # as above: wait for a hand
    seen = s.add("operator_gt", {"OPERAND2": _text("0")})
    hands = s.add("handteach_handsSeen")
    glide = s.add("motion_glidesecstoxy", {"SECS": [1, [4, "0.1"]]})
    x, y = s.add("handteach_handX"), s.add("handteach_handY")
    s.chain(flag, forever)
    s.blocks[forever]["inputs"]["SUBSTACK"] = [2, s.inside(forever, check)]
    s.blocks[check]["inputs"]["CONDITION"] = [2, s.inside(check, seen)]
    s.blocks[seen]["inputs"]["OPERAND1"] = [3, s.inside(seen, hands), [10, ""]]
    s.chain(check, glide)
    s.blocks[glide]["inputs"]["X"] = [3, s.inside(glide, x), [4, "0"]]
    s.blocks[glide]["inputs"]["Y"] = [3, s.inside(glide, y), [4, "0"]]
    sprites = [_sprite("Rocket", ship, s.blocks, (0, 0), 1), _sprite("Instructions", banner, {}, (0, 150), 2)]
    project = _project([_stage(backdrop, {}), *sprites], [])
    example = Example("rocket", "☝️ steer a rocket with your fingertip", ())
    return example, _zipped(project, [backdrop_file, ship_file, banner_file])


def _zipped(project: dict[str, Any], files: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        entries = [("project.json", json.dumps(project, ensure_ascii=False, separators=(",", ":")).encode())]
        for name, data in entries + sorted(dict(files).items()):
            archive.writestr(zipfile.ZipInfo(name, _WHEN), data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


MAKERS = (thumbs_jump, rocket)


def examples() -> list[tuple[Example, Path]]:
    """The shipped examples and their files, in the Make page's order."""
    return [(example, FOLDER / f"{example.name}.sb3") for example, _ in (make() for make in MAKERS)]


def main() -> int:
    FOLDER.mkdir(exist_ok=True)
    for make in MAKERS:
        example, data = make()
        (FOLDER / f"{example.name}.sb3").write_bytes(data)
        print(f"wrote {FOLDER / example.name}.sb3 ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

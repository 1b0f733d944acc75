"""``core.scratch.games`` (and ``core.scratch.project_json``, which builds it): the rock-paper-scissors, pose-dance and
swipe examples use only blocks the extension has, the starter model's gestures or the suggested motions, and list
under the right kind of project.
The shipped files' bytes are checked in test_scratch_sb3.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

from core.gestures.catalog import DEFAULT_CLASSES
from core.scratch import examples, games
from core.scratch.project_json import monitor, stage_target

EXTENSION = Path(__file__).resolve().parents[1] / "scratch" / "src" / "extension.js"


def _blocks(made: tuple[dict, list]) -> list[dict]:
    project = json.loads(json.dumps(made[0]))  # as the .sb3 holds it
    return [block for target in project["targets"] for block in target["blocks"].values()]


def test_the_games_use_only_the_extensions_blocks_and_menus() -> None:
    source = EXTENSION.read_text(encoding="utf-8")
    known = set(re.findall(r'opcode: "(\w+)"', source)) | {
        f"menu_{m}" for m in re.findall(r"^\s+(\w+): \{ acceptReporters", source, re.M)
    }
    for made in (games.rock_paper_scissors(), games.pose_dance(), games.swipe_cat()):
        used = {b["opcode"].removeprefix("handteach_") for b in _blocks(made) if b["opcode"].startswith("handteach_")}
        assert used and used <= known, used - known


def test_rock_paper_scissors_names_the_starter_fist_palm_and_pointing_up() -> None:
    blocks = _blocks(games.rock_paper_scissors())
    shown = [b["fields"]["gestures"][0] for b in blocks if b["opcode"] == "handteach_menu_gestures"]
    assert shown == ["fist", "open_palm", "pointing_up"]
    assert set(shown) <= {g.name for g in DEFAULT_CLASSES}
    stage = games.rock_paper_scissors()[0]["targets"][0]
    assert list(stage["lists"].values()) == [["moves", ["rock", "paper", "scissors"]]]
    assert list(stage["broadcasts"].values()) == ["play"]


def test_the_dance_names_no_pose_and_turns_the_skeleton_on() -> None:
    blocks = _blocks(games.pose_dance())
    assert not [b for b in blocks if b["opcode"] == "handteach_menu_gestures"]  # any of the project's own poses
    assert {"handteach_gesture", "handteach_showSkeleton"} <= {b["opcode"] for b in blocks}


def test_the_make_page_lists_each_example_under_its_kind() -> None:
    kinds = {example.name: example.kind for example, _path in examples.examples()}
    assert kinds == {"thumbs_jump": "hand", "rocket": "hand", "rock_paper_scissors": "hand", "pose_dance": "body",
                     "swipe_cat": "motion"}  # fmt: skip


def test_the_swipe_game_waits_for_the_motions_the_record_page_suggests() -> None:
    blocks = _blocks(games.swipe_cat())
    hats = [b for b in blocks if b["opcode"] == "handteach_whenDo"]
    named = {b["fields"]["gestures"][0] for b in blocks if b["opcode"] == "handteach_menu_gestures"}
    assert len(hats) == 3 and named == {"swipe_left", "swipe_right", "swipe_up"}
    assert not {"handteach_whenShow", "handteach_gesture"} & {b["opcode"] for b in blocks}  # no frame's gesture


def test_a_stage_without_lists_or_broadcasts_is_as_before_and_a_monitor_sits_where_told() -> None:
    stage = stage_target({"name": "backdrop"}, {})
    assert (stage["lists"], stage["broadcasts"]) == ({}, {})
    assert (monitor(("result", "r1"), "waiting", (5, 300))["x"], monitor(("result", "r1"), "", (5, 300))["y"]) == (
        5,
        300,
    )

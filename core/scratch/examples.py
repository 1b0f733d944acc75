"""The example games a child opens on the Make page, each a Scratch 3 project made here from the
pictures in ``example_assets`` and written to ``examples/<name>.sb3``: ``python -m core.scratch.examples`` writes
them again, byte for byte (a test compares).

Each uses the handteach blocks (the extension ``handteach``; ``scratch/src/extension.js``): the hand games with the
starter model's gesture names, the body-pose one with any of the project's poses; each says on its stage in one line
what to do."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from core.scratch import games
from core.scratch.project_json import (
    Script,
    costume,
    number,
    project_of,
    set_variable,
    sprite_target,
    stage_target,
    text,
    zipped,
)

FOLDER = Path(__file__).parent / "examples"
REACTION = "reaction"  # the stage's variable the thumbs-up game sets: "jumping", "stopped" (the browser test reads it)


@dataclass(frozen=True)
class Example:
    name: str  # the file's name without .sb3
    title: str  # what the Make page lists
    needs: tuple[str, ...]  # the gestures its blocks name
    kind: str = "hand"  # the projects it is made for: "hand" (gestures), "body" (poses) or "motion" (motions)


def thumbs_jump() -> tuple[Example, bytes]:
    """👍 makes the cat jump, again and again, until ✋ stops it."""
    variable = (REACTION, "handteachReactionVariable")
    backdrop, backdrop_file = costume("instructions", "backdrop_thumbs_jump.svg", (240, 180))
    cat, cat_file = costume("cat", "cat.svg", (48, 50))
    banner, banner_file = costume("instructions", "instructions_thumbs_jump.svg", (230, 20))
    s = Script()
    flag = s.add("event_whenflagclicked", top=(20, 20))
    start = set_variable(s, variable, "waiting")
    place = s.add("motion_gotoxy", {"X": number(0), "Y": number(-100)})
    hello = s.add("looks_say", {"MESSAGE": text("Show me a thumbs up!")})
    forever = s.add("control_forever")
    check = s.add("control_wait_until")
    equals = s.add("operator_equals", {"OPERAND1": [3, [12, variable[0], variable[1]], [10, ""]],
                                       "OPERAND2": text("jumping")})  # fmt: skip
    up = s.add("motion_changeyby", {"DY": number(70)})
    pause = s.add("control_wait", {"DURATION": [1, [5, "0.25"]]})
    down = s.add("motion_changeyby", {"DY": number(-70)})
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
        react = set_variable(s, variable, value)
        say = s.add("looks_say", {"MESSAGE": text(words)})
        s.chain(hat, react, say)
    stage = stage_target(backdrop, {variable[1]: [variable[0], "waiting"]})
    monitor = {"id": variable[1], "mode": "default", "opcode": "data_variable", "params": {"VARIABLE": variable[0]},
               "spriteName": None, "value": "waiting", "width": 0, "height": 0, "x": 5, "y": 300, "visible": True,
               "sliderMin": 0, "sliderMax": 100, "isDiscrete": True}  # fmt: skip
    project = project_of([stage, sprite_target("Cat", cat, s.blocks, (0, -100), 1), sprite_target("Instructions", banner, {}, (0, 150), 2)],
                       [monitor])  # fmt: skip
    example = Example("thumbs_jump", "👍 makes the cat jump, ✋ stops it", ("thumbs_up", "open_palm"))
    return example, zipped(project, [backdrop_file, cat_file, banner_file])


def rocket() -> tuple[Example, bytes]:
    """The rocket follows the index fingertip (hand x, hand y) while a hand is seen."""
    backdrop, backdrop_file = costume("space", "backdrop_rocket.svg", (240, 180))
    ship, ship_file = costume("rocket", "rocket.svg", (20, 40))
    banner, banner_file = costume("instructions", "instructions_rocket.svg", (230, 20))
    s = Script()
    flag = s.add("event_whenflagclicked", top=(20, 20))
    forever = s.add("control_forever")
    check = s.add("control_wait_until")  # as above: wait for a hand
    seen = s.add("operator_gt", {"OPERAND2": text("0")})
    hands = s.add("handteach_handsSeen")
    # straight to the fingertip each frame: a glide of 0.1 s put the rocket 0.3 s behind the finger (r 0.64-0.70
    # against the fingertip, 0.94-0.97 shifted by 0.3 s); the blocks' hand x is smoothed already
    go = s.add("motion_gotoxy")
    x, y = s.add("handteach_handX"), s.add("handteach_handY")
    s.chain(flag, forever)
    s.blocks[forever]["inputs"]["SUBSTACK"] = [2, s.inside(forever, check)]
    s.blocks[check]["inputs"]["CONDITION"] = [2, s.inside(check, seen)]
    s.blocks[seen]["inputs"]["OPERAND1"] = [3, s.inside(seen, hands), [10, ""]]
    s.chain(check, go)
    s.blocks[go]["inputs"]["X"] = [3, s.inside(go, x), [4, "0"]]
    s.blocks[go]["inputs"]["Y"] = [3, s.inside(go, y), [4, "0"]]
    sprites = [
        sprite_target("Rocket", ship, s.blocks, (0, 0), 1),
        sprite_target("Instructions", banner, {}, (0, 150), 2),
    ]
    project = project_of([stage_target(backdrop, {}), *sprites], [])
    example = Example("rocket", "☝️ steer a rocket with your fingertip", ())
    return example, zipped(project, [backdrop_file, ship_file, banner_file])


def rock_paper_scissors() -> tuple[Example, bytes]:
    """Rock-paper-scissors against the cat: 👊 rock, ✋ paper, ☝ scissors (core.scratch.games)."""
    example = Example("rock_paper_scissors", "👊 ✋ ☝️ rock, paper, scissors against the cat",
                      ("fist", "open_palm", "pointing_up"))  # fmt: skip
    return example, games.sb3(games.rock_paper_scissors())


def pose_dance() -> tuple[Example, bytes]:
    """A body-pose project's poses make the cat dance (core.scratch.games)."""
    return Example("pose_dance", "💃 your poses make the cat dance", (), kind="body"), games.sb3(games.pose_dance())


def swipe_cat() -> tuple[Example, bytes]:
    """A motion project's swipes move the cat (core.scratch.games)."""
    example = Example("swipe_cat", "👋 swipe left or right to move the cat", tuple(m for m, *_ in games.SWIPES),
                      kind="motion")  # fmt: skip
    return example, games.sb3(games.swipe_cat())


MAKERS = (thumbs_jump, rocket, rock_paper_scissors, pose_dance, swipe_cat)


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

"""Three more example games (``core.scratch.examples`` lists and writes them): rock-paper-scissors against the cat, on
the starter model's gestures, a cat that dances to any of a body-pose project's own poses, and a cat a motion
project's swipes move (``swipe_cat``).

Rock-paper-scissors: 👊 ``fist`` is rock, ✋ ``open_palm`` paper and ☝ ``pointing_up`` scissors (the starter model
has no two-finger sign; the stage's line says which is which). Each gesture's hat sets ``you`` and a number (rock 1,
paper 2, scissors 3) and broadcasts ``play``; the cat picks 1 to 3 at random, and ``(you − cat) mod 3`` says who won
(Scratch's ``mod`` takes the divisor's sign: rock against scissors is −2 mod 3 = 1, a win). The stage's ``result``
says "you win!", "the cat wins!" or "a draw", and the cat says what it chose.

The dance: a body-pose project's poses are the student's own, unknown to a shipped file, so the cat dances to any
pose the blocks name (``pose`` neither ``unknown`` nor ``no person``) and says its name; the stage's ``dance`` says
``dancing`` or ``waiting``. It turns the skeleton on over the camera's video."""

from __future__ import annotations

from typing import Any

from core.scratch.project_json import (
    Script,
    costume,
    monitor,
    number,
    project_of,
    set_variable,
    sprite_target,
    stage_target,
    text,
    variable,
    zipped,
)

RESULT = ("result", "handteachRpsResult")  # the browser tests and a teacher read it on the stage
MOVES = ("moves", "handteachRpsMoves")
PLAY = ("play", "handteachRpsPlay")
DANCE = ("dance", "handteachDance")
MOVED = ("moved", "handteachSwipeMoved")
SWIPES = (("swipe_left", "left", -100, 0), ("swipe_right", "right", 100, 0), ("swipe_up", "up", 0, 80))


def _condition(s: Script, parent: str, opcode: str, inputs: dict[str, Any]) -> str:
    key = s.add(opcode, inputs)
    s.blocks[key]["parent"] = parent
    return key


def _reporter(s: Script, parent: str, opcode: str, inputs: dict | None = None, fields: dict | None = None) -> str:
    key = s.add(opcode, inputs, fields)
    s.blocks[key]["parent"] = parent
    return key


def _cat_costumes(banner_svg: str, banner_centre: tuple[int, int]) -> tuple[dict, dict, dict, list[tuple[str, bytes]]]:
    """The games' backdrop, cat and one-line banner costumes, and their files."""
    backdrop, backdrop_file = costume("instructions", "backdrop_thumbs_jump.svg", (240, 180))
    cat_costume, cat_file = costume("cat", "cat.svg", (48, 50))
    banner, banner_file = costume("instructions", banner_svg, banner_centre)
    return backdrop, cat_costume, banner, [backdrop_file, cat_file, banner_file]


def _greeting(s: Script, variable: tuple[str, str], words: str) -> str:
    """On the green flag: the stage's ``variable`` waiting, the cat at the bottom saying ``words``."""
    flag = s.add("event_whenflagclicked", top=(20, 20))
    s.chain(flag, set_variable(s, variable, "waiting"), s.add("motion_gotoxy", {"X": number(0), "Y": number(-100)}),
            s.add("looks_say", {"MESSAGE": text(words)}))  # fmt: skip
    return flag


def rock_paper_scissors() -> tuple[dict[str, Any], list[tuple[str, bytes]]]:
    """project.json and its files: the cat plays rock-paper-scissors against your 👊 ✋ ☝."""
    you, cat, yours, its = ("you", "handteachRpsYou"), ("cat", "handteachRpsCat"), ("your number", "handteachRpsYourNumber"), ("cat's number", "handteachRpsCatNumber")  # fmt: skip
    backdrop, cat_costume, banner, files = _cat_costumes("instructions_rps.svg", (230, 28))
    s = Script()
    _greeting(s, RESULT, "Rock, paper, scissors? Show me!")
    for top, (gesture, move, n) in enumerate((("fist", "rock", 1), ("open_palm", "paper", 2),
                                              ("pointing_up", "scissors", 3))):  # fmt: skip
        hat = s.when_show(gesture, (420, 20 + 160 * top))
        go = s.add("event_broadcast", {"BROADCAST_INPUT": [1, [11, PLAY[0], PLAY[1]]]})
        s.chain(hat, set_variable(s, you, move), set_variable(s, yours, str(n)), go)
    heard = s.add("event_whenbroadcastreceived", fields={"BROADCAST_OPTION": [PLAY[0], PLAY[1]]}, top=(20, 220))
    pick = s.add("data_setvariableto", fields={"VARIABLE": [its[0], its[1]]})
    random = _reporter(s, pick, "operator_random", {"FROM": [1, [4, "1"]], "TO": [1, [4, "3"]]})
    s.blocks[pick]["inputs"]["VALUE"] = [3, random, [10, ""]]
    name = s.add("data_setvariableto", fields={"VARIABLE": [cat[0], cat[1]]})
    item = _reporter(s, name, "data_itemoflist", {"INDEX": [3, [12, its[0], its[1]], [7, "1"]]},
                     {"LIST": [MOVES[0], MOVES[1]]})  # fmt: skip
    s.blocks[name]["inputs"]["VALUE"] = [3, item, [10, ""]]
    steps = [heard, pick, name]
    for difference, words in (("0", "a draw"), ("1", "you win!"), ("2", "the cat wins!")):
        check = s.add("control_if")
        equals = _condition(s, check, "operator_equals", {"OPERAND2": text(difference)})
        mod = _reporter(s, equals, "operator_mod", {"NUM2": [1, [4, "3"]]})
        minus = _reporter(s, mod, "operator_subtract", {"NUM1": variable(yours), "NUM2": variable(its)})
        s.blocks[mod]["inputs"]["NUM1"] = [3, minus, [4, ""]]
        s.blocks[equals]["inputs"]["OPERAND1"] = [3, mod, [10, ""]]
        s.blocks[check]["inputs"]["CONDITION"] = [2, equals]
        s.blocks[check]["inputs"]["SUBSTACK"] = [2, s.inside(check, set_variable(s, RESULT, words))]
        steps.append(check)
    say = s.add("looks_say")
    outer = _reporter(s, say, "operator_join", {"STRING1": text("I chose ")})
    inner = _reporter(s, outer, "operator_join", {"STRING1": variable(cat)})
    tail = _reporter(s, inner, "operator_join", {"STRING1": text(": "), "STRING2": variable(RESULT)})
    s.blocks[inner]["inputs"]["STRING2"] = [3, tail, [10, ""]]
    s.blocks[outer]["inputs"]["STRING2"] = [3, inner, [10, ""]]
    s.blocks[say]["inputs"]["MESSAGE"] = [3, outer, [10, ""]]
    s.chain(*steps, say)
    variables = {v[1]: [v[0], value] for v, value in ((you, ""), (cat, ""), (yours, 0), (its, 0), (RESULT, "waiting"))}
    stage = stage_target(backdrop, variables, {MOVES[1]: [MOVES[0], ["rock", "paper", "scissors"]]}, {PLAY[1]: PLAY[0]})
    sprites = [sprite_target("Cat", cat_costume, s.blocks, (0, -100), 1),
               sprite_target("Instructions", banner, {}, (0, 140), 2)]  # fmt: skip
    monitors = [monitor(you, "", (5, 246)), monitor(cat, "", (5, 273)), monitor(RESULT, "waiting", (5, 300))]
    return project_of([stage, *sprites], monitors), files


def pose_dance() -> tuple[dict[str, Any], list[tuple[str, bytes]]]:
    """project.json and its files: the cat dances while the blocks name one of your poses."""
    backdrop, cat_costume, banner, files = _cat_costumes("instructions_dance.svg", (230, 20))
    s = Script()
    flag = s.add("event_whenflagclicked", top=(20, 20))
    skeleton = s.add("handteach_showSkeleton")
    on = s.add("handteach_menu_onOff", fields={"onOff": ["on", None]}, parent=skeleton, shadow=True)
    s.blocks[skeleton]["inputs"]["STATE"] = [1, on]
    place = s.add("motion_gotoxy", {"X": number(0), "Y": number(-100)})
    upright = s.add("motion_pointindirection", {"DIRECTION": [1, [8, "90"]]})
    forever = s.add("control_forever")
    wait = s.add("control_wait_until")
    both = _condition(s, wait, "operator_and", {})
    for side, never in (("OPERAND1", "unknown"), ("OPERAND2", "no person")):
        negation = _condition(s, both, "operator_not", {})
        equals = _condition(s, negation, "operator_equals", {"OPERAND2": text(never)})
        pose = _reporter(s, equals, "handteach_gesture")
        s.blocks[equals]["inputs"]["OPERAND1"] = [3, pose, [10, ""]]
        s.blocks[negation]["inputs"]["OPERAND"] = [2, equals]
        s.blocks[both]["inputs"][side] = [2, negation]
    s.blocks[wait]["inputs"]["CONDITION"] = [2, both]
    dancing = set_variable(s, DANCE, "dancing")
    say = s.add("looks_say")
    s.blocks[say]["inputs"]["MESSAGE"] = [3, _reporter(s, say, "handteach_gesture"), [10, ""]]
    moves = [s.add(opcode, {"DEGREES": number(degrees)} if degrees else {"DURATION": [1, [5, "0.15"]]})
             for opcode, degrees in (("motion_turnright", 20), ("control_wait", 0), ("motion_turnleft", 40),
                                     ("control_wait", 0), ("motion_turnright", 20))]  # fmt: skip
    rest = set_variable(s, DANCE, "waiting")
    s.chain(flag, set_variable(s, DANCE, "waiting"), skeleton, place, upright, forever)
    s.blocks[forever]["inputs"]["SUBSTACK"] = [2, s.inside(forever, wait)]
    s.chain(wait, dancing, say, *moves, rest)
    stage = stage_target(backdrop, {DANCE[1]: [DANCE[0], "waiting"]})
    sprites = [sprite_target("Cat", cat_costume, s.blocks, (0, -100), 1),
               sprite_target("Instructions", banner, {}, (0, 150), 2)]  # fmt: skip
    return project_of([stage, *sprites], [monitor(DANCE, "waiting", (5, 300))]), files


def swipe_cat() -> tuple[dict[str, Any], list[tuple[str, bytes]]]:
    """project.json and its files: a motion project's swipes move the cat left or right, and make it jump up.

    The motions are named as the Record page suggests them (``swipe_left``, ``swipe_right``, ``swipe_up``); each
    hat sets the stage's ``moved`` (the browser test reads it) and the cat says which way it went."""
    backdrop, cat_costume, banner, files = _cat_costumes("instructions_swipe.svg", (230, 20))
    s = Script()
    _greeting(s, MOVED, "Swipe your hand left or right!")
    for top, (motion, way, dx, dy) in enumerate(SWIPES):
        hat = s.when_do(motion, (420, 20 + 180 * top))
        steps = [hat, set_variable(s, MOVED, way), s.add("looks_say", {"MESSAGE": text(f"Whoosh, {way}!")})]
        if dx:
            steps.append(s.add("motion_changexby", {"DX": number(dx)}))
        else:  # up and down again: a jump
            pause = {"DURATION": [1, [5, "0.3"]]}
            steps += [s.add("motion_changeyby", {"DY": number(dy)}), s.add("control_wait", pause),
                      s.add("motion_changeyby", {"DY": number(-dy)})]  # fmt: skip
        s.chain(*steps)
    stage = stage_target(backdrop, {MOVED[1]: [MOVED[0], "waiting"]})
    sprites = [sprite_target("Cat", cat_costume, s.blocks, (0, -100), 1),
               sprite_target("Instructions", banner, {}, (0, 150), 2)]  # fmt: skip
    return project_of([stage, *sprites], [monitor(MOVED, "waiting", (5, 300))]), files


def sb3(made: tuple[dict[str, Any], list[tuple[str, bytes]]]) -> bytes:
    return zipped(*made)

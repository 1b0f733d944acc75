"""The skeleton colours stay apart for people with protanopia, deuteranopia or tritanopia (core.viz.colour_vision,
Machado 2009): the person's left and right sides, each finger and the next, the webcam's bones and joints."""

from __future__ import annotations

from itertools import pairwise

import pytest

from core.skeletons import BODY_33, HAND_21
from core.viz.colour_vision import DEFICIENCIES, difference, seen_as
from core.viz.draw import DEFAULT_STYLE, WEBCAM_STYLE

# ΔE*76 at least this under every deficiency: distinct at a glance on a moving video (2.3 is just noticeable)
APART = 15.0
FINGERS = ("thumb", "index", "middle", "ring", "pinky")


def _pairs() -> list[tuple[str, tuple[int, int, int], tuple[int, int, int]]]:
    colour = DEFAULT_STYLE.group_colour
    sides = [(f"left/right {part}", colour(BODY_33, f"left_{part}"), colour(BODY_33, f"right_{part}"))
             for part in ("arm", "leg")]  # fmt: skip
    fingers = [(f"{a}/{b}", colour(HAND_21, a), colour(HAND_21, b)) for a, b in pairwise(FINGERS)]
    assert WEBCAM_STYLE.bone_colour and WEBCAM_STYLE.joint_colour
    return [*sides, *fingers, ("webcam bone/joint", WEBCAM_STYLE.bone_colour, WEBCAM_STYLE.joint_colour)]


@pytest.mark.parametrize("deficiency", DEFICIENCIES)
def test_the_skeleton_colours_stay_apart(deficiency: str) -> None:
    close = {name: round(difference(a, b, deficiency), 1) for name, a, b in _pairs() if difference(a, b, deficiency) < APART}  # fmt: skip
    assert not close, f"under {deficiency} these look alike (ΔE*76 below {APART}): {close}"


def test_the_simulation_merges_what_each_deficiency_confuses() -> None:
    """Blue and violet, far apart for typical vision, merge for deuteranopia (the pinky's old #d250ff against the
    ring finger's blue: ΔE 3.8); red and green keep only their lightness for protanopia; grey stays grey."""
    blue, violet = (0, 168, 255), (210, 80, 255)
    assert difference(blue, violet) > 50 and difference(blue, violet, "deuteranopia") < 5
    assert difference((200, 0, 0), (0, 110, 0)) > 100 and difference((200, 0, 0), (0, 110, 0), "protanopia") < 15
    for deficiency in DEFICIENCIES:
        grey = seen_as((128, 128, 128), deficiency)
        assert max(grey) - min(grey) < 0.01, (deficiency, grey)


def test_the_3d_view_colours_the_fingers_as_the_pictures_do() -> None:
    from core.viz.view3d import PALETTE

    drawn = ["#{:02x}{:02x}{:02x}".format(*DEFAULT_STYLE.group_colour(HAND_21, f)) for f in FINGERS]
    assert list(PALETTE[1:6]) == drawn


def test_an_unknown_deficiency_is_named() -> None:
    with pytest.raises(ValueError, match="unknown deficiency 'mono'"):
        seen_as((1, 2, 3), "mono")

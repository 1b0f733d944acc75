"""Default classes and name rules."""

from __future__ import annotations

import pytest

from core.gestures import DEFAULT_CLASSES, MAX_NAME_LENGTH, InvalidNameError, validate_name


def test_default_classes_and_mirror_pairs() -> None:
    names = [c.name for c in DEFAULT_CLASSES]
    assert names == [
        "thumbs_up",
        "thumbs_down",
        "pointing_up",
        "ok",
        "fist",
        "pointing_right",
        "pointing_left",
        "open_palm",
    ]
    assert [c.emoji for c in DEFAULT_CLASSES] == ["👍", "👎", "☝", "👌", "👊", "👉", "👈", "✋"]
    partners = {c.name: c.mirror_partner for c in DEFAULT_CLASSES}
    assert partners["pointing_right"] == "pointing_left"
    assert partners["pointing_left"] == "pointing_right"
    assert all(partners[n] == n for n in names if not n.startswith("pointing_") or n == "pointing_up")


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "empty"), ("   ", "empty"), ("a/b", "'/'"), ("a\\b", "'/'"), ("..", "'..'"), ("x..y", "'..'"),
     ("tab\there", "control"), ("x" * (MAX_NAME_LENGTH + 1), "limit"), ("Unknown", "reserved")],
)  # fmt: skip
def test_bad_names_refused_with_reason(name: str, message: str) -> None:
    with pytest.raises(InvalidNameError, match=message):
        validate_name(name, "class name")


def test_good_names_are_stripped() -> None:
    assert validate_name("  peace sign ✌ ") == "peace sign ✌"
    assert validate_name("x" * MAX_NAME_LENGTH) == "x" * MAX_NAME_LENGTH

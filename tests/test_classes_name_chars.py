"""The characters of a typed name (core.classes.name_chars): what is hidden, and when two names look alike
(UTS #39's confusables, from the data confusable-homoglyphs ships), for people's, projects' and gestures' names."""

from __future__ import annotations

import pytest

from core.classes.name_chars import hidden_char, look_alike, skeleton
from core.gestures.catalog import InvalidNameError, validate_name

FLAG_OF_ENGLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"


@pytest.mark.parametrize(
    ("text", "hidden"),
    [("Ana", ""), ("👩🏽\u200d🏫", ""), (FLAG_OF_ENGLAND, ""), ("क\u094d\u200dष", ""), ("a\u200bb", "\u200b"),
     ("a\u202eb", "\u202e"), ("a\u2067b", "\u2067"), ("a\u200db", "\u200d"), ("x\U000e0067", "\U000e0067"),
     ("Ana\u00a0Lee", "\u00a0"), ("\u3164", "\u3164"), ("\ufeffAna", "\ufeff"), ("Ana\u17b4", "\u17b4"),
     ("An\u17b5a", "\u17b5")],
)  # fmt: skip
def test_hidden_characters_and_the_joiners_that_join(text: str, hidden: str) -> None:
    assert hidden_char(text) == hidden


@pytest.mark.parametrize(
    ("a", "b", "alike"),
    [("Ana", "\u0410na", True), ("ALI", "\u0410li", True), ("rnia", "mia", True), ("Ana", "An\u200ba", True),
     ("Zoë", "Zoe\u0308", True), ("Ana Lee", "Ana\u00a0Lee", True), ("Ｊｏ", "Jo", True),
     ("Ana", "Anna", False), ("Léa", "Lea", False), ("Mia", "Mía", False), ("Ali", "All", False),
     # found by the attack round after issue 63: invisible variation selectors, a dot on a dotless i, small capitals
     ("Ana", "Ana\U000e0100", True), ("Ana", "Ana\U000e01ef", True), ("Ali", "Al\u0131\u0307", True),
     ("Lia", "L\u0130a", True), ("Ana", "\u1d00\u0274\u1d00", True), ("Tom", "\u1d1b\u1d0f\u1d0d", True),
     ("葛\U000e0100飾", "葛飾", True), ("Ija", "Ia", False), ("Thư", "Thu", False)],
)  # fmt: skip
def test_names_that_look_alike(a: str, b: str, alike: bool) -> None:
    assert look_alike(a, b) is alike


def test_the_skeleton_is_a_fixed_point() -> None:
    for text in ("\u0410na", "rnia", "Ｊｏ", "𝐀𝐧𝐚", "paρa"):
        assert skeleton(skeleton(text)) == skeleton(text)


@pytest.mark.parametrize("name", ["\u2066ok", "o\u200bk", "\u3164", "ok\u00ad"])
def test_a_gesture_or_project_name_follows_the_same_rule(name: str) -> None:
    with pytest.raises(InvalidNameError, match="invisible or unusual space character .U\\+"):
        validate_name(name, "class name")

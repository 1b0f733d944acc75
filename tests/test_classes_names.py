"""Names typed in a class (core.classes.names): any Unicode, 1-100 characters; a new one composed, with nothing
invisible, and not a look-alike of a classmate's; a first project's name built from it always fits."""

from __future__ import annotations

import pytest

from core.classes.names import (
    FIRST_PROJECT,
    MAX_NAME_CHARS,
    BadNameError,
    LookAlikeError,
    check_name,
    check_new_name,
    kept_for_another,
    new_name,
    project_base,
    same_name_key,
)
from core.data.saved_models.project_folders import MAX_NAME_BYTES
from core.data.sql.schema import DuplicateNameError
from core.gestures.catalog import MAX_NAME_LENGTH, validate_name


@pytest.mark.parametrize(
    "name",
    ["7B", "Zoë", "  spaced  ", "![p](https:tracker.example)", "<b>x</b>", ":red-background[**HACKED**]",
     "👩🏽‍🏫 Ms Ng", "ق" * MAX_NAME_CHARS, "$x^2$"],
)  # fmt: skip
def test_any_unicode_name_is_kept_as_typed(name: str) -> None:
    assert check_name(name, "student's name") == name


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "student's name is empty: type 1 to 100 characters"),
     ("   ", "student's name is empty"),
     ("x" * 10_000, "student's name is 10,000 characters long: at most 100"),
     ("x" * 101, "101 characters long"),
     ("Ana\nBen", "line break or control character"),
     ("a\x1b[31m", "control character")],
)  # fmt: skip
def test_bad_names_are_refused_in_one_line(name: str, message: str) -> None:
    with pytest.raises(BadNameError, match=None) as caught:
        check_name(name, "student's name")
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_not_text_is_refused() -> None:
    with pytest.raises(BadNameError, match="must be text, got int"):
        check_name(7, "class name")


def test_same_name_regardless_of_case_and_composition() -> None:
    assert same_name_key("ZOË") == same_name_key("zoe\u0308") == same_name_key(" Zoë ")
    assert same_name_key("Ana") != same_name_key("Anna")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("Zoe\u0308", "Zoë"), ("  Ana   Lee ", "Ana Lee"), ("Ana\u00a0Lee", "Ana Lee"), ("👩🏽\u200d🏫 Ms Ng", "👩🏽\u200d🏫 Ms Ng"),
     ("\u0645\u06cc\u200c\u0634\u0648\u062f", "\u0645\u06cc\u200c\u0634\u0648\u062f")],
)  # fmt: skip
def test_a_new_name_is_composed_with_plain_single_spaces(typed: str, stored: str) -> None:
    """NFC, a pasted no-break space a plain one; a joiner that joins (an emoji, a Persian word) stays."""
    assert new_name(typed, "student's name") == stored


@pytest.mark.parametrize(
    "name",
    ["An\u200ba", "\u202eanA", "Ana\u2066x", "\u200dAna", "A\u200dna", "Ana\u00ad", "\u3164", "\u2800",
     "Ana\U000e0067", "Ana\ue000", "\u0301\u0301"],
)  # fmt: skip
def test_a_new_name_with_an_invisible_or_direction_character_is_refused_in_one_line(name: str) -> None:
    """Issue 63 item 11/15: a zero-width space inside, a right-to-left override, a Hangul filler, a tag, a
    private-use character, only accents: refused, named by its code point, never shown raw."""
    with pytest.raises(BadNameError) as caught:
        new_name(name, "student's name")
    line = str(caught.value)
    assert "\n" not in line and ("U+" in line or "shows no letter" in line)
    assert not any(c in line for c in "\u200b\u202e\u2066\u200d\u00ad\u3164\u2800\ue000")


def test_a_look_alike_of_a_classmates_name_is_refused_and_a_different_one_kept() -> None:
    """Issue 63 item 15: a Cyrillic "А" for a Latin "A", "rn" for "m", in capitals or not."""
    class_names = ["Ana", "Tom", "Ms Ng"]
    for alike in ("\u0410na", "\u0430NA", "Т\u043em"):
        with pytest.raises(LookAlikeError, match="looks just like") as caught:
            check_new_name(alike, class_names)
        assert "\n" not in str(caught.value)
    with pytest.raises(DuplicateNameError, match="the class already has someone named 'Ana' .'ANA' is the same name"):
        check_new_name("ANA", class_names)
    with pytest.raises(BadNameError, match="U\\+200B"):
        check_new_name("An\u200ba", class_names)
    assert check_new_name("Anna", class_names) == "Anna"
    assert check_new_name(" Léa ", class_names) == "Léa"


def test_a_name_that_is_a_classmates_typed_without_accents_is_the_same_name() -> None:
    """Sign-in takes "Zoe" for "Zoë" (core.classes.name_typing): a class cannot hold both, in either order."""
    for new, there in (("Zoe", "Zoë"), ("Zoë", "Zoe"), ("Jose", "JOSÉ"), ("Nguyen Van An", "Nguyễn Văn An")):
        with pytest.raises(DuplicateNameError, match=f"someone named {there!r} .{new!r} is the same name to sign in"):
            check_new_name(new, ["Ana", there])
    assert check_new_name("Z\u043ee", ["Zoë"]) == "Z\u043ee"  # a Cyrillic "о": another name, no look-alike of "Zoë"
    assert check_new_name("Zoey", ["Zoë"]) == "Zoey"


@pytest.mark.parametrize(
    "person",
    ["Ana", "Wolfeschlegelsteinhausenbergerdorff Hubert Blaine Jr. Sr", "x" * MAX_NAME_CHARS, "Ana\u202eLee",
     "An\u200ba", "👩🏽\u200d🏫" * 25, "a..b/c\\d", "\u200b"],
)  # fmt: skip
def test_a_first_project_name_fits_whatever_the_persons_name(person: str) -> None:
    """Issue 63 item 11: a 58-character name, or one kept with a right-to-left override or zero-width space from
    before today's rule, made every page say "project name … is 69 characters long"."""
    base = FIRST_PROJECT.format(project_base(person))
    for name in (base, f"{base} abc123"):
        assert validate_name(name, "project name") == name
        assert len(name) <= MAX_NAME_LENGTH and len(name.encode()) <= MAX_NAME_BYTES
    assert project_base("Ana") == "Ana" and project_base("\u200b") == "my"


@pytest.mark.parametrize(
    ("project", "person", "kept"),
    [("Ben's gestures", "Ana", True), ("BEN'S GESTURES", "Ana", True), ("Ben's gestures 4", "Ana", True),
     ("B\u0435n\u2019s g\u0435stures", "Ana", True), ("Ben's gestures", "Ben", False), ("ben's gestures k3x9q2", "Ben", False),
     ("Ben's gestures (remix)", "Ana", False), ("my gestures", "Ana", False), ("Ana's gestures", "Ana", False)],
)  # fmt: skip
def test_a_first_projects_name_is_kept_for_its_person(project: str, person: str, kept: bool) -> None:
    """Issue 63 items 9 and 14: nobody else may make "<name>'s gestures" (nor a look-alike of it), whether or not
    that person has signed in, so it cannot be squatted nor tell that they have."""
    assert kept_for_another(project, person) is kept

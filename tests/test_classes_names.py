"""Names typed in a class (core.classes.names): any Unicode, 1-100 characters, kept exactly as typed."""

from __future__ import annotations

import pytest

from core.classes.names import MAX_NAME_CHARS, BadNameError, check_name, same_name_key


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

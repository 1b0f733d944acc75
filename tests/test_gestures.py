"""Default classes and name rules."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from core.data.store import Store
from core.gestures.catalog import (
    DEFAULT_CLASSES,
    MAX_NAME_LENGTH,
    VS16,
    GestureClass,
    InvalidNameError,
    emoji_style,
    validate_name,
)


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
    assert [c.emoji for c in DEFAULT_CLASSES] == ["👍", "👎", "☝" + VS16, "👌", "👊", "👉", "👈", "✋"]
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


@pytest.mark.parametrize(
    ("typed", "shown"),
    [("☝", "☝" + VS16), ("✌", "✌" + VS16), ("❤", "❤" + VS16), ("🖐", "🖐" + VS16),
     ("👍", "👍"), ("✋", "✋"), ("", ""), ("☝" + VS16, "☝" + VS16), ("☝\ufe0e", "☝\ufe0e"),
     ("☝🏽", "☝🏽"), ("✌ ☝", f"✌{VS16} ☝{VS16}")],
)  # fmt: skip
def test_emoji_style_asks_for_the_colour_glyph_only_where_text_is_the_default(typed: str, shown: str) -> None:
    assert emoji_style(typed) == shown
    assert emoji_style(shown) == shown


def test_stored_classes_show_colour_emoji_old_rows_and_new_projects_alike(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    store.ensure_project()
    assert {c.name: c.emoji for c in store.list_classes("default")}["pointing_up"] == "☝" + VS16
    added = store.add_class("default", "peace", "✌")
    assert added.title == f"✌{VS16} peace"
    with closing(sqlite3.connect(tmp_path / "data" / "handteach.sqlite")) as conn, conn:
        conn.execute("UPDATE classes SET emoji = '☝' WHERE name = 'pointing_up'")  # a row stored before the fix
    assert GestureClass("pointing_up", "☝").title == f"☝{VS16} pointing up"  # a built-in name shown with a space
    assert {c.name: c.title for c in store.list_classes("default")}["pointing_up"] == f"☝{VS16} pointing up"
    assert store.add_class("default", "my_wave", "").title == "my_wave"  # a typed name as typed

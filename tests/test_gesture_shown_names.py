"""Gesture names compared as a person sees them (core.data.project_names, core.classes.name_chars.shown_keys): a
gesture that would show as another of its project, or as a word the app shows itself, is refused one line, wherever
it is made: a new gesture, a rename, a CSV import, a project's classes (new projects and project files)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from storemaker import make_hand

from core.classes.name_chars import shown_alike, shown_words
from core.classes.names import LookAlikeError
from core.data.csv_files.csv_handteach import export_handteach, import_handteach
from core.data.project_names import class_rows
from core.data.store import Sample, Store
from core.gestures.catalog import DEFAULT_PROJECT, GestureClass, InvalidNameError

TWINS = [("thumbs up", "thumbs_up"), ("Thumbs Up", "thumbs_up"), ("👍 fist", "fist"), ("fist 👊🏽", "fist"),
         ("ＯＫ", "ok"), ("оk", "ok")]  # fmt: skip
RESERVED = ["❔ unknоwn", "Unknown", "unknown ❓", "ᴜɴᴋɴᴏᴡɴ", "no_hand", "❌ No Hand"]


def test_what_a_person_sees_is_what_is_compared() -> None:
    assert shown_words("👍 thumbs_up ") == "thumbs up" and shown_words("❔ unknоwn") == "unknоwn"
    for twin, other in TWINS:
        assert shown_alike(twin, other), twin
    for apart in (("👍", "👎"), ("peace", "piece"), ("wave", "waves"), ("my wave", "my_waves")):
        assert not shown_alike(*apart), apart


def test_a_new_gesture_or_a_rename_that_shows_as_another_is_refused(store: Store) -> None:
    before = store.list_classes(DEFAULT_PROJECT)
    for twin, other in TWINS:
        with pytest.raises(LookAlikeError, match=f"looks just like the class '{other}'"):
            store.add_class(DEFAULT_PROJECT, twin, "🙂")
        with pytest.raises(LookAlikeError, match=f"'{other}'"):
            store.rename_class(DEFAULT_PROJECT, "pointing_up", twin)
    for name in RESERVED:
        with pytest.raises(InvalidNameError, match="shows as|reserved") as caught:
            store.add_class(DEFAULT_PROJECT, name)
        assert "\n" not in str(caught.value)
        with pytest.raises(InvalidNameError):
            store.rename_class(DEFAULT_PROJECT, "fist", name)
    assert store.list_classes(DEFAULT_PROJECT) == before  # nothing changed
    store.add_class(DEFAULT_PROJECT, "👋", "👋")
    store.add_class(DEFAULT_PROJECT, "🤙")  # emoji alone are names of their own
    store.rename_class(DEFAULT_PROJECT, "🤙", "call me")


def test_a_projects_classes_that_show_alike_are_refused_together() -> None:
    """``class_rows``: the check of a new project's classes and of a project file's (bundle_manifest)."""
    with pytest.raises(LookAlikeError, match="'wave'"):
        class_rows([GestureClass("wave"), GestureClass("👋 wave")])
    with pytest.raises(InvalidNameError, match="shows as 'unknown'"):
        class_rows([GestureClass("wave"), GestureClass("❔ unknоwn")])
    assert [row[0] for row in class_rows([GestureClass("👋"), GestureClass("🤙")])] == ["👋", "🤙"]


def test_a_csv_label_shown_as_a_gesture_joins_it_and_a_look_alike_stores_nothing(store: Store, tmp_path: Path) -> None:
    """A label a person reads as a gesture's name ("thumbs up" for the built-in "thumbs_up", as "OK" is "ok") is
    that gesture: its rows join it, as a kinivi log's "Thumbs up" does; one that only looks like a name (a Cyrillic
    "о" in "unknоwn") is refused and stores nothing."""
    rng = np.random.default_rng(5)
    store.add_samples(DEFAULT_PROJECT, [Sample(make_hand(rng), "ok", "webcam") for _ in range(3)])
    exported = tmp_path / "ok.csv"
    export_handteach(store, DEFAULT_PROJECT, exported)
    rows = list(csv.reader(exported.open(encoding="utf-8", newline="")))
    column = rows[0].index("class")

    def spoilt(label: str) -> Path:
        changed = [list(row) for row in rows]
        changed[-1][column] = label
        path = tmp_path / "spoilt.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(changed)
        return path

    with pytest.raises((LookAlikeError, InvalidNameError)):
        import_handteach(store, DEFAULT_PROJECT, spoilt("❔ unknоwn"))
    assert len(store.list_classes(DEFAULT_PROJECT)) == 8
    assert sum(store.class_counts(DEFAULT_PROJECT).values()) == 3
    import_handteach(store, DEFAULT_PROJECT, spoilt("Thumbs up"))
    assert len(store.list_classes(DEFAULT_PROJECT)) == 8  # no twin: the rows joined the built-in gesture
    assert store.class_counts(DEFAULT_PROJECT)["thumbs_up"] == 1

"""core/data/counts.py: one count of a project's samples and classes, in the words every page and the CLI use."""

from __future__ import annotations

from pathlib import Path

from storemaker import make_body

from core.data.counts import ProjectCounts, plural, project_counts
from core.data.store import Sample, Store


def test_the_words_say_samples_classes_with_samples_and_classes_listed() -> None:
    assert ProjectCounts({"a": 73, "b": 1, "c": 0}, "sample", "gesture").summary() == "74 samples in 2 of 3 gestures"
    assert ProjectCounts({"a": 1}, "clip", "gesture").summary() == "1 clip in 1 of 1 gesture"
    assert ProjectCounts({}, "sample", "pose").summary() == "no poses yet"
    assert plural(2, "class") == "2 classes" and plural(1234, "sample") == "1234 samples"


def test_a_real_store_of_each_kind(tmp_path: Path) -> None:
    import numpy as np

    store = Store(tmp_path / "data")
    store.create_project("signs")
    store.create_project("yoga", default_classes=False, skeleton="body")
    store.add_class("yoga", "tree")
    store.add_class("yoga", "warrior")
    store.add_samples("yoga", [Sample(make_body(np.random.default_rng(i)), "tree", "image") for i in range(3)])
    store.create_project("moves", default_classes=False, motion=True)
    counts = project_counts(store, "yoga")
    assert (counts.total, counts.recorded, counts.listed) == (3, 1, 2)
    assert counts.summary() == "3 samples in 1 of 2 poses"
    assert project_counts(store, "signs").summary() == "0 samples in 0 of 8 gestures"
    assert project_counts(store, "moves").summary() == "no gestures yet"

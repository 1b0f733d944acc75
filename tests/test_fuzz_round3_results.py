"""Hostile input, third round (#47), item 6: a project of thousands of classes keeps Train's results bounded.

5,000 classes of 5 samples trained for 2 minutes, then the 25-million-cell confusion matrix grew to
10 GB of Python objects and a 1.3 GB chart. Now training refuses more than ``LIMITS.classes`` classes
before any tensor is built, a model file claiming more is refused on load, and past
``HEATMAP_CLASSES`` classes the page lists the pairs most often confused instead of drawing a matrix.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import torch

from core.gestures.classifier import GestureClassifier
from core.gestures.features import FeatureConfig
from core.gestures.metrics import evaluate, top_confusions
from core.gestures.model_file import ModelFileError
from core.gestures.training import TooManyClassesError, TrainConfig, train_classifier, trainable_classes
from core.io.limits import LIMITS
from ui.train.confusion import HEATMAP_CLASSES, MIX_UPS, confusion_cells, top_confusion_table

CFG = FeatureConfig(use_depth=False)


def _names(n: int) -> list[str]:
    return [f"sign_{i:04d}" for i in range(n)]


def test_training_refuses_more_classes_than_the_limit_and_says_what_to_do() -> None:
    too_many = {name: 5 for name in _names(LIMITS.classes + 1)}
    with pytest.raises(
        TooManyClassesError, match=rf"{LIMITS.classes + 1} classes have samples.*at most {LIMITS.classes}"
    ):
        trainable_classes(too_many, {}, 5)
    active, _ = trainable_classes({name: 5 for name in _names(LIMITS.classes)}, {}, 5)
    assert len(active) == LIMITS.classes  # the limit itself trains
    # a big project whose other classes hold nothing trains the classes that have samples
    assert trainable_classes({**dict.fromkeys(_names(5000), 0), "a": 5, "b": 5}, {}, 5)[0] == ["a", "b"]


def test_train_classifier_refuses_before_fitting() -> None:
    names = _names(LIMITS.classes + 1)
    x = np.random.default_rng(0).normal(0, 0.5, (5 * len(names), CFG.size)).astype(np.float32)
    labels = [name for name in names for _ in range(5)]
    epochs: list[object] = []
    with pytest.raises(TooManyClassesError, match="clear the samples of classes you do not need"):
        train_classifier(x, labels, names, {}, CFG, TrainConfig(epochs=10), on_epoch=epochs.append)
    assert epochs == []  # refused before the first epoch, not after minutes of training


def test_a_model_file_claiming_more_classes_is_refused_on_load(tmp_path: Path) -> None:
    torch.manual_seed(0)
    GestureClassifier(_names(LIMITS.classes + 1), CFG, (8,), 0.0, 0.5, {}).save(tmp_path / "big")
    with pytest.raises(ModelFileError, match=rf"{LIMITS.classes + 1} classes, over the limit of {LIMITS.classes}"):
        GestureClassifier.load(tmp_path / "big")
    with pytest.raises(ValueError, match=rf"over the limit of {LIMITS.classes}"):
        evaluate(
            GestureClassifier(_names(LIMITS.classes + 1), CFG, (8,), 0.0, 0.5, {}),
            np.zeros((1, CFG.size), np.float32), ["sign_0000"],
        )  # fmt: skip


def test_top_confusions_of_the_largest_model_are_few_and_memory_cheap() -> None:
    """At the limit the page lists at most ``limit`` pairs, found in the matrix's non-zero cells only."""
    classes = _names(LIMITS.classes)
    torch.manual_seed(0)
    model = GestureClassifier(classes, CFG, (16,), 0.0, 0.5, {})
    x = np.random.default_rng(1).normal(0, 0.5, (2000, CFG.size)).astype(np.float32)
    labels = [classes[i % len(classes)] for i in range(len(x))]
    report = evaluate(model, x, labels)
    assert report.confusion.shape == (len(classes), len(classes))  # 320 kB of int64: bounded by the limit
    tracemalloc.start()
    try:
        pairs = top_confusions(report.confusion, classes, limit=15)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 200_000, f"top_confusions allocated {peak} bytes"  # a dense copy alone would be 320 kB
    assert 0 < len(pairs) <= 15 and all(p.true != p.predicted for p in pairs)
    counts = [p.count for p in pairs]
    assert counts == sorted(counts, reverse=True)
    off_diagonal = report.confusion - np.diag(np.diag(report.confusion))
    assert counts[0] == off_diagonal.max()
    first = pairs[0]
    row = classes.index(first.true)
    assert first.share == pytest.approx(first.count / report.confusion[row].sum())


def test_top_confusions_orders_ties_by_class_and_skips_the_diagonal() -> None:
    confusion = np.array([[5, 2, 0], [1, 9, 2], [0, 0, 0]], np.int64)
    pairs = top_confusions(confusion, ["a", "b", "c"])
    assert [(p.true, p.predicted, p.count) for p in pairs] == [("a", "b", 2), ("b", "c", 2), ("b", "a", 1)]
    assert top_confusions(np.diag([3, 3]).astype(np.int64), ["a", "b"]) == []


def test_past_the_heatmap_size_the_page_gets_a_table_not_cells() -> None:
    n = HEATMAP_CLASSES + 1
    classes = _names(n)
    confusion = np.diag(np.full(n, 4)).astype(np.int64)
    confusion[3, 7] = 2
    confusion[0, 1] = 1
    table = top_confusion_table(classes, confusion, {"sign_0003": "🤟 sign_0003"})
    assert table is not None
    assert list(table.columns) == ["true", "taken for", "count", "share of the true class"]
    assert table.iloc[0].tolist() == ["🤟 sign_0003", "sign_0007", 2, pytest.approx(2 / 6)]
    assert len(table) == 2
    small = _names(HEATMAP_CLASSES)
    assert top_confusion_table(small, np.diag(np.full(len(small), 4)).astype(np.int64), {}) is None
    cells, rows, _ = confusion_cells(small, np.diag(np.full(len(small), 4)).astype(np.int64), {})
    assert len(rows) == HEATMAP_CLASSES and len(cells) == HEATMAP_CLASSES**2  # the heatmap, as before


# ---- the Train page (AppTest imported inside: the quick tests above stay quick) ----------------

ROOT = Path(__file__).resolve().parents[1]


def _project(data_dir: Path, n_classes: int, per_class: int, twins: int = 0) -> None:
    """``n_classes`` classes of random hand shapes in the default project (no MediaPipe); the first ``twins``
    pairs of classes share one shape, so a model must confuse them whatever its rule."""
    from handmaker import make_hand

    from core.data.store import Sample, Store

    rng = np.random.default_rng(0)
    shapes = [rng.normal(0, 60, (21, 2)).astype(np.float32) for _ in range(n_classes)]
    for pair in range(twins):
        shapes[2 * pair + 1] = shapes[2 * pair]
    samples = [
        Sample(make_hand(shape + rng.normal(0, 3, shape.shape).astype(np.float32)), name, "webcam")
        for name, shape in zip(_names(n_classes), shapes, strict=True)
        for _ in range(per_class)
    ]
    store = Store(data_dir)
    store.add_samples(store.ensure_project(), samples, create_classes=True)


def _train_page():  # noqa: ANN202 - an AppTest
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page("pages/train.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    at.toggle(key="train_starter").set_value(False)
    at.number_input(key="train_epochs").set_value(10)
    at.button(key="train_start").click()
    at.run()
    return at


@pytest.mark.slow  # runs the Train page under AppTest
def test_the_train_page_refuses_too_many_classes_at_once(data_dir: Path) -> None:
    _project(data_dir, LIMITS.classes + 1, 5)
    at = _train_page()
    assert not at.exception, [e.message for e in at.exception]
    assert at.error and f"{LIMITS.classes + 1} classes have samples" in at.error[0].value
    assert f"at most {LIMITS.classes}" in at.error[0].value and "Check the training settings" not in at.error[0].value
    assert "train_run" not in at.session_state  # nothing started


@pytest.mark.slow  # runs the Train page under AppTest
def test_the_train_page_lists_top_confusions_past_the_heatmap_size(data_dir: Path) -> None:
    _project(data_dir, HEATMAP_CLASSES + 10, 6, twins=3)
    at = _train_page()
    run = at.session_state["train_run"]
    assert run.wait(120), "training did not finish"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    headings = [m.value for m in at.markdown]
    assert any("Most confused gestures" in h for h in headings)
    assert not any(MIX_UPS in h for h in headings)  # no heatmap's title
    specs = [chart.proto.spec for chart in at.get("vega_lite_chart")]
    assert not any('"predicted"' in spec for spec in specs)  # no heatmap among the charts (the curves stay)
    tables = [df.value for df in at.dataframe if "taken for" in df.value.columns]
    assert len(tables) == 1 and 0 < len(tables[0]) <= 20

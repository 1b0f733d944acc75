"""ui.train.results: the one accuracy figure of a run and the confusion heatmap."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from core.gestures.training import TrainConfig, TrainResult, train_classifier
from core.starter.dataset import DEPTH_CONFIG
from core.starter.model import load_starter_set
from ui.common.figures import NOT_MEASURED, saved_figure_text
from ui.train.results import FEW_SAMPLES, accuracy_figure, confusion_cells, confusion_spec

CLASSES = ["thumbs_up", "thumbs_down", "pointing_up", "ok", "fist"]
TITLES = {"thumbs_up": "👍 thumbs_up", "open_palm": "✋ open_palm", "fist": "👊 fist"}


def test_confusion_shows_classes_with_samples_and_what_they_were_taken_for() -> None:
    confusion = np.zeros((5, 5), np.int64)
    confusion[0, 0], confusion[0, 4] = 3, 1  # thumbs_up: 3 right, 1 taken for fist (no samples of its own)
    confusion[2, 2] = 0
    confusion[3, 3] = 0
    confusion[3, 0] = 2  # ok: none right, both taken for thumbs_up
    cells, rows, columns = confusion_cells(CLASSES, confusion, TITLES)
    assert rows == ["👍 thumbs_up", "ok"]  # thumbs_down, pointing_up and fist have no validation samples
    assert columns == ["👍 thumbs_up", "ok", "👊 fist"]
    assert len(cells) == len(rows) * len(columns) and cells["count"].sum() == confusion.sum()
    by_cell = {(c.true, c.predicted): c for c in cells.itertuples()}
    assert by_cell["👍 thumbs_up", "👍 thumbs_up"].fill == "rgba(47,158,90,0.60)"  # 3 of 4: green
    assert by_cell["👍 thumbs_up", "👊 fist"].fill == "rgba(220,60,60,0.30)"  # 1 of 4: red
    assert by_cell["ok", "ok"].fill.startswith("rgba(47,158,90,")  # the diagonal is coloured at zero too
    assert by_cell["ok", "👊 fist"].fill == "rgba(0,0,0,0)"
    spec = confusion_spec(rows, columns)
    rect = spec["layer"][0]["encoding"]
    assert rect["x"]["sort"] == columns and rect["y"]["sort"] == rows and rect["color"]["scale"] is None
    assert "width" not in spec  # the chart takes its container's width (st.vega_lite_chart width="stretch")
    assert spec["height"] == 40 * len(rows)  # a number: a discrete height makes Vega-Lite warn at each drawing


@pytest.fixture(scope="module")
def real_result() -> TrainResult:
    """A model of 7 real hands each of 👍 and ✋ (starter rows), a few of them held out."""
    starter = load_starter_set()
    labels = np.asarray(starter.labels)
    rows = np.concatenate([np.flatnonzero(labels == name)[:7] for name in ("thumbs_up", "open_palm")])
    return train_classifier(
        starter.features[rows], labels[rows].tolist(), ["thumbs_up", "open_palm"], {}, DEPTH_CONFIG,
        TrainConfig(epochs=20, min_samples_per_class=2),
    )  # fmt: skip


def test_the_figure_says_what_it_rests_on_and_warns_below_ten(real_result: TrainResult) -> None:
    figure = accuracy_figure(real_result)
    total = real_result.n_val
    assert 0 < total < FEW_SAMPLES and figure.total == total
    assert figure.correct == round(real_result.val_accuracy * total)
    assert figure.text == f"{figure.correct} of {total} right: measured on {total} of your own held-out samples."
    assert f"rests on only {total} samples, so one sample more or less right moves it by {100 / total:.0f}" in (
        figure.warning
    )


def test_the_figure_names_other_bases(real_result: TrainResult) -> None:
    no_own = dataclasses.replace(real_result, n_val=0)
    assert "held-out starter examples" in accuracy_figure(no_own).measured_on
    confusion = np.diag([6, 6]).astype(np.int64)
    plenty = dataclasses.replace(real_result, confusion=confusion, n_val=12)
    assert accuracy_figure(plenty).warning == "" and accuracy_figure(plenty).text.startswith("12 of 12 right")
    real_result.classifier.metadata["val_on_training_samples"] = True
    try:
        assert "the samples it trained on" in accuracy_figure(no_own).measured_on
    finally:
        del real_result.classifier.metadata["val_on_training_samples"]


def test_the_saved_model_line_has_one_measure_and_says_what_it_rests_on() -> None:
    """#52 item 6: the sidebar said "100% on all 45 … (92–100%)", then after Teach it here "100% on 12 of your own
    held-out samples" under the same label. One measure: the k-fold figure; a model without one says so."""
    measured = {"val_accuracy": 1.0, "n_val": 5, "crossval": {"correct": 67, "total": 74, "folds": 5}}
    assert saved_figure_text(measured) == (
        "accuracy 91% on all 74 of your samples, each one guessed by a copy that learned without it"
    )
    for held_out_only in ({"val_accuracy": 0.857, "n_val": 14}, {"val_accuracy": 0.9, "n_val": 0},
                          measured | {"crossval": {"correct": 80, "total": 74, "folds": 5}}):  # fmt: skip
        assert saved_figure_text(held_out_only) == NOT_MEASURED
        assert "held-out" not in saved_figure_text(held_out_only) and "%" not in saved_figure_text(held_out_only)

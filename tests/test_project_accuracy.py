"""A project's k-fold figure: measured as the project trains, written beside the saved model, read back."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from handmaker import make_hand, pointing_hand

from core.data.project import model_dir, train_project
from core.data.project_accuracy import (
    LAST_MEASURED_KEY,
    MEASURED_AT_KEY,
    fold_fit,
    last_measurement,
    previous_figure,
    previous_measurement,
    project_crossval,
    project_curve,
    record_crossval,
)
from core.data.store import Sample, Store
from core.gestures.figure import CROSSVAL_KEY, wilson
from core.gestures.training import TrainConfig

FAST = TrainConfig(epochs=15, patience=5)


def _fill(store: Store, project: str, per_class: int = 6) -> None:
    rng = np.random.default_rng(0)
    samples = []
    for label, angle in (("pointing_up", 90), ("pointing_right", 180), ("thumbs_down", -90)):
        for _ in range(per_class):
            points = pointing_hand(angle + rng.normal(0, 6)) + rng.normal(0, 2, (21, 2)).astype(np.float32)
            samples.append(Sample(hand=make_hand(points), class_name=label, source_kind="webcam"))
    store.add_samples(project, samples)


def _trained(tmp_path: Path):  # noqa: ANN202 - (store, project, result, dataset)
    store = Store(tmp_path)
    project = store.ensure_project()
    _fill(store, project)
    return store, project, *train_project(store, project, FAST)


@pytest.mark.slow
def test_every_sample_is_measured_and_the_figure_joins_the_saved_model(tmp_path: Path) -> None:
    store, project, result, dataset = _trained(tmp_path)
    assert previous_figure(store, project) == (wilson(round(result.val_accuracy * result.n_val), result.n_val), 0)
    progress: list[tuple[int, int]] = []
    cv = project_crossval(dataset, FAST, on_fold=lambda done, total: progress.append((done, total)))
    assert cv is not None and cv.folds == 5 and cv.figure.total == 18 and progress[-1] == (5, 5)
    assert record_crossval(store, project, result.classifier, dataset.project_identity, cv)
    saved = json.loads((model_dir(store, project) / "model.json").read_text())["metadata"][CROSSVAL_KEY]
    assert (saved["correct"], saved["total"], saved["folds"]) == (cv.figure.correct, 18, 5)
    assert previous_figure(store, project) == (cv.figure, 5)  # what the next training compares with


@pytest.mark.slow
def test_a_model_replaced_meanwhile_keeps_its_own_metadata(tmp_path: Path) -> None:
    """Live's *Teach it here* (or a second training) saved another model while the folds ran: not stamped."""
    store, project, result, dataset = _trained(tmp_path)
    cv = project_crossval(dataset, FAST)
    newer, _ = train_project(store, project, TrainConfig(epochs=15, patience=5, seed=1))
    before = (model_dir(store, project) / "model.json").read_bytes()
    assert not record_crossval(store, project, result.classifier, dataset.project_identity, cv)
    assert (model_dir(store, project) / "model.json").read_bytes() == before
    assert CROSSVAL_KEY not in json.loads(before)["metadata"]
    assert newer.classifier.metadata == json.loads(before)["metadata"]


def test_folds_train_the_project_classes_with_fewer_samples_than_training_requires(tmp_path: Path) -> None:
    """A class of five samples (the minimum to train) keeps four in a fold: the fold still trains, on the
    same classes as the saved model."""
    store = Store(tmp_path)
    project = store.ensure_project()
    _fill(store, project, per_class=5)
    result, dataset = train_project(store, project, FAST)
    fit = fold_fit(dataset, FAST)
    labels = np.asarray(dataset.labels)
    rows = np.concatenate([np.flatnonzero(labels == name)[:4] for name in result.classes])
    model = fit(dataset.features[rows], labels[rows].tolist())
    assert model.classes == result.classes


@pytest.mark.slow
def test_the_project_curve_ends_on_the_headline(tmp_path: Path) -> None:
    store, project, result, dataset = _trained(tmp_path)
    cv = project_crossval(dataset, FAST)
    points = project_curve(dataset, FAST, last=cv)
    assert [p.samples_per_class for p in points] == [2, 4] and points[-1].figure == cv.figure
    assert all(p.figure.total == 18 for p in points)


@pytest.mark.slow
def test_a_model_without_its_own_measurement_carries_the_last_one_until_measured(tmp_path: Path) -> None:
    """Issue 64: Live's *Teach it here* saved a model with no figure, and Train showed nothing but "not measured".
    The new model carries the model before's report, figure, when and on how many samples; its own replaces it."""
    from core.gestures.report import REPORT_KEY
    from core.jobs import tasks
    from core.jobs.job import JobContext

    store, project, result, dataset = _trained(tmp_path)
    assert previous_measurement(store, project) is None  # no report yet: nothing to carry
    measured = tasks.measure(JobContext(), tmp_path, project, FAST, dataset, result)
    assert measured.recorded
    first = json.loads((model_dir(store, project) / "model.json").read_text())["metadata"]
    assert first[MEASURED_AT_KEY] and LAST_MEASURED_KEY not in first

    _fill(store, project, per_class=2)  # a take added, then trained again as Teach it here does (no measuring)
    fixed = tasks.train(JobContext(), tmp_path, project, FAST)
    second = json.loads((model_dir(store, project) / "model.json").read_text())["metadata"]
    assert REPORT_KEY not in second and CROSSVAL_KEY not in second
    last = second[LAST_MEASURED_KEY]
    assert last[REPORT_KEY] == first[REPORT_KEY] and last[CROSSVAL_KEY] == first[CROSSVAL_KEY]
    assert last[MEASURED_AT_KEY] == first[MEASURED_AT_KEY] and last["n_samples"] == 18 and second["n_samples"] == 24
    assert last_measurement(second) == last  # a second fix before measuring carries the same one on

    again = tasks.measure(JobContext(), tmp_path, project, FAST, fixed.dataset, fixed.result)
    assert again.recorded  # the carried measurement did not make the saved model another one
    third = json.loads((model_dir(store, project) / "model.json").read_text())["metadata"]
    assert third[CROSSVAL_KEY]["total"] == 24 and LAST_MEASURED_KEY not in third

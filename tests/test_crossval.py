"""The k-fold headline: every sample tested once by a model that did not see it, judged as Live judges."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from handmaker import make_hand, pointing_hand, rotate

from core.gestures.catalog import DEFAULT_CLASSES
from core.gestures.classifier import GestureClassifier
from core.gestures.crossval import (
    _draw,
    cross_validate,
    curve_sizes,
    fold_count,
    fold_curve,
    fold_splits,
    wrong_answers,
)
from core.gestures.features import FeatureConfig, hand_features
from core.gestures.report import tally_answers
from core.gestures.training import TrainConfig, train_classifier

CFG = FeatureConfig(use_depth=True)
MIRROR_MAP = {c.name: c.mirror_partner for c in DEFAULT_CLASSES}
FAST = TrainConfig(epochs=20, patience=5, min_samples_per_class=2)
CLASSES = ["pointing_right", "pointing_up", "thumbs_down"]
ANGLES = {"pointing_right": 180.0, "pointing_up": 90.0, "thumbs_down": 270.0}


def _dataset(per_class: int, seed: int = 0) -> tuple[np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    rows, labels = [], []
    for label in CLASSES:
        for _ in range(per_class):
            pts = rotate(
                pointing_hand(ANGLES[label]) + rng.normal(0, 3, (21, 2)).astype(np.float32), rng.uniform(-8, 8)
            )
            rows.append(hand_features(make_hand(pts), CFG))
            labels.append(label)
    return np.stack(rows).astype(np.float32), labels


def _fit(x: np.ndarray, labels: list[str]) -> GestureClassifier:
    return train_classifier(x, labels, CLASSES, MIRROR_MAP, CFG, FAST).classifier


def test_folds_are_fewer_when_a_class_has_few_samples() -> None:
    assert fold_count(["a"] * 5 + ["b"] * 8) == 5
    assert fold_count(["a"] * 3 + ["b"] * 8) == 3
    assert fold_count(["a"] * 1 + ["b"] * 8) == 0
    assert fold_count(["a"] * 9) == 0


def test_every_sample_is_tested_once_by_a_model_that_did_not_see_it() -> None:
    x, labels = _dataset(6)
    seen: list[set[bytes]] = []

    def fit(xf: np.ndarray, yf: list[str]) -> GestureClassifier:
        seen.append({row.tobytes() for row in xf})
        return _fit(xf, yf)

    progress: list[tuple[int, int]] = []
    cv = cross_validate(x, labels, fit, on_fold=lambda done, total: progress.append((done, total)))
    assert cv is not None and cv.folds == 5 and cv.figure.total == 18 and len(cv.answers) == 18
    assert progress == [(0, 5), (1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]
    tested = fold_splits(x, np.array(labels), 5, 0)
    assert sorted(np.concatenate(tested).tolist()) == list(range(18))  # each row in exactly one test fold
    for rows, trained_on in zip(tested, seen, strict=True):
        assert not {x[i].tobytes() for i in rows} & trained_on
    assert cv.figure.correct >= 15  # three clearly different poses
    assert cv.figure.low < cv.figure.share <= cv.figure.high
    assert set(cv.per_class) == set(CLASSES) and sum(f.total for f in cv.per_class.values()) == 18


def test_the_answer_is_the_apps_decision_with_unknown() -> None:
    """A model sure of nothing (threshold 1, no examples) answers "unknown", as Live shows: every answer wrong,
    though its most probable class would often be right."""
    x, labels = _dataset(4)

    def unsure(xf: np.ndarray, yf: list[str]) -> GestureClassifier:
        model = _fit(xf, yf)
        model.familiarity, model.threshold = None, 1.0
        return model

    cv = cross_validate(x, labels, unsure, folds=2)
    assert cv is not None and cv.figure.correct == 0 and set(cv.answers) == {"unknown"}


def test_cancel_stops_between_folds_and_gives_no_figure() -> None:
    x, labels = _dataset(4)
    cancel, fits = threading.Event(), []

    def fit(xf: np.ndarray, yf: list[str]) -> GestureClassifier:
        fits.append(len(xf))
        return _fit(xf, yf)

    def on_fold(done: int, total: int) -> None:
        if done == 2:
            cancel.set()

    assert cross_validate(x, labels, fit, folds=4, on_fold=on_fold, cancel=cancel) is None
    assert len(fits) == 2


def test_repeated_rows_stay_in_one_fold() -> None:
    x, labels = _dataset(4)
    x, labels = np.concatenate([x, x[:6]]), labels + labels[:6]  # rows 12..17 repeat rows 0..5
    for rows in fold_splits(x, np.array(labels), 3, 0):
        for i in range(6):
            assert (i in rows) == (12 + i in rows)


def test_too_few_samples_for_folds_is_a_value_error() -> None:
    x, labels = _dataset(3)
    with pytest.raises(ValueError, match="every class needs at least that many samples"):
        cross_validate(x[:7], labels[:7], _fit)  # pointing_up has 3, thumbs_down 1
    with pytest.raises(ValueError, match="need \\(N, D\\) features and N labels"):
        cross_validate(x, labels[:-1], _fit)


def test_curve_sizes_halve_the_typical_gestures_training_samples() -> None:
    assert curve_sizes(["a"] * 10 + ["b"] * 10, 5) == [2, 4]  # 8 train in a fold: 2, 4, then all
    assert curve_sizes(["a"] * 40 + ["b"] * 40 + ["c"] * 5, 5) == [2, 4, 8, 16]
    assert curve_sizes(["a"] * 5 + ["b"] * 5, 5) == [2]
    assert curve_sizes(["a"] * 3 + ["b"] * 3, 3) == []  # two a gesture to train on: only the last point


def test_the_curve_is_measured_as_the_headline_and_ends_on_it() -> None:
    """#45 item 4: the curve topped out at 0.72 beside a headline of 92%; now its last point is the headline
    (same folds, trainer and decision), each point tests every sample, and draws grow by adding samples."""
    x, labels = _dataset(10)
    trained: list[int] = []

    def fit(xf: np.ndarray, yf: list[str]) -> GestureClassifier:
        trained.append(len(xf))
        return _fit(xf, yf)

    steps: list[tuple[int, int]] = []
    points = fold_curve(x, labels, fit, folds=2, on_step=lambda done, total: steps.append((done, total)))
    headline = cross_validate(x, labels, _fit, folds=2)
    assert [p.samples_per_class for p in points] == [2, 5] and [p.everything for p in points] == [False, True]
    assert all(p.figure.total == 30 for p in points)
    assert points[-1].figure == headline.figure
    assert trained == [6, 6, 15, 15]  # 2 of each of 3 gestures in each fold, then all 5
    assert steps == [(0, 4), (1, 4), (2, 4), (2, 4), (3, 4), (4, 4)]
    reused = fold_curve(x, labels, fit, folds=2, last=headline, on_step=lambda done, total: steps.append((done, total)))
    assert reused[-1].figure == headline.figure and len(trained) == 6 and steps[-1] == (2, 2)


def test_smaller_draws_are_part_of_larger_ones() -> None:
    y = np.array(["a"] * 8 + ["b"] * 8)
    rows = np.arange(16)
    small, large = (set(_draw(rows, y, n, np.random.default_rng([0, 1])).tolist()) for n in (2, 4))
    assert len(small) == 4 and len(large) == 8 and small < large


def test_a_cancelled_curve_gives_no_points() -> None:
    x, labels = _dataset(10)
    cancel = threading.Event()
    on_step = lambda done, total: cancel.set() if done == 1 else None  # noqa: E731
    assert fold_curve(x, labels, _fit, folds=2, on_step=on_step, cancel=cancel) is None


def test_the_matrix_and_the_samples_to_fix_come_from_the_same_answers_as_the_headline() -> None:
    labels = ["fist", "fist", "fist", "palm", "palm"]
    answers = ["fist", "unknown", "palm", "palm", "wave"]  # "wave": a class the model no longer knows
    tally = tally_answers(labels, answers, ["palm", "fist", "ok"])  # the project's order; "ok" not recorded
    assert tally.classes == ["palm", "fist", "wave", "unknown"]  # the project's, then others, "unknown" last
    assert tally.counts.tolist() == [[1, 0, 1, 0], [1, 1, 0, 1], [0, 0, 0, 0], [0, 0, 0, 0]]
    assert tally.total == len(labels) and tally.figure.correct == 2  # every sample once, as the headline counts
    assert list(tally.per_class()) == ["palm", "fist"] and tally.per_class()["fist"].total == 3
    assert sorted(zip(*tally.answers(), strict=True)) == sorted(zip(labels, answers, strict=True))
    assert wrong_answers(labels, answers) == [(1, "fist", "unknown"), (2, "fist", "palm"), (4, "palm", "wave")]

"""The headline accuracy of a small project, with its uncertainty: stratified k-fold over all samples.

A project of ten samples a gesture held out two a gesture for validation, so one gesture read 100% or 50%
and relabelling one sample moved the headline from 92% to 83%. Here every sample is tested once, by a model
trained (the project's own way, through ``fit``) on the other folds, and judged by the app's real decision
(``GestureClassifier.predict``: "unknown" counts as wrong, as Live shows it). The pooled out-of-fold answers
give one proportion and its Wilson interval (``core.gestures.figure``, which also words it). Each fold is one training: ``on_fold`` reports progress and
``cancel`` stops between folds (a cancelled run returns None: no figure from some of the samples).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from core.gestures.classifier import GestureClassifier
from core.gestures.figure import CurvePoint, Figure, wilson
from core.types import FloatArray

MAX_FOLDS = 5  # each fold is one training (a few seconds with the starter set): 5 keeps the wait under a minute
FOLD_CURVE_MIN = 2  # the fewest samples a class trains on at a learning curve's point (one to fit, one to stop)

# (X (n, D) user-view features, n labels) -> a trained classifier, trained as the project trains
Fit = Callable[[FloatArray, list[str]], GestureClassifier]


@dataclass(frozen=True)
class CrossVal:
    """Out-of-fold answers of every sample: ``answers[i]`` is the label (or "unknown") shown for sample ``i``
    by the fold model that did not see it."""

    figure: Figure
    folds: int
    answers: list[str]  # (n,) in the order of the labels given
    per_class: dict[str, Figure]  # true class -> its samples' figure
    seconds: float


def fold_count(labels: Sequence[str], max_folds: int = MAX_FOLDS) -> int:
    """Folds for these labels: ``max_folds``, fewer when a class has fewer samples (each fold tests at least
    one of each class); 0 when a class has a single sample or there are fewer than two classes."""
    counts = Counter(labels)
    if len(counts) < 2:
        return 0
    folds = min(max_folds, min(counts.values()))
    return folds if folds >= 2 else 0


def fold_splits(x: FloatArray, y: npt.NDArray[np.str_], folds: int, seed: int) -> list[npt.NDArray[np.int64]]:
    """The test rows of each fold, stratified by class. Identical rows (a CSV that repeats rows) stay in one
    fold, so no fold tests rows its model trained on; without repeats this is scikit-learn's StratifiedKFold."""
    _, groups = np.unique(x, axis=0, return_inverse=True)
    groups = groups.ravel()
    if len(np.unique(groups)) == len(x):
        splitter = StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y)
    else:
        splitter = StratifiedGroupKFold(folds, shuffle=True, random_state=seed).split(x, y, groups)
    return [test.astype(np.int64) for _, test in splitter]


def cross_validate(
    X: FloatArray, labels: Sequence[str], fit: Fit, folds: int | None = None, seed: int = 0,
    on_fold: Callable[[int, int], None] | None = None, cancel: threading.Event | None = None,
    per_class: int | None = None,
) -> CrossVal | None:  # fmt: skip
    """Test every row of (N, D) user-view features ``X`` with a model ``fit`` on the other folds.

    ``folds`` None: ``fold_count``. ``on_fold(done, total)`` after each fold (and (0, total) first). Returns
    None when ``cancel`` was set before the last fold ended (nothing partial). Raises ``ValueError`` when the
    labels allow no folds (a class of one sample, or one class). ``per_class``: each fold model trains on at
    most that many of each class's training rows (``_draw``; the learning curve), None on all of them.
    """
    started = time.perf_counter()
    x, y = np.asarray(X, np.float32), np.asarray(labels, dtype=str)
    if x.ndim != 2 or len(x) != len(y):
        raise ValueError(f"need (N, D) features and N labels, got {x.shape} and {len(y)} labels")
    folds = fold_count(y.tolist()) if folds is None else folds
    if folds < 2 or folds > min(Counter(y.tolist()).values(), default=0):
        raise ValueError(f"cannot measure {folds} folds: every class needs at least that many samples, and two "
                         f"classes are needed (samples per class: {dict(Counter(y.tolist()))})")  # fmt: skip
    answers = np.full(len(y), "", dtype=object)
    splits = fold_splits(x, y, folds, seed)
    if on_fold is not None:
        on_fold(0, folds)
    for done, test in enumerate(splits, start=1):
        if cancel is not None and cancel.is_set():
            return None
        train = np.setdiff1d(np.arange(len(y)), test)
        if per_class is not None:
            train = _draw(train, y, per_class, np.random.default_rng([seed, done]))
        model = fit(x[train], y[train].tolist())
        answers[test] = [p.label for p in model.predict(x[test])]
        if on_fold is not None:
            on_fold(done, folds)
    if cancel is not None and cancel.is_set():
        return None
    right = answers == y
    per_class = {name: wilson(int(right[y == name].sum()), int((y == name).sum())) for name in dict.fromkeys(y)}
    return CrossVal(wilson(int(right.sum()), len(y)), folds, answers.tolist(), per_class,
                    time.perf_counter() - started)  # fmt: skip


def _draw(
    rows: npt.NDArray[np.int64], y: npt.NDArray[np.str_], n: int, rng: np.random.Generator
) -> npt.NDArray[np.int64]:
    """At most ``n`` of each class's ``rows``, sorted. One permutation per class for a given ``rng`` seed, so a
    fold's smaller draws are part of its larger ones: the curve adds samples, it does not swap them."""
    picked = [rng.permutation(rows[y[rows] == name])[:n] for name in dict.fromkeys(y[rows].tolist())]
    return np.sort(np.concatenate(picked))


def typical_samples(labels: Sequence[str]) -> int:
    """The samples of the typical (median) gesture of ``labels``; 0 without any."""
    counts = sorted(Counter(labels).values())
    return counts[len(counts) // 2] if counts else 0


def typical_pool(labels: Sequence[str], folds: int) -> int:
    """The typical gesture's samples a fold model learns from: all but the fold it is tested on (15 a gesture,
    5 folds: 12). A learning curve's last point; 0 without folds."""
    return typical_samples(labels) * (folds - 1) // folds if folds else 0


def curve_sizes(labels: Sequence[str], folds: int) -> list[int]:
    """Samples per class of a learning curve's points before its last (which trains on all): the typical
    (median) class's training rows in a fold, halved until 2, smallest first. 10 a class, 5 folds: 2, 4."""
    pool = typical_pool(labels, folds)
    sizes, n = [], pool // 2
    while n >= FOLD_CURVE_MIN:
        sizes.append(n)
        n //= 2
    return sizes[::-1]


def fold_curve(
    X: FloatArray, labels: Sequence[str], fit: Fit, folds: int | None = None, seed: int = 0,
    on_step: Callable[[int, int], None] | None = None, cancel: threading.Event | None = None,
    last: CrossVal | None = None,
) -> list[CurvePoint] | None:  # fmt: skip
    """The learning curve measured as the headline is: the same folds, fit and decision, each point with
    its interval; the last point trains on all training rows, so it is the headline (``last``, when given:
    a ``cross_validate`` of the same rows, folds and seed, is reused, not measured again). ``on_step(done,
    total)`` counts trainings; None when cancelled."""
    y = np.asarray(labels, dtype=str)
    folds = fold_count(y.tolist()) if folds is None else folds
    sizes = curve_sizes(y.tolist(), folds)
    total, points = (len(sizes) + (last is None)) * folds, []
    for step, n in enumerate([*sizes, None]):
        cv = last if n is None and last is not None else cross_validate(
            X, y.tolist(), fit, folds, seed, _offset(on_step, step * folds, total), cancel, n)  # fmt: skip
        if cv is None:
            return None
        points.append(CurvePoint(n if n is not None else typical_pool(y.tolist(), folds), cv.figure, n is None))
    return points


def _offset(on_step: Callable[[int, int], None] | None, before: int, total: int) -> Callable[[int, int], None] | None:
    return None if on_step is None else lambda done, _folds: on_step(before + done, total)


def wrong_answers(labels: Sequence[str], answers: Sequence[str]) -> list[tuple[int, str, str]]:
    """(row, true class, answer) of every sample its out-of-fold model answered otherwise, "unknown" included."""
    return [(row, truth, answer) for row, (truth, answer) in enumerate(zip(labels, answers, strict=True))
            if answer != truth]  # fmt: skip

"""Learning curve: accuracy on a person's held-out samples vs. samples per class trained on.

``bench/people/learning_curve.py`` measures it on a held-out person (the Train page's curve of a project's own
samples is ``core.data.project_accuracy.project_curve``, measured by k-fold as its headline is). Each point
trains with ``train_with_starter`` (the starter set, or an empty one for "without starter") on ``n`` samples
of each class drawn from the training pool, and scores the label the user would see (threshold applied:
``unknown`` counts as wrong) on the test samples.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from core.gestures.classifier import GestureClassifier
from core.gestures.features import FeatureConfig
from core.gestures.training import TrainConfig
from core.starter.dataset import DEPTH_CONFIG, StarterSet
from core.starter.fit import StarterOptions, adds_to, train_with_starter
from core.types import FloatArray

SIZES = (1, 2, 3, 5, 10, 20, 50)
EMPTY_STARTER = StarterSet(np.zeros((0, DEPTH_CONFIG.size), np.float32), [], [])


@dataclass(frozen=True)
class CurvePoint:
    """Accuracy after training on ``samples_per_class`` samples of each class (mean over repeats)."""

    samples_per_class: int
    used: dict[str, int]  # samples per class actually used: fewer where the pool is smaller
    accuracy: float  # label shown (threshold applied) == truth, over all test samples
    accuracy_argmax: float  # most probable class == truth
    per_class: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0  # mean training time
    repeats: int = 1


def _pick(pool: npt.NDArray[np.int64], n: int, rng: np.random.Generator) -> npt.NDArray[np.int64]:
    """``n`` rows of a class's pool (all of it when smaller), at random."""
    return pool if n >= len(pool) else np.sort(rng.choice(pool, n, replace=False))


def _score(model: GestureClassifier, x: FloatArray, y: npt.NDArray[np.str_]) -> tuple[float, float, dict[str, float]]:
    predictions = model.predict(x)
    shown = np.array([p.label for p in predictions])
    argmax = np.array(model.classes)[model.predict_proba(x).argmax(axis=1)]
    per_class = {name: float(np.mean(shown[y == name] == name)) for name in sorted(set(y.tolist()))}
    return float(np.mean(shown == y)), float(np.mean(argmax == y)), per_class


def learning_curve(
    X: FloatArray, labels: Sequence[str], test: npt.NDArray[np.bool_], classes: Sequence[str],
    mirror_map: Mapping[str, str], feature_config: FeatureConfig, starter: StarterSet | None,
    sizes: Sequence[int] = SIZES, repeats: int = 3, config: TrainConfig | None = None, seed: int = 0,
    on_point: Callable[[CurvePoint], None] | None = None,
) -> list[CurvePoint]:  # fmt: skip
    """Points of the curve for (N, D) user-view features with labels; ``test`` (N,) marks held-out rows.

    ``starter`` None trains on the samples alone (same trainer, empty starter set).
    """
    if starter is not None and not adds_to(starter, classes):  # trained as train_with_starter would: samples alone
        starter = None
    y = np.asarray(labels, dtype=str)
    test = np.asarray(test, dtype=bool)
    pools = {name: np.flatnonzero((y == name) & ~test) for name in sorted(set(y[~test].tolist()))}
    sizes = sizes_within(sizes, [len(pool) for pool in pools.values()])
    config = config or TrainConfig()
    options = StarterOptions(min_samples_per_class=1)
    points = []
    for n in sizes:
        runs = []
        for r in range(repeats):
            rng = np.random.default_rng(seed * 1000 + r)
            rows = np.concatenate([_pick(pool, n, rng) for pool in pools.values()])
            started = time.perf_counter()
            result = train_with_starter(X[rows], y[rows].tolist(), classes, mirror_map, feature_config,
                                        starter or EMPTY_STARTER, replace(config, seed=seed + r), options)  # fmt: skip
            runs.append((*_score(result.classifier, X[test], y[test]), time.perf_counter() - started))
        per_class = {k: float(np.mean([run[2][k] for run in runs])) for k in runs[0][2]}
        point = CurvePoint(n, {k: min(n, len(v)) for k, v in pools.items()}, float(np.mean([r[0] for r in runs])),
                           float(np.mean([r[1] for r in runs])), per_class, float(np.mean([r[3] for r in runs])),
                           repeats)  # fmt: skip
        points.append(point)
        if on_point is not None:
            on_point(point)
    return points


def sizes_within(sizes: Sequence[int], pool_sizes: Sequence[int]) -> list[int]:
    """The ``sizes`` a curve can measure when the largest class has ``max(pool_sizes)`` training samples.

    A size at or past that trains on the same samples as the largest pool, so those
    points become one point at the largest pool: 1, 2, 3, 5, 10, 20, 50 with pools of
    10 and 11 give 1, 2, 3, 5, 10, 11.
    """
    largest = max(pool_sizes, default=0)
    within = sorted({n for n in sizes if 0 < n < largest})
    return [*within, largest] if largest and any(n >= largest for n in sizes) else within

"""Which starter rows a user's own samples override, before a training draws from the starter set.

* **Conflicts** (row by row): a starter row near a user sample of another class is dropped: where
  the user's hand and the starter data disagree, the user wins.
* **Claims** (group by group): a person's few samples of a gesture sit close together, while their
  later frames of it turn and tilt away; rows of other people making that gesture, taught as
  "unknown", then take those frames. So when a share of one source group's "unknown" rows (a
  folder: other people's "call", relaxed hands, a starter gesture the project lacks) lies near a
  class's samples, the whole group shows that class and is no longer trained as "unknown".

Both are judged on the training's *reach*: the samples and augmented copies of them, since training
turns a few still frames much further than they lie apart. Distances are in x, y features, so
they mean the same with and without depth; mirrored user samples stand for the other hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from core.gestures.features import FeatureConfig, augment
from core.gestures.nearest import squared_distances
from core.gestures.train_config import TrainConfig
from core.types import FloatArray

if TYPE_CHECKING:
    from core.starter.options import StarterOptions

MAX_REACH = 2_000  # points a training's reach holds at most (samples and their augmented copies)
PER_CLASS_POINTS = 400  # of which at most this many a class (10 samples and 8 copies each: 90)
_CHUNK = 4096  # starter rows per matrix product


def _xy(features: FloatArray, config: FeatureConfig) -> FloatArray:
    """The x, y part of (N, size) features."""
    return features.reshape(len(features), -1, config.dims)[:, :, :2].reshape(len(features), -1)


def _mirrored(xy: FloatArray) -> FloatArray:
    return (xy.reshape(len(xy), -1, 2) * np.array([-1.0, 1.0], np.float32)).reshape(len(xy), -1)


def class_distances(points: FloatArray, labels: Sequence[str], rows: FloatArray, config: FeatureConfig
                    ) -> tuple[FloatArray, list[str]]:  # fmt: skip
    """(S, C): the distance from each of ``rows`` to the nearest of each class's ``points`` or their mirror
    images, and the C class names (sorted). Matrix products, chunked, in one pass for
    every class: a nearest-neighbour search per class took seconds of an eight-class training. float32:
    1e-3 off at most, far finer than the radii these distances are compared with, and twice as fast."""
    names = sorted(set(labels))
    both = np.tile(np.asarray(labels, dtype=str), 2)
    order = np.argsort(both, kind="stable")
    u_xy = _xy(points, config)
    targets = np.ascontiguousarray(np.concatenate([u_xy, _mirrored(u_xy)])[order], dtype=np.float32)
    starts = np.searchsorted(both[order], names)
    target_norms = (targets**2).sum(axis=1)
    s_xy = np.ascontiguousarray(_xy(rows, config), dtype=np.float32)
    out = np.empty((len(s_xy), len(names)), np.float32)
    for begin in range(0, len(s_xy), _CHUNK):
        part = s_xy[begin : begin + _CHUNK]
        # |a - b|² = |a|² + (|b|² - 2 a·b): the row's |a|² is added after the minimum, one pass fewer
        partial = part @ (np.float32(-2.0) * targets.T)
        partial += target_norms[None, :]
        nearest = np.minimum.reduceat(partial, starts, axis=1) + (part**2).sum(axis=1)[:, None]
        out[begin : begin + _CHUNK] = np.sqrt(np.maximum(nearest, 0.0))
    return out, names


def class_radius(points: FloatArray, radius: float, max_radius: float) -> float:
    """``radius`` widened to 1.5x the median nearest-neighbour distance among (n, D) samples, at most ``max_radius``."""
    if len(points) < 2:
        return radius
    p = np.asarray(points, np.float32)  # at most PER_CLASS_POINTS points a class
    squared = squared_distances(p, p)
    np.fill_diagonal(squared, np.inf)  # each point's nearest other point
    nearest = np.sqrt(squared.min(axis=1))
    return float(np.clip(1.5 * np.median(nearest), radius, max(radius, max_radius)))


def conflicts(distance: FloatArray, names: Sequence[str], starter_y: Sequence[str], radii: FloatArray
              ) -> npt.NDArray[np.bool_]:  # fmt: skip
    """(S,) True for rows within a class's radius (``radii``, (C,)) of its samples whose label is not that class."""
    other = np.asarray(starter_y, dtype=str)[:, None] != np.asarray(names)[None, :]
    return ((distance < radii[None, :]) & other).any(axis=1)


def claims(distance: FloatArray, rejection: npt.NDArray[np.bool_], sources: Sequence[str], radius: float,
           share: float) -> npt.NDArray[np.bool_]:  # fmt: skip
    """(S,) True for the rejection rows of every source group of which at least ``share`` lies within
    ``radius`` of one class (one column of ``distance``)."""
    drop = np.zeros(len(distance), dtype=bool)
    rows = np.flatnonzero(rejection)
    # groups as integers, counted with bincount: comparing ~30,000 source names per group and class took 1 s
    names, group = np.unique(np.asarray(sources)[rows], return_inverse=True)
    group = group.ravel()
    sizes = np.bincount(group, minlength=len(names))
    claimed = np.zeros(len(names), dtype=bool)
    for column in distance[rows].T:
        near = np.bincount(group[column < radius], minlength=len(names))
        claimed |= (near > 0) & (near / np.maximum(sizes, 1) >= share)  # as near[members].mean() >= share
    drop[rows[claimed[group]]] = True
    return drop


def conflicting_rows(
    starter_x: FloatArray, starter_y: Sequence[str], user_x: FloatArray, user_y: Sequence[str],
    config: FeatureConfig, radius: float, max_radius: float | None = None,
) -> npt.NDArray[np.bool_]:  # fmt: skip
    """(S,) True for starter rows near a user sample (or its mirror image) whose label differs, within the
    class's radius (``StarterOptions.conflict_radius``, widened by the class's spread)."""
    if len(user_x) == 0 or len(starter_x) == 0:
        return np.zeros(len(starter_x), dtype=bool)
    distance, names = class_distances(user_x, user_y, starter_x, config)
    return conflicts(distance, names, starter_y, _radii(user_x, user_y, names, config, radius, max_radius))


def _radii(user_x: FloatArray, user_y: Sequence[str], names: Sequence[str], config: FeatureConfig, radius: float,
           max_radius: float | None) -> FloatArray:  # fmt: skip
    labels, u_xy = np.asarray(user_y, dtype=str), _xy(user_x, config)
    top = radius if max_radius is None else max_radius
    return np.array([class_radius(u_xy[labels == name], radius, top) for name in names], np.float32)


def reach(x: FloatArray, y: npt.NDArray[np.str_], feature_config: FeatureConfig, config: TrainConfig, copies: int,
          rng: np.random.Generator) -> tuple[FloatArray, npt.NDArray[np.str_]]:  # fmt: skip
    """The user's samples and ``copies`` augmented copies of each (at most ``MAX_REACH`` points: a large
    import covers its classes by itself): where training will teach each class."""
    copies = min(copies, MAX_REACH // max(len(x), 1) - 1)
    if copies <= 0 or not config.augment or len(x) == 0:
        return x, y
    copies_x = [augment(x, feature_config, config.aug, rng) for _ in range(copies)]
    return np.concatenate([x, *copies_x]), np.tile(y, copies + 1)


def _at_most(x: FloatArray, y: npt.NDArray[np.str_], per_class: int, rng: np.random.Generator
             ) -> tuple[FloatArray, npt.NDArray[np.str_]]:  # fmt: skip
    """At most ``per_class`` points of each class, drawn at random: an imported class of a thousand rows
    marks out its region as well with a few hundred, at a fraction of the distances."""
    keep = np.concatenate([np.zeros(0, np.int64)] + [
        rng.choice(rows, per_class, replace=False) if len(rows) > per_class else rows
        for rows in (np.flatnonzero(y == name) for name in sorted(set(y.tolist())))
    ])  # fmt: skip
    keep.sort()
    return x[keep], y[keep]


def overridden_parts(
    x: FloatArray, y: npt.NDArray[np.str_], starter_x: FloatArray, starter_y: npt.NDArray[np.str_],
    sources: Sequence[str], active: Sequence[str], counts: Mapping[str, int], feature_config: FeatureConfig,
    config: TrainConfig, options: StarterOptions, rng: np.random.Generator,
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:  # fmt: skip
    """(S,) each, the starter rows a training leaves out: the rows in conflict with a user sample (the person's hand
    wins there: no example of anything), and the "unknown" rows of claimed groups (no longer trained as unknown,
    still hands of no class to ``core.gestures.familiarity``)."""
    none = np.zeros(len(starter_x), dtype=bool)
    if len(x) == 0 or len(starter_x) == 0:
        return none, none.copy()
    reach_x, reach_y = reach(x, y, feature_config, config, options.coverage_copies, rng)
    reach_x, reach_y = _at_most(reach_x, reach_y, PER_CLASS_POINTS, rng)
    distance, names = class_distances(reach_x, reach_y.tolist(), starter_x, feature_config)
    radii = _radii(reach_x, reach_y.tolist(), names, feature_config, options.conflict_radius,
                   options.max_conflict_radius)  # fmt: skip
    conflicting, claimed = conflicts(distance, names, starter_y, radii), none
    few = [i for i, name in enumerate(names) if counts.get(name, 0) <= options.claim_max_samples]
    if options.claim_share < 1.0 and few:
        rejection = ~np.isin(starter_y, list(active))
        claimed = claims(distance[:, few], rejection, sources, options.claim_radius, options.claim_share)
    return conflicting, claimed

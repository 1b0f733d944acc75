""" "Have I seen a hand like this?": the open-set half of the "unknown" decision.

A softmax is confident far from anything it was trained on, so the top probability alone
takes a gesture a person never taught for one they did (``bench/openset.py``: 65% of the
untaught gestures' frames on ``webcam_people`` at the old 0.6 threshold). ``Familiarity``
keeps the person's own examples of each class (their samples, augmented copies turned and
tilted as training turns them, and the mirrored copies training draws) and answers, for the
class the network picked, how far a hand lies from the nearest of them, in feature units
(``core.gestures.features``: joints relative to the wrist, divided by the hand's reach).

The decision (``known``): the hand is near one of the class's examples (``distance <= radius
× tolerance``), or the class is a starter gesture (👍 👎 ☝ 👌 👊 👉 👈 ✋) and the network, which
saw thousands of people's views of it, is at least ``confident`` sure: a fist taught from the
back of the hand is still a fist from the knuckles. ``tolerance`` is the one knob a person
moves (Live's slider): 1 is the trained radius, larger accepts hands further from the examples.

Shapes: ``reference`` (R, D) float32 user-view features, ``owner`` (R,) int64 class index.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from core.gestures.features import AugmentConfig, FeatureConfig, augment, mirror_features
from core.types import FloatArray, IntArray

# Measured on webcam_people's 12 people (bench/openset.py, k = 10): own-example distances of a person's
# later frames of a taught gesture lie mostly under 0.5 (with depth), an untaught gesture's over 0.7.
RADIUS_DEPTH = 0.7
RADIUS_FLAT = 0.5  # x, y only (2D imports): the same hands measure about 0.7 times as far
CONFIDENT = 0.9  # a starter gesture the network is this sure of counts as known however far from the examples
COPIES = 10  # augmented copies of each own sample among the examples
MAX_ROWS = 4000  # examples kept: the distances cost R x D per hand on Live and in the ONNX graph
TOLERANCE_RANGE = (0.5, 2.0)  # what Live's slider offers


class FamiliarityError(ValueError):
    """A familiarity block that is missing pieces, of the wrong shape or not finite."""


@dataclass(frozen=True)
class Familiarity:
    """The examples a model's "unknown" decision measures against (see the module docstring)."""

    reference: FloatArray  # (R, D) float32 examples, user-view features
    owner: IntArray  # (R,) int64 class index of each example
    radius: float  # feature units: a hand this near an example of its class is known
    starter: tuple[bool, ...]  # (C,) whether each class is a starter gesture (confident network = known)
    confident: float = CONFIDENT

    def __post_init__(self) -> None:
        ref, owner, n_classes = self.reference, self.owner, len(self.starter)
        if ref.ndim != 2 or ref.dtype != np.float32 or owner.shape != (len(ref),) or owner.dtype != np.int64:
            raise FamiliarityError(f"examples must be (R, D) float32 with (R,) int64 owners, got {ref.shape} "
                                   f"{ref.dtype} and {owner.shape} {owner.dtype}")  # fmt: skip
        if not np.isfinite(ref).all():
            raise FamiliarityError("examples contain NaN or infinity")
        if len(owner) and (owner.min() < 0 or owner.max() >= n_classes):
            raise FamiliarityError(f"example owners must be class indices below {n_classes}")
        if not (np.isfinite(self.radius) and self.radius > 0 and 0.0 <= self.confident <= 1.0):
            raise FamiliarityError(f"radius must be positive and confident in [0, 1], got {self.radius}, "
                                   f"{self.confident}")  # fmt: skip

    def class_distances(self, features: FloatArray) -> FloatArray:
        """(N, C) distance of each (N, D) feature row to the nearest example of each class; inf without one.
        Per class rather than for the top one only, so a stream can average them over frames as it averages
        the probabilities (``core.gestures.pipeline``)."""
        x = np.asarray(features, np.float32)
        squared = (x * x).sum(1)[:, None] - 2.0 * x @ self.reference.T + self._squared_norms[None]
        out = np.full((len(x), len(self.starter)), np.inf, np.float32)
        for c, rows in enumerate(self._rows_of_class):
            if len(rows):
                out[:, c] = np.sqrt(np.maximum(squared[:, rows].min(axis=1), 0.0))
        return out

    # Worked out once per model, not per frame: Live calls class_distances on every frame of every stream.
    @functools.cached_property
    def _squared_norms(self) -> FloatArray:
        return (self.reference**2).sum(axis=1)

    @functools.cached_property
    def _rows_of_class(self) -> list[IntArray]:
        return [np.flatnonzero(self.owner == c) for c in range(len(self.starter))]

    @functools.cached_property
    def _has_examples(self) -> npt.NDArray[np.bool_]:
        return np.array([len(rows) > 0 for rows in self._rows_of_class], bool)

    def known(self, probabilities: FloatArray, ratios: FloatArray, threshold: float) -> npt.NDArray[np.bool_]:
        """(N,) the decision for (N, C) probabilities and their (N, C) ``class_distances`` divided by
        ``radius × tolerance`` (see the module docstring). A class with no example of its own (a starter
        gesture kept without samples) is judged as a model without examples is: its probability ≥ ``threshold``."""
        best = probabilities.argmax(axis=1)
        top = probabilities.max(axis=1)
        near = ratios[np.arange(len(best)), best] <= 1.0
        sure = np.asarray(self.starter, bool)[best] & (top >= self.confident)
        none = ~self._has_examples[best] & (top >= threshold)
        return near | sure | none

    def as_json(self) -> dict[str, object]:
        return {"radius": self.radius, "confident": self.confident, "starter": list(self.starter),
                "rows": len(self.reference)}  # fmt: skip

    @classmethod
    def from_parts(cls, description: object, reference: object, owner: object, n_classes: int,
                   n_features: int) -> Familiarity:  # fmt: skip
        """Rebuild from ``model.json``'s block and the two tensors; ``FamiliarityError`` names what is wrong."""
        if not isinstance(description, Mapping):
            raise FamiliarityError(f"'familiarity' must be an object, got {type(description).__name__}")
        radius, confident, starter = description.get("radius"), description.get("confident"), description.get("starter")
        if type(radius) not in (int, float) or type(confident) not in (int, float):
            raise FamiliarityError("'familiarity' needs numbers 'radius' and 'confident'")
        if not isinstance(starter, list) or len(starter) != n_classes or not all(type(s) is bool for s in starter):
            raise FamiliarityError(f"'familiarity.starter' must list {n_classes} true/false values")
        ref, own = np.asarray(reference), np.asarray(owner)
        if ref.shape[1:] != (n_features,) or ref.shape[0] != description.get("rows"):
            raise FamiliarityError(f"examples are {ref.shape}, the model needs ({description.get('rows')}, "
                                   f"{n_features})")  # fmt: skip
        return cls(ref.astype(np.float32, copy=False), own.astype(np.int64, copy=False), float(radius),
                   tuple(starter), float(confident))  # fmt: skip


def fit_familiarity(
    x: FloatArray,
    y: Sequence[str],
    classes: Sequence[str],
    mirror_map: Mapping[str, str] | None,
    config: FeatureConfig,
    aug: AugmentConfig,
    starter_classes: Sequence[str] = (),
    no_copies_from: Sequence[str] = (),
    seed: int = 0,
) -> Familiarity:
    """Examples from (N, D) own samples ``x`` labelled ``y``: each sample, ``COPIES`` augmented copies, and their
    mirrored copies labelled by ``mirror_map`` (None: no mirroring) except those of ``no_copies_from`` (classes
    whose mirror image is another of the person's classes); at most ``MAX_ROWS``, every class keeping its share."""
    rng = np.random.default_rng(seed)
    index = {name: i for i, name in enumerate(classes)}
    labels = np.asarray(y, dtype=str)
    keep = np.isin(labels, list(index))
    x, labels = np.asarray(x, np.float32)[keep], labels[keep]
    parts = [x] + [augment(x, config, aug, rng) for _ in range(COPIES if len(x) else 0)]
    rows, names = np.concatenate(parts), np.tile(labels, len(parts))
    if mirror_map is not None and len(rows):
        partners = np.array([mirror_map.get(n, n) for n in names])
        copy = np.isin(partners, list(index)) & ~np.isin(names, list(no_copies_from))
        if copy.any():
            rows, names = (
                np.concatenate([rows, mirror_features(rows[copy], config)]),
                np.concatenate([names, partners[copy]]),
            )
    owner = np.array([index[n] for n in names], dtype=np.int64)
    if len(rows) > MAX_ROWS:
        chosen = rng.choice(len(rows), MAX_ROWS, replace=False)
        rows, owner = rows[chosen], owner[chosen]
    radius = RADIUS_DEPTH if config.use_depth else RADIUS_FLAT
    starter = tuple(name in set(starter_classes) for name in classes)
    return Familiarity(np.ascontiguousarray(rows, np.float32), owner, radius, starter)

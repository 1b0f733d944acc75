""" "Have I seen a hand like this?": the open-set half of the "unknown" decision.

A softmax is confident far from anything it was trained on, so the top probability alone
takes a gesture a person never taught for one they did (``bench/people/openset.py``: 65% of the
untaught gestures' frames on ``webcam_people`` at the old 0.6 threshold). ``Familiarity``
keeps, as rows of features (``core.gestures.features``: joints relative to the wrist, divided
by the hand's reach):

* the person's **own examples** of each class: their samples, augmented copies turned and
  tilted as training turns them, and the mirrored copies training draws;
* for a class named like a starter gesture (👍 👎 ☝ 👌 👊 👉 👈 ✋), the **starter set's hands of
  it** (other people's, from every side: a fist taught from the back is still a fist from the
  knuckles);
* **hands of no class**: the starter set's hands of signs the project does not know (its
  "other" signs, starter gestures the project left out).

The answer (``answer``): where the hand lies within the radius of one of the person's own examples
(``distance <= radius × tolerance``) and, for a starter gesture, no hand of no class lies clearly nearer
(``UNTAUGHT_NEARER``), the class of the nearest one, whatever the network's top class: the person's own hands win there (a network fitted on
thousands of starter rows and mirrored copies put a person's later 👍 frames on their "pen", a 👍 from
the back, while those frames lay among their own 👍 examples). A hand nearer to a hand of no class is not
the person's starter gesture, however near their examples: a student who taught 👍 👊 👌 and showed ✋ had it
named 👌 ("like your examples", 0.97 radii from them) while it lay 0.31 radii from the starter's ✋ hands
(``bench/people/openset.py --taught 3``, k = 10, every third frame: 0.088 of untaught looks accepted before,
0.073 with it, taught looks as before). Elsewhere the network's top class, known (``known``) when that class has starter
hands and the hand is nearer to that class (its own examples or the starter's hands of it) than to
every hand of no class: a nearest-neighbour choice between "this gesture" and "none of these",
however far both are. ``tolerance`` is the one knob a
person moves (Live's slider): 1 is the trained radius, larger accepts hands further from their
examples. A class with no example of its own (a starter gesture kept without samples) keeps the
probability threshold.

Shapes: ``reference`` (R, D) float32 user-view features, ``owner`` (R,) int64: ``c`` an own
example of class c, ``C + c`` a starter hand of class c, ``NONE`` (-1) a hand of no class.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from core.gestures.features import AugmentConfig, FeatureConfig, augment, mirror_features
from core.gestures.nearest import squared_distances
from core.types import FloatArray, IntArray

# Measured on webcam_people's 12 people (bench/people/openset.py, k = 10): own-example distances of a person's
# later frames of a taught gesture lie mostly under 0.5 (with depth), an untaught gesture's over 0.7.
RADIUS_DEPTH = 0.7
RADIUS_FLAT = 0.5  # x, y only (2D imports): the same hands measure about 0.7 times as far
COPIES = 10  # augmented copies of each own sample among the examples
MAX_ROWS = 4000  # own examples kept: the distances cost R x D per hand on Live and in the ONNX graph
# Starter hands kept (chosen at random, seeded): of each starter class the person taught, and of no class.
# Two hands of no class to one of a class: on webcam_people (k = 10 and 20, seeds 0-2) 1000/2000 kept more
# taught frames than 500/2000 (p03's turned 👍, k = 20 alone: 0.906-0.919 -> 0.944-0.950) and accepted as
# many untaught ones (within 0.002); 500/1000 accepted more, 250/2000 and all of them (1:28) kept fewer.
STARTER_PER_CLASS = 1000
NONE_ROWS = 2000
NONE = -1  # owner of a hand of no class
# A starter gesture's own examples decide unless a sign of no class lies clearly nearer: their distance over this
# many times the sign's. p01's untaught ✋ lay 0.93-1.0 radii from their 👌 examples and 0.25-0.34 from the
# starter's ✋ hands (3 times); p03's taught 👍 at its most ambiguous 0.94 and 0.76 (1.24 times): at 1 it was lost
# (bench/people/fewshot.py --sources webcam --k 20: p03 0.924 -> 0.918), at 1.5 kept, and every untaught look the
# rule refuses on webcam_people (bench/people/openset.py --taught 3) is refused alike at 1, 1.25, 1.5 and 2.
UNTAUGHT_NEARER = 1.5
TOLERANCE_RANGE = (0.5, 2.0)  # what Live's slider offers
_CHUNK = 1024  # feature rows per distance matrix (an evaluation of thousands of photos stays in memory)


class FamiliarityError(ValueError):
    """A familiarity block that is missing pieces, of the wrong shape or not finite."""


@dataclass(frozen=True)
class Familiarity:
    """The examples a model's "unknown" decision measures against (see the module docstring)."""

    reference: FloatArray  # (R, D) float32 rows, user-view features
    owner: IntArray  # (R,) int64: c own example of class c, C + c a starter hand of class c, NONE a hand of no class
    radius: float  # feature units: a hand this near an own example of its class is known
    n_classes: int  # C

    def __post_init__(self) -> None:
        ref, owner, c = self.reference, self.owner, self.n_classes
        if ref.ndim != 2 or ref.dtype != np.float32 or owner.shape != (len(ref),) or owner.dtype != np.int64:
            raise FamiliarityError(f"examples must be (R, D) float32 with (R,) int64 owners, got {ref.shape} "
                                   f"{ref.dtype} and {owner.shape} {owner.dtype}")  # fmt: skip
        if not np.isfinite(ref).all():
            raise FamiliarityError("examples contain NaN or infinity")
        if len(owner) and (owner.min() < NONE or owner.max() >= 2 * c):
            raise FamiliarityError(f"example owners must lie in [{NONE}, {2 * c}) for {c} classes")
        if (owner >= c).any() and not (owner == NONE).any():
            raise FamiliarityError("starter hands of a class need hands of no class to be weighed against")
        if not (np.isfinite(self.radius) and self.radius > 0):
            raise FamiliarityError(f"radius must be positive, got {self.radius}")

    def class_distances(self, features: FloatArray) -> FloatArray:
        """(N, 2C + 1) distances in feature units of each (N, D) feature row: columns [0, C) to the nearest own
        example of each class; [C, 2C) to the nearest of the class's own examples and starter hands (inf for a
        class without starter hands); 2C to the nearest hand of no class (inf without). Inf where nothing is.
        All of them, so a stream can average them over frames as it averages the probabilities."""
        x = np.asarray(features, np.float32).reshape(-1, self.reference.shape[1])
        return np.concatenate([self._chunk(x[i : i + _CHUNK]) for i in range(0, len(x), _CHUNK)] or
                              [np.zeros((0, 2 * self.n_classes + 1), np.float32)])  # fmt: skip

    def _chunk(self, x: FloatArray) -> FloatArray:
        squared = squared_distances(x, self.reference, self._squared_norms)
        nearest = np.full((len(x), len(self.groups)), np.inf, np.float32)  # own per class, starter per class, none
        for column, rows in enumerate(self.groups):
            if len(rows):
                nearest[:, column] = np.sqrt(squared[:, rows].min(axis=1))
        c = self.n_classes
        nearest[:, c : 2 * c] = np.where(self.has_starter, np.minimum(nearest[:, :c], nearest[:, c : 2 * c]), np.inf)
        return nearest

    # Worked out once per model, not per frame: Live calls class_distances on every frame of every stream.
    @functools.cached_property
    def _squared_norms(self) -> FloatArray:
        return (self.reference**2).sum(axis=1)

    @functools.cached_property
    def groups(self) -> list[IntArray]:
        """Rows of each column of ``class_distances``: own examples per class, starter hands per class, none."""
        return [np.flatnonzero(self.owner == code) for code in [*range(2 * self.n_classes), NONE]]

    @functools.cached_property
    def has_own(self) -> npt.NDArray[np.bool_]:
        """(C,) whether each class has examples of the person's own."""
        return np.array([len(rows) > 0 for rows in self.groups[: self.n_classes]], bool)

    @functools.cached_property
    def has_starter(self) -> npt.NDArray[np.bool_]:
        """(C,) whether each class has starter hands (and so is weighed against the hands of no class)."""
        return np.array([len(rows) > 0 for rows in self.groups[self.n_classes : 2 * self.n_classes]], bool)

    def answer(
        self, probabilities: FloatArray, ratios: FloatArray, threshold: float
    ) -> tuple[IntArray, npt.NDArray[np.bool_]]:
        """((N,) the class each row answers, (N,) whether it is known) for (N, C) probabilities and their
        (N, 2C + 1) ratios (as ``known``): the class of the nearest own example where one lies within the radius
        (and, for a starter gesture, no hand of no class lies nearer: ``among_own``), known; elsewhere the top
        class, known by ``known``. Ties go to the lower class index (as the ONNX graph)."""
        nearest = self.nearest_own(ratios)
        index = np.where(self.among_own(ratios, nearest), nearest, probabilities.argmax(axis=1))
        return index.astype(np.int64), self.known(probabilities, ratios, threshold)

    def nearest_own(self, ratios: FloatArray) -> IntArray:
        """(N,) the class of each row's nearest own example (the first on a tie, as the ONNX graph)."""
        own = ratios[:, : self.n_classes]
        return own.argmin(axis=1) if own.shape[1] else np.zeros(len(own), np.int64)

    def among_own(self, ratios: FloatArray, index: IntArray) -> npt.NDArray[np.bool_]:
        """(N,) whether each row of (N, 2C + 1) ratios lies within the radius of an own example of class
        ``index[i]`` and, for a starter gesture, no hand of no class lies clearly nearer (``UNTAUGHT_NEARER``; the
        person's own hands decide there). A gesture of the person's own (not a starter gesture) may look like one of the
        starter's signs of no class (p03's peace lay 0.6 radii from them, 0.7 from his examples): the signs of
        no class weigh only against the starter gestures, which the starter set tells apart from them."""
        own = ratios[np.arange(len(index)), index]
        return (own <= 1.0) & ((own < UNTAUGHT_NEARER * ratios[:, 2 * self.n_classes]) | ~self.has_starter[index])

    def known(self, probabilities: FloatArray, ratios: FloatArray, threshold: float) -> npt.NDArray[np.bool_]:
        """(N,) the decision for (N, C) probabilities and their (N, 2C + 1) ``class_distances`` divided by
        ``radius × tolerance`` (see the module docstring). A class with no example of its own (a starter
        gesture kept without samples) is judged as a model without examples is: its probability ≥ ``threshold``."""
        best = probabilities.argmax(axis=1)
        near = self.among_own(ratios, self.nearest_own(ratios))  # among the own examples of some class
        alone = ~self.has_own[best] & (probabilities.max(axis=1) >= threshold)
        return near | self.nearer_to_class(ratios, best) | alone

    def nearer_to_class(self, ratios: FloatArray, index: IntArray) -> npt.NDArray[np.bool_]:
        """(N,) whether each row of (N, 2C + 1) ratios lies nearer to class ``index[i]`` (its own examples or
        starter hands) than to every hand of no class; False for a class without starter hands (inf < inf)."""
        c = self.n_classes
        return ratios[np.arange(len(index)), c + index] < ratios[:, 2 * c]

    def as_json(self) -> dict[str, object]:
        starter, none = int((self.owner >= self.n_classes).sum()), int((self.owner == NONE).sum())
        return {"radius": self.radius, "rows": len(self.reference), "starter_rows": starter, "none_rows": none}

    @classmethod
    def from_parts(cls, description: object, reference: object, owner: object, n_classes: int,
                   n_features: int) -> Familiarity:  # fmt: skip
        """Rebuild from ``model.json``'s block and the two tensors; ``FamiliarityError`` names what is wrong.
        (A block written before the starter hands, with 'confident' and 'starter', loads with own examples.)"""
        if not isinstance(description, Mapping):
            raise FamiliarityError(f"'familiarity' must be an object, got {type(description).__name__}")
        radius = description.get("radius")
        if type(radius) not in (int, float):
            raise FamiliarityError("'familiarity' needs a number 'radius'")
        ref, own = np.asarray(reference), np.asarray(owner)
        if ref.shape[1:] != (n_features,) or ref.shape[0] != description.get("rows"):
            raise FamiliarityError(f"examples are {ref.shape}, the model needs ({description.get('rows')}, "
                                   f"{n_features})")  # fmt: skip
        return cls(ref.astype(np.float32, copy=False), own.astype(np.int64, copy=False), float(radius), n_classes)


@dataclass(frozen=True)
class StarterHands:
    """The starter set's hands a training may keep as examples: (S, D) user-view features and their (S,) labels
    (a starter gesture's name, or another label for a sign of no class), rows the person's own hand overrides
    already left out (``core.starter.claims``)."""

    x: FloatArray
    labels: npt.NDArray[np.str_]


def fit_familiarity(
    x: FloatArray,
    y: Sequence[str],
    classes: Sequence[str],
    mirror_map: Mapping[str, str] | None,
    config: FeatureConfig,
    aug: AugmentConfig,
    no_copies_from: Sequence[str] = (),
    seed: int = 0,
    starter: StarterHands | None = None,
) -> Familiarity:
    """Examples from (N, D) own samples ``x`` labelled ``y``: each sample, ``COPIES`` augmented copies, and their
    mirrored copies labelled by ``mirror_map`` (None: no mirroring) except those of ``no_copies_from`` (classes
    whose mirror image is another of the person's classes); at most ``MAX_ROWS``, every class keeping its share.
    With ``starter``: up to ``STARTER_PER_CLASS`` of its hands of each class with own samples, and ``NONE_ROWS``
    of its hands of no class (labels not among ``classes``)."""
    rng = np.random.default_rng(seed)
    rows, owner = _own_examples(x, y, classes, mirror_map, config, aug, no_copies_from, rng)
    if starter is not None:
        extra, extra_owner = _starter_examples(starter, classes, set(owner.tolist()), rng)
        rows, owner = np.concatenate([rows, extra]), np.concatenate([owner, extra_owner])
    radius = RADIUS_DEPTH if config.use_depth else RADIUS_FLAT
    return Familiarity(np.ascontiguousarray(rows, np.float32), owner, radius, len(classes))


def _own_examples(
    x: FloatArray, y: Sequence[str], classes: Sequence[str], mirror_map: Mapping[str, str] | None,
    config: FeatureConfig, aug: AugmentConfig, no_copies_from: Sequence[str], rng: np.random.Generator,
) -> tuple[FloatArray, IntArray]:  # fmt: skip
    """(rows, owners) of the person's own examples (see ``fit_familiarity``)."""
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
    return rows.reshape(-1, config.size), owner


def _starter_examples(
    starter: StarterHands, classes: Sequence[str], owned: set[int], rng: np.random.Generator
) -> tuple[FloatArray, IntArray]:
    """(rows, owners) of the starter hands kept: of each class with own examples, and of no class. None of either
    when the starter set has no hand of no class left (nothing to weigh a class's hands against)."""
    labels = np.asarray(starter.labels, dtype=str)
    none = _some(np.flatnonzero(~np.isin(labels, list(classes))), NONE_ROWS, rng)
    if not len(none):
        return np.zeros((0, starter.x.shape[1]), np.float32), np.zeros(0, np.int64)
    picked = [_some(np.flatnonzero(labels == name), STARTER_PER_CLASS, rng) if c in owned else np.zeros(0, np.int64)
              for c, name in enumerate(classes)]  # fmt: skip
    owner = np.concatenate([np.full(len(p), len(classes) + c, np.int64) for c, p in enumerate(picked)]
                           + [np.full(len(none), NONE, np.int64)])  # fmt: skip
    return np.asarray(starter.x, np.float32)[np.concatenate([*picked, none])], owner


def _some(rows: IntArray, n: int, rng: np.random.Generator) -> IntArray:
    """At most ``n`` of ``rows``, drawn at random, in their order."""
    return np.sort(rng.choice(rows, n, replace=False)) if len(rows) > n else rows

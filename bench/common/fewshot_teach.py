"""The ways ``bench/people/fewshot.py`` teaches a person: each takes a ``Lesson`` and answers its test frames.

A method returns (label shown, most probable class, label Live shows) per test frame; ``None`` for a
frame it cannot answer (the starter alone on a person's own, non-starter classes: left out of its score).
Live shows a hand's class probabilities averaged over its last ``STREAM_SMOOTHING_FRAMES`` frames
(``core.gestures.pipeline``); a gesture's later frames are one run of a hand, so they average within it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from bench.common.shared_sets import REPO
from core.gestures.catalog import DEFAULT_CLASSES
from core.gestures.classifier import GestureClassifier
from core.gestures.features import AugmentConfig, FeatureConfig
from core.gestures.pipeline import STREAM_SMOOTHING_FRAMES
from core.gestures.training import TrainConfig, train_classifier
from core.starter import StarterOptions, load_starter_model, load_starter_set, restrict_classes, train_with_starter
from core.starter.dataset import StarterSet
from core.types import UNKNOWN_LABEL, FloatArray

STARTER_NAMES = [c.name for c in DEFAULT_CLASSES]
MIRRORS = {c.name: c.mirror_partner for c in DEFAULT_CLASSES}
HELD_OUT_STARTER_MODEL = REPO / "data" / "cache" / "fewshot_starter_without_hagrid_people"
CONFIG = FeatureConfig(use_depth=True)  # a project recorded from a camera or photos has depth


@dataclass(frozen=True)
class Lesson:
    """One person: (n, D) teaching features with labels, (m, D) test features with labels, their source."""

    teach_x: FloatArray
    teach_y: list[str]
    test_x: FloatArray
    test_y: list[str]
    source: str
    others_x: FloatArray  # (o, D) other people's gestures this person did not teach: should be "unknown"
    config: FeatureConfig = CONFIG  # the features' config: D = config.size

    @property
    def classes(self) -> list[str]:
        """The taught classes in project order: starter gestures first (as a new project lists them), then own."""
        taught = set(self.teach_y)
        return [c for c in STARTER_NAMES if c in taught] + sorted(taught - set(STARTER_NAMES))

    def mirror_map(self, classes: list[str]) -> dict[str, str]:
        return {c: MIRRORS.get(c, c) for c in classes}


# (label shown, most probable class, label Live shows) per test frame, and the share of others_x given a class
# (None: not measured)
Labels = list[str | None]
Answers = tuple[Labels, Labels, Labels, float | None]
Method = Callable[[Lesson, int], Answers]


@functools.cache
def starter_set(source: str) -> StarterSet:
    """The shipped starter set; for HaGRID users, without its ``hagrid_people`` rows (their own photos)."""
    full = load_starter_set()
    if source != "hagrid_recorded":
        return full
    return full.subset(np.array([not s.startswith("hagrid_people") for s in full.sources]))


@functools.cache
def starter_model(source: str) -> GestureClassifier:
    """The shipped starter model; for HaGRID users one rebuilt without their photos (cached on disk)."""
    shipped = load_starter_model()
    if source != "hagrid_recorded":
        return shipped
    try:
        return GestureClassifier.load(HELD_OUT_STARTER_MODEL)
    except (OSError, ValueError):
        from core.starter.model import fit_starter

        model = fit_starter(starter_set(source)).classifier
        model.threshold = shipped.threshold
        model.save(HELD_OUT_STARTER_MODEL)
        return model


def answers(model: GestureClassifier, lesson: Lesson, two_d: bool = False) -> Answers:
    two_d = two_d and lesson.config.use_depth  # the starter reads 2D features; drop z where the lesson has it
    test_x, others_x = (_xy(lesson.test_x), _xy(lesson.others_x)) if two_d else (lesson.test_x, lesson.others_x)
    probabilities, distances = model.predict_proba(test_x), model.class_distances(test_x)
    shown = _labels(model, probabilities, distances)
    averaged = None if distances is None else live_average(distances, lesson.test_y)
    live = _labels(model, live_average(probabilities, lesson.test_y), averaged)
    accepted = np.mean([p.label != UNKNOWN_LABEL for p in model.predict(others_x)]) if len(others_x) else None
    return shown, [model.classes[i] for i in probabilities.argmax(axis=1)], live, accepted  # type: ignore[return-value]


def _labels(model: GestureClassifier, probabilities: FloatArray, distances: FloatArray | None) -> Labels:
    """The label each row of (m, C) probabilities and its (m, 2C + 1) distances (None: a model without examples)
    shows, by the app's one decision (``GestureClassifier.decide``)."""
    return [p.label for p in model.decide(probabilities, distances)]


def live_average(values: FloatArray, labels: Sequence[str]) -> FloatArray:
    """(m, C) each row averaged with the rows before it in its gesture's run, ``STREAM_SMOOTHING_FRAMES`` in all:
    what ``core.gestures.pipeline.Pipeline`` gives a hand it follows, for probabilities and distances alike."""
    out = np.empty_like(values)
    start = 0
    for i, label in enumerate(labels):
        if i and label != labels[i - 1]:
            start = i
        out[i] = values[max(start, i - STREAM_SMOOTHING_FRAMES + 1) : i + 1].mean(axis=0)
    return out


def _xy(x: FloatArray) -> FloatArray:
    return x.reshape(len(x), -1, 3)[:, :, :2].reshape(len(x), -1)


def starter_alone(lesson: Lesson, seed: int) -> Answers:
    known = [c for c in lesson.classes if c in STARTER_NAMES]
    if len(known) < 2:
        return [None] * len(lesson.test_y), [None] * len(lesson.test_y), [None] * len(lesson.test_y), None
    model = restrict_classes(starter_model(lesson.source), known)
    shown, argmax, live, accepted = answers(model, lesson, two_d=True)
    keep = [y in known for y in lesson.test_y]
    return (*(_only(labels, keep) for labels in (shown, argmax, live)), accepted)


def _only(labels: Labels, keep: list[bool] | np.ndarray) -> Labels:
    """``labels`` with the frames not kept answered ``None`` (left out of the score)."""
    return [label if k else None for label, k in zip(labels, keep, strict=True)]


def with_starter(lesson: Lesson, seed: int, all_defaults: bool = False, options: StarterOptions | None = None,
                 config: TrainConfig | None = None) -> Answers:  # fmt: skip
    """``train_with_starter`` as ``train`` runs it; ``all_defaults``: the project also lists the eight
    default gestures, recorded or not (a new project before the taught-only rule)."""
    classes = lesson.classes
    if all_defaults:
        classes = STARTER_NAMES + [c for c in classes if c not in STARTER_NAMES]
    options = replace(options or StarterOptions(), min_samples_per_class=1)
    config = replace(config or TrainConfig(), seed=seed)
    result = train_with_starter(lesson.teach_x, lesson.teach_y, classes, lesson.mirror_map(classes), lesson.config,
                                starter_set(lesson.source), config, options)  # fmt: skip
    return answers(result.classifier, lesson)


def no_starter(lesson: Lesson, seed: int, config: TrainConfig | None = None) -> Answers:
    classes = lesson.classes
    config = replace(config or TrainConfig(), seed=seed, min_samples_per_class=2)
    result = train_classifier(
        lesson.teach_x, lesson.teach_y, classes, lesson.mirror_map(classes), lesson.config, config
    )
    return answers(result.classifier, lesson)


WATCH = 5  # later frames of each gesture the user watches on Live before fixing what came out wrong


def _watch_window(lesson: Lesson) -> np.ndarray:
    """(m,) bool: the first ``WATCH`` test frames of each gesture (its later frames, in recording order)."""
    y = np.array(lesson.test_y)
    window = np.zeros(len(y), bool)
    for label in dict.fromkeys(lesson.test_y):
        window[np.flatnonzero(y == label)[:WATCH]] = True
    return window


def watched(lesson: Lesson, seed: int, fix: bool = False) -> Answers:
    """Live's "Teach it here" (``ui.live.live_fix``): the user watches the first ``WATCH`` later frames of each
    gesture; with ``fix``, every gesture with a wrong answer among them gets those frames as a take, and
    the project is trained again. Both score only the frames after the window (window frames: None)."""
    window = _watch_window(lesson)
    y = np.array(lesson.test_y)
    shown, argmax, live, accepted = with_starter(lesson, seed)
    wrong = sorted({label for label, answer, w in zip(y, live, window, strict=True) if w and answer != label})
    if fix and wrong:  # no wrong answer in the window: no take, the same model
        take = window & np.isin(y, wrong)
        lesson = replace(lesson, teach_x=np.concatenate([lesson.teach_x, lesson.test_x[take]]),
                         teach_y=lesson.teach_y + list(y[take]))  # fmt: skip
        shown, argmax, live, accepted = with_starter(lesson, seed)
    return (*(_only(labels, ~window) for labels in (shown, argmax, live)), accepted)


# What `train` did before this benchmark: the eight default gestures always listed, user samples weighing 4
# starter rows, "unknown" rows 0.5, no claims, no coverage, ±15° and no turn.
BEFORE_OPTIONS = StarterOptions(user_weight=4.0, rejection_weight=0.5, claim_share=1.0, coverage_copies=0)
BEFORE_CONFIG = TrainConfig(aug=AugmentConfig())
METHODS: dict[str, Method] = {
    "starter-alone": starter_alone,
    "before": functools.partial(with_starter, all_defaults=True, options=BEFORE_OPTIONS, config=BEFORE_CONFIG),
    "before-no-starter": functools.partial(no_starter, config=BEFORE_CONFIG),
    "defaults": with_starter,
    "no-starter": no_starter,
    # each trial is the defaults with one thing changed
    "all-eight-listed": functools.partial(with_starter, all_defaults=True),
    "no-claims": functools.partial(with_starter, options=StarterOptions(claim_share=1.0)),
    "claims-on-samples": functools.partial(with_starter, options=StarterOptions(coverage_copies=0)),
    "weights-4-0.5": functools.partial(with_starter, options=StarterOptions(user_weight=4.0, rejection_weight=0.5)),
    "augment-15-no-turn": functools.partial(with_starter, config=BEFORE_CONFIG),
    "augment-30-no-turn": functools.partial(with_starter, config=TrainConfig(aug=AugmentConfig(max_rotation_deg=30))),
    "threshold-0.5": functools.partial(with_starter, config=TrainConfig(threshold=0.5)),
    "unknown-weight-0.1": functools.partial(with_starter, options=StarterOptions(rejection_weight=0.1)),
    "augment-40-turn-40": functools.partial(
        with_starter, config=TrainConfig(aug=AugmentConfig(max_rotation_deg=40, max_turn_deg=40))
    ),
    "claim-radius-1.3": functools.partial(with_starter, options=StarterOptions(claim_radius=1.3)),
    "mirror-weight-0.5": functools.partial(with_starter, config=TrainConfig(mirror_weight=0.5)),
    "mirror-weight-0.1": functools.partial(with_starter, config=TrainConfig(mirror_weight=0.1)),
    "mirror-weight-0.2": functools.partial(with_starter, config=TrainConfig(mirror_weight=0.2)),
    "mirror-weight-1": functools.partial(with_starter, config=TrainConfig(mirror_weight=1.0)),
    # sessions 18-20's defaults: every mirrored copy at 0.3, not only those of classes whose mirror image argues
    "mirror-weight-flat": functools.partial(with_starter, config=TrainConfig(mirror_weight_per_class=False)),
    "no-mirror": functools.partial(with_starter, config=TrainConfig(mirror=False)),
    # the same network decided without the person's examples (the threshold and the starter's class of no sign, as
    # before the examples answered "unknown"): what the open-set rule costs these people's later frames
    "no-familiarity": functools.partial(with_starter, config=TrainConfig(familiarity=False)),
    # Live's "Teach it here": scored after each gesture's first WATCH later frames, without and with one fix
    "watched": watched,
    "watched-fixed": functools.partial(watched, fix=True),
}

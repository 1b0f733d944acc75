"""Lessons of some of a person's gestures, the others shown: ``bench/people/openset.py --taught N``.

A student teaches ``N`` of their gestures (every choice of ``N`` of them in turn), from the first ``k`` frames of
each gesture's first block (every ``every``-th, as Record spreads a take's samples), with the app's training
(``core.starter.train_with_starter`` with the app's defaults, as ``core.data.project.train_project`` runs it), then
shows every gesture's later block to Live (probabilities and distances averaged over a hand's last frames, then
``model.decide``, then the card's word, ``core.gestures.sureness``). Per look:

* a **taught** gesture's look is right when Live names that gesture (``unknown`` is wrong);
* an **untaught** gesture's look is **accepted** when Live names any gesture;
* a **Very sure** card is **wrong** when it names a gesture the hand is not (an untaught look, or another gesture).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from bench.common.fewshot_teach import Lesson, live_average, starter_set
from core.gestures.classifier import GestureClassifier
from core.gestures.features import FeatureConfig
from core.gestures.sureness import Sureness, sureness
from core.gestures.training import TrainConfig
from core.starter import train_with_starter
from core.types import UNKNOWN_LABEL, FloatArray


class Blocks(Protocol):
    """One gesture of a person (``bench.people.openset.Gesture``): its first block (n, D) to teach from and its
    later block (m, D) to show."""

    label: str
    first: FloatArray
    later: FloatArray


def lessons(gestures: Sequence[Blocks], taught: int, k: int, every: int, config: FeatureConfig,
            source: str) -> Iterator[tuple[tuple[str, ...], Lesson]]:  # fmt: skip
    """Every choice of ``taught`` of the person's gestures: (the taught names, the lesson) with every gesture's later
    block to show, the untaught ones included."""
    test_x = np.concatenate([g.later for g in gestures])
    test_y = [g.label for g in gestures for _ in range(len(g.later))]
    for chosen in itertools.combinations(gestures, taught):
        rows = [first_frames(g.first, k, every) for g in chosen]
        teach_y = [g.label for g, r in zip(chosen, rows, strict=True) for _ in range(len(r))]
        empty = np.zeros((0, config.size), np.float32)
        yield tuple(g.label for g in chosen), Lesson(np.concatenate(rows), teach_y, test_x, test_y, source, empty,
                                                     config)  # fmt: skip


def first_frames(first: FloatArray, k: int, every: int = 1) -> FloatArray:
    """The first ``k`` of a first block, every ``every``-th (the step shrinking where ``k`` would not fit)."""
    step = max(1, min(every, len(first) // k))
    return first[::step][:k]


def train_as_the_app(lesson: Lesson, seed: int) -> GestureClassifier:
    """The model Train makes of the lesson's samples: the starter set added, the app's defaults."""
    classes = lesson.classes
    result = train_with_starter(lesson.teach_x, lesson.teach_y, classes, lesson.mirror_map(classes), lesson.config,
                                starter_set(lesson.source), TrainConfig(seed=seed))  # fmt: skip
    return result.classifier


@dataclass
class Looks:
    """Live's answers to one lesson's looks (a look: one later frame, averaged with the frames before it)."""

    taught: np.ndarray  # (m,) bool: the look shows a taught gesture
    right: np.ndarray  # (m,) bool: Live named the gesture shown
    accepted: np.ndarray  # (m,) bool: Live named some gesture
    very_sure: np.ndarray  # (m,) bool: the card said "Very sure"


def looks(model: GestureClassifier, lesson: Lesson, taught: tuple[str, ...]) -> Looks:
    """Live's answer and card word for every look of the lesson."""
    y = np.array(lesson.test_y)
    p = live_average(model.predict_proba(lesson.test_x), lesson.test_y)
    distances = model.class_distances(lesson.test_x)
    distances = None if distances is None else live_average(distances, lesson.test_y)
    answers = model.decide(p, distances)
    labels = np.array([a.label for a in answers])
    words = np.array([sureness(a) is Sureness.VERY_SURE for a in answers])
    return Looks(np.isin(y, taught), labels == y, labels != UNKNOWN_LABEL, words)


@dataclass
class PersonLooks:
    """Every look of one person over every lesson."""

    parts: list[Looks] = field(default_factory=list)

    def joined(self) -> Looks:
        return Looks(*(np.concatenate([getattr(p, name) for p in self.parts]) for name in Looks.__dataclass_fields__))


def figures(per_person: dict[str, PersonLooks]) -> dict[str, object]:
    """The JSON's figures: untaught looks accepted (pooled), the worst person's taught accuracy, the share of
    "Very sure" cards naming a wrong gesture (pooled), and each person's."""
    people = {person: looks.joined() for person, looks in per_person.items()}
    everyone = PersonLooks(list(people.values())).joined()
    taught_share = {p: _share(lk.right[lk.taught]) for p, lk in people.items()}
    worst = min(taught_share, key=lambda p: (taught_share[p], p))
    very_sure = everyone.very_sure
    return {
        "untaught_accepted": _share(everyone.accepted[~everyone.taught]),
        "taught_accuracy_worst": taught_share[worst],
        "taught_accuracy_worst_person": worst,
        "taught_accuracy_pooled": _share(everyone.right[everyone.taught]),
        "very_sure_wrong": _share(~everyone.right[very_sure]),
        "very_sure_cards": int(very_sure.sum()),
        "very_sure_of_taught_right": _share(very_sure[everyone.taught & everyone.right]),
        "looks": int(len(everyone.taught)),
        "per_person": {p: {"taught": taught_share[p], "untaught_accepted": _share(lk.accepted[~lk.taught]),
                           "very_sure_wrong": _share(~lk.right[lk.very_sure]), "very_sure": int(lk.very_sure.sum())}
                       for p, lk in people.items()},
    }  # fmt: skip


def _share(mask: np.ndarray) -> float | None:
    return round(float(mask.mean()), 4) if len(mask) else None


def table(k: int, taught: int, result: dict[str, object]) -> list[str]:
    """A person a row (worst taught first), then the pooled line."""
    rows = result["per_person"]
    assert isinstance(rows, dict)
    width = max(len(p) for p in rows) + 2
    lines = [f"k = {k}, {taught} gestures taught: taught = taught gestures' later looks named right; untaught = "
             "the others' looks given a gesture; very sure wrong = 'Very sure' cards naming a wrong gesture",
             f"{'person':{width}s}{'taught':>9s}{'untaught':>10s}{'very sure wrong':>17s}{'very sure':>11s}"]  # fmt: skip
    for person, r in sorted(rows.items(), key=lambda kv: (kv[1]["taught"], kv[0])):
        lines.append(f"{person:{width}s}{_cell(r['taught']):>9s}{_cell(r['untaught_accepted']):>10s}"
                     f"{_cell(r['very_sure_wrong']):>17s}{r['very_sure']:>11d}")  # fmt: skip
    lines.append(f"{'pooled':{width}s}{_cell(result['taught_accuracy_pooled']):>9s}"
                 f"{_cell(result['untaught_accepted']):>10s}{_cell(result['very_sure_wrong']):>17s}"
                 f"{result['very_sure_cards']:>11d}")  # fmt: skip
    lines.append(f"worst taught: {_cell(result['taught_accuracy_worst'])} ({result['taught_accuracy_worst_person']})")
    return lines


def _cell(value: object) -> str:
    return "-" if value is None else f"{value:.3f}"

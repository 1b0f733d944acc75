"""What the Train page shows of a training, kept with the model it describes so that it shows again.

``Tally``: the answers given to some samples, as counts by (true gesture, answer). The headline, the
per-gesture table and the confusion matrix all read one ``Tally``: they are on the same samples, in one order
(a matrix of 12 held-out samples stood beside a headline of all 60, and the table listed the gestures in
another order than the matrix). ``TrainReport``: a training's tally, how it was measured, its times and the
samples it got wrong; ``report_metadata``/``saved_report`` keep it in the saved model's metadata under
``REPORT_KEY``, so a model saved since (Live's *Teach it here*, the command line) never shows an older one's.

Light (numpy only): the pages read it from ``model.json`` without loading the model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from core.gestures.figure import Figure, wilson
from core.types import UNKNOWN_LABEL

REPORT_KEY = "train_report"  # the model metadata entry: TrainReport.to_metadata()
MAX_WRONG_KEPT = 500  # the samples to fix kept with the model: model.json is read on every page


@dataclass(frozen=True)
class Tally:
    """Counts of answers by true gesture: ``counts[i, j]`` samples of ``classes[i]`` were answered ``classes[j]``.

    ``classes``: the project's gestures in its own order, then any other answer given ("unknown" last).
    """

    classes: list[str]
    counts: npt.NDArray[np.int64]  # (C, C), rows true, columns answered

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    @property
    def correct(self) -> int:
        return int(np.trace(self.counts))

    @property
    def figure(self) -> Figure:
        return wilson(self.correct, self.total)

    def per_class(self) -> dict[str, Figure]:
        """Each gesture with samples, in ``classes`` order: its samples answered with its own name."""
        rows = self.counts.sum(axis=1)
        return {c: wilson(int(self.counts[i, i]), int(rows[i])) for i, c in enumerate(self.classes) if rows[i]}

    def answers(self) -> tuple[list[str], list[str]]:
        """(true gesture, answer) of every sample counted, grouped by true gesture in ``classes`` order."""
        labels: list[str] = []
        answers: list[str] = []
        for i, j in zip(*np.nonzero(self.counts), strict=True):
            n = int(self.counts[i, j])
            labels += [self.classes[i]] * n
            answers += [self.classes[j]] * n
        return labels, answers


def _names(order: Sequence[str], seen: Sequence[str]) -> list[str]:
    """``order``, then the names of ``seen`` it lacks in first-seen order, "unknown" last."""
    extra = [n for n in dict.fromkeys(seen) if n not in order and n != UNKNOWN_LABEL]
    return [*dict.fromkeys(order), *extra, *([UNKNOWN_LABEL] if UNKNOWN_LABEL in seen else [])]


def tally_answers(labels: Sequence[str], answers: Sequence[str], order: Sequence[str]) -> Tally:
    """The ``Tally`` of ``answers[i]`` given to a sample of ``labels[i]``; ``order``: the project's gestures."""
    if len(labels) != len(answers):
        raise ValueError(f"got {len(labels)} labels but {len(answers)} answers")
    names = _names([n for n in order if n in set(labels) | set(answers)], [*labels, *answers])
    index = {n: i for i, n in enumerate(names)}
    counts = np.zeros((len(names), len(names)), np.int64)
    np.add.at(counts, ([index[t] for t in labels], [index[a] for a in answers]), 1)
    return Tally(names, counts)


def tally_matrix(classes: Sequence[str], confusion: npt.ArrayLike, order: Sequence[str]) -> Tally:
    """A (C, C) confusion matrix over ``classes`` (rows true) as a ``Tally`` in the project's ``order``,
    keeping only the classes with samples or answers."""
    confusion = np.asarray(confusion, np.int64)
    used = [c for i, c in enumerate(classes) if confusion[i].sum() or confusion[:, i].sum()]
    names = _names([n for n in order if n in used], used)
    at = [list(classes).index(n) for n in names]
    return Tally(names, confusion[np.ix_(at, at)])


@dataclass(frozen=True)
class TrainReport:
    """The Train page's results of one training: one figure on one set of samples, and how long it all took."""

    tally: Tally  # the headline's samples: every sample (k-fold, ``folds`` > 0) or the held-out ones (0)
    folds: int
    training_seconds: float  # from reading the samples to the model saved: what the teacher waited for
    passes: int  # over the samples
    best_pass: int
    measuring_seconds: float  # the k-fold rounds, after the model was saved; 0 when not measured
    wrong: list[tuple[int, str, str]]  # (sample id, true gesture, answer) of the tally's wrong answers

    def to_metadata(self) -> dict[str, Any]:
        """JSON for the model's metadata: the matrix as its non-zero cells [row, column, count]."""
        rows, columns = np.nonzero(self.tally.counts)
        cells = [[int(i), int(j), int(self.tally.counts[i, j])] for i, j in zip(rows, columns, strict=True)]
        return {"classes": list(self.tally.classes), "cells": cells, "folds": self.folds,
                "training_seconds": round(self.training_seconds, 2), "passes": self.passes,
                "best_pass": self.best_pass, "measuring_seconds": round(self.measuring_seconds, 2),
                "wrong": [list(w) for w in self.wrong[:MAX_WRONG_KEPT]]}  # fmt: skip


def saved_report(metadata: Mapping[str, Any]) -> TrainReport | None:
    """The ``TrainReport`` a saved model's metadata keeps; None without one or when it is not one handteach wrote."""
    kept = metadata.get(REPORT_KEY)
    if not isinstance(kept, dict):
        return None
    try:
        classes = [str(c) for c in kept["classes"]]
        counts = np.zeros((len(classes), len(classes)), np.int64)
        for i, j, n in kept["cells"]:
            if n < 0:
                raise ValueError("a negative count")
            counts[int(i), int(j)] = int(n)
        wrong = [(int(s), str(t), str(a)) for s, t, a in kept["wrong"]]
        return TrainReport(Tally(classes, counts), int(kept["folds"]), float(kept["training_seconds"]),
                           int(kept["passes"]), int(kept["best_pass"]), float(kept["measuring_seconds"]), wrong)  # fmt: skip
    except (KeyError, TypeError, ValueError, IndexError):
        return None

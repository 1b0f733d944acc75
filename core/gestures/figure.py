"""An accuracy figure with its uncertainty, and in plain words: a proportion, its Wilson interval, noise.

Light (no torch, no scikit-learn): the pages read a saved model's figure from its metadata (``summary_figure``)
without loading the model. ``core.gestures.crossval`` measures the figure; ``CROSSVAL_KEY`` is where a saved
model keeps it (``core.data.project_accuracy`` writes it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Z_95 = 1.959964  # the normal quantile of a two-sided 95% interval
CROSSVAL_KEY = "crossval"  # the model metadata entry: correct, total, low, high, folds, seconds


@dataclass(frozen=True)
class Figure:
    """``correct`` of ``total`` answers right, with a 95% Wilson interval [low, high] on the share."""

    correct: int
    total: int
    low: float
    high: float

    @property
    def share(self) -> float:
        return self.correct / self.total if self.total else 0.0


@dataclass(frozen=True)
class CurvePoint:
    """A learning curve's point: each fold model trained on at most ``samples_per_class`` of each gesture
    (``everything``: all its training rows, about that many for the typical gesture)."""

    samples_per_class: int
    figure: Figure
    everything: bool = False


def wilson(correct: int, total: int, z: float = Z_95) -> Figure:
    """``correct`` of ``total`` with its Wilson score interval (right at 0 and n, unlike the normal one)."""
    if not 0 <= correct <= total:
        raise ValueError(f"correct answers must lie between 0 and the total {total}, got {correct}")
    if total == 0:
        return Figure(0, 0, 0.0, 1.0)
    p, z2 = correct / total, z * z
    centre = (p + z2 / (2 * total)) / (1 + z2 / total)
    half = z * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / (1 + z2 / total)
    return Figure(correct, total, max(0.0, centre - half), min(1.0, centre + half))


def within_noise(new: Figure, old: Figure, z: float = Z_95) -> bool:
    """Whether two figures differ by no more than measuring noise: a two-proportion z-test at 95%.

    Treats them as independent samples, which overstates the noise when both were measured on mostly the
    same samples: a change it calls real is real; one it calls noise may be a small real one.
    """
    if not new.total or not old.total:
        return True
    pooled = (new.correct + old.correct) / (new.total + old.total)
    spread = z * math.sqrt(pooled * (1 - pooled) * (1 / new.total + 1 / old.total))
    return abs(new.share - old.share) <= spread


TESTED_WITHOUT = "each one guessed by a copy that learned without it"  # k-fold, in a child's words


def figure_text(figure: Figure, folds: int) -> str:
    """The headline in a child's words: "About 9 in 10 right, measured on all 74 samples, each one guessed by a
    copy that learned without it"; ``folds`` 0: measured some other way (not said here). Its range, a grown-up's
    figure, is ``span_text``'s."""
    if not figure.total:
        return "Not measured: no samples to test."
    tenths = round(figure.share * 10)
    if figure.correct == figure.total:
        said = f"All {figure.total} right"
    elif tenths >= 10:
        said = "Nearly all right"
    elif tenths <= 0:
        said = "Nearly none right"
    else:
        said = f"About {tenths} in 10 right"
    how = f", {TESTED_WITHOUT}" if folds else ""
    every = "all " if folds else ""
    return f"{said}, measured on {every}{figure.total} sample{'s' if figure.total != 1 else ''}{how}."


def span_text(figure: Figure) -> str:
    """ "(between 83% and 96%)": where the true figure lies 95 times in 100."""
    return f"(between {figure.low:.0%} and {figure.high:.0%})"


def change_text(new: Figure, old: Figure | None) -> str:
    """One sentence on the change from the previous model's figure ``old`` ("" without one)."""
    if old is None or not old.total or not new.total:
        return ""
    points = round(100 * (new.share - old.share))
    before = f"the last training measured {old.share:.0%} on {old.total} sample{'s' if old.total != 1 else ''}"
    if points == 0:
        return f"The same as before: {before}."
    if within_noise(new, old):
        return (f"{before[0].upper()}{before[1:]}: a change of {abs(points)} points is within what chance moves a "
                "figure measured on this few samples, so the two trainings may well be equally good.")  # fmt: skip
    way = "better" if points > 0 else "worse"
    return f"{abs(points)} points {way} than before ({before}): more than chance would move it."


def summary_figure(metadata: Mapping[str, Any]) -> tuple[Figure, int] | None:
    """(figure, folds) of a saved model's metadata: its k-fold figure, else its held-out one (folds 0); None
    when it has neither or they are not numbers a handteach wrote."""
    cv = metadata.get(CROSSVAL_KEY)
    if isinstance(cv, dict):
        correct, total, folds = cv.get("correct"), cv.get("total"), cv.get("folds")
        if all(type(v) is int for v in (correct, total, folds)) and 0 <= correct <= total and total:
            return wilson(correct, total), folds
    accuracy, n_val = metadata.get("val_accuracy"), metadata.get("n_val")
    if type(n_val) is not int or n_val <= 0 or type(accuracy) not in (int, float) or not 0 <= accuracy <= 1:
        return None
    return wilson(round(accuracy * n_val), n_val), 0


def number_list(numbers: list[int]) -> str:
    """ "3, 6 and 12"."""
    said = [str(n) for n in numbers]
    return " and ".join([", ".join(said[:-1]), said[-1]]) if len(said) > 1 else "".join(said)


def curve_plan_text(sizes: list[int], pool: int, recorded: int, folds: int) -> str:
    """What a learning curve will measure, in numbers that are its points: models trained on ``sizes`` then
    ``pool`` samples of each gesture (all a round learns from, of the ``recorded`` of the typical gesture),
    ``folds`` trainings a point. It said "(2, 4, … then all)" above points at 3, 6 and 12."""
    aside = recorded - pool
    return (f"Tests each of your samples with copies that learned from {number_list([*sizes, pool])} samples of each "
            f"gesture, the way the accuracy above is measured: {folds} trainings a point, a few seconds each. "
            f"{pool} is all one training learns from: it keeps {aside} of a gesture's {recorded} samples aside, to "
            "test them.")  # fmt: skip


def curve_text(points: list[CurvePoint]) -> str:
    """What a learning curve shows, in words: whether its last step rose by more than chance."""
    if len(points) < 2:
        return ("Too few samples for a curve: it needs about 5 samples of each gesture per point. Record more, "
                "then measure again.")  # fmt: skip
    before, last = points[-2], points[-1]
    step = (f"from {before.samples_per_class} to {last.samples_per_class} samples of each gesture it went from "
            f"{before.figure.share:.0%} to {last.figure.share:.0%}")  # fmt: skip
    if last.figure.share > before.figure.share and not within_noise(last.figure, before.figure):
        return (f"More samples would help: {step}, more than chance would move it. Record more, and vary them: "
                "turn and tilt your hand, nearer and farther.")  # fmt: skip
    if last.figure.low >= 0.9:
        return f"It has levelled off near the top: {step}. More samples of the same kind add little."
    return (f"It has levelled off: {step}, no more than chance would move it. More of the same samples will add "
            "little: fix the samples it gets wrong, or record the gestures it mixes up in other ways (turned, "
            "tilted, nearer, farther).")  # fmt: skip

"""How sure Live's card says it is of a known hand: "Very sure", "Sure" or "Not so sure" (``ui.live.cards``).

The words are a promise a student reads ("Very sure: it looks just like your examples"), so they are decided here,
where a benchmark (``bench/people/openset.py --taught``) can count how often each one names a wrong gesture.

``card`` is the one decision a card shows: its headline, its word of sureness and its bars together, so that they
cannot say different things. A card that names no gesture, or is not so sure of the one it names, had bars reading
"open palm 98%" under "❔ unknown": the network's probability is sure far from anything taught (the very reason
"unknown" is decided by the examples, ``core.gestures.familiarity``). Its bars say which gestures are closest, in
that order, without a number, and fill at most ``UNSURE_FILL`` of their length.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from core.types import UNKNOWN_LABEL, Prediction

VERY_NEAR = 0.5  # within half the reach of the person's own examples: "very sure"
# ... and every hand of a sign not taught (the starter set's) at least this many times further than those examples:
# a ✋ shown to a project of 👍 👊 👌 lay within half the reach of 👌's examples and was "Very sure" 👌
UNTAUGHT_MARGIN = 2.0
UNSURE_FILL = 0.5  # an unsure card's bars fill at most half their length: none reads as a sure answer
BARS = 3


class Sureness(Enum):
    """What the card says of an answer."""

    UNKNOWN = "unknown"  # no gesture named
    THRESHOLD = "threshold"  # a model without examples: its probability is the number shown
    AGAINST_MODEL = "against model"  # the examples chose a gesture the network alone would not
    VERY_SURE = "very sure"  # the examples and the network agree, and no sign not taught lies anywhere near
    SURE = "sure"
    NOT_SO_SURE = "not so sure"  # beyond the examples' reach, the closest of the taught gestures


def sureness(prediction: Prediction) -> Sureness:
    """The card's word for ``prediction`` (see ``Sureness``)."""
    if prediction.label == UNKNOWN_LABEL:
        return Sureness.UNKNOWN
    if prediction.distance is None:
        return Sureness.THRESHOLD
    if not prediction.by_examples:
        return Sureness.NOT_SO_SURE
    top = prediction.top(1)[0][0] if prediction.probabilities else prediction.label
    if top != prediction.label:  # "Very sure" over bars led by another gesture read as a contradiction
        return Sureness.AGAINST_MODEL
    untaught = prediction.untaught_distance
    apart = untaught is None or untaught >= UNTAUGHT_MARGIN * prediction.distance
    return Sureness.VERY_SURE if prediction.distance <= VERY_NEAR and apart else Sureness.SURE


SURE_WORDS = frozenset({Sureness.THRESHOLD, Sureness.AGAINST_MODEL, Sureness.VERY_SURE, Sureness.SURE})


@dataclass(frozen=True)
class Bar:
    """One bar of a card: a gesture, how full the bar is (0..1) and the percentage written on it (None: no number,
    the bar ranks the closest gestures of an unsure card)."""

    name: str
    fill: float
    percent: float | None
    closest: bool = False  # the first bar of an unsure card: "closest: open palm"; the others "next: fist"

    def text(self, title: str) -> str:
        """The bar's words for the gesture shown as ``title`` ("👍 thumbs up 93%", "closest: ✋ open palm", "next: 👊
        fist"): an unsure card's bars say their order in words, not by their length alone."""
        if self.percent is not None:
            return f"{title} {self.percent:.0%}"
        return f"{'closest' if self.closest else 'next'}: {title}"


@dataclass(frozen=True)
class Card:
    """What a card shows of one answer: the headline (a gesture, or ``UNKNOWN_LABEL``), the word of sureness and the
    bars, all from one ``Prediction``."""

    label: str
    sureness: Sureness
    bars: tuple[Bar, ...]

    @property
    def sure(self) -> bool:
        """Whether the card names a gesture and stands by it: only then do its bars carry numbers."""
        return self.sureness in SURE_WORDS


def card(prediction: Prediction, bars: int = BARS) -> Card:
    """The card for ``prediction``: its label, ``sureness`` and up to ``bars`` bars, best first. A sure card's bars are
    the model's probabilities; an unknown or "Not so sure" card's rank the closest gestures without a number, filled
    in proportion to those probabilities but never beyond ``UNSURE_FILL``."""
    how = sureness(prediction)
    top = prediction.top(bars)
    if how in SURE_WORDS:
        shown = tuple(Bar(name, _unit(p), _unit(p)) for name, p in top)
    else:
        shown = tuple(Bar(name, UNSURE_FILL * _unit(p), None, closest=i == 0) for i, (name, p) in enumerate(top))
    return Card(prediction.label, how, shown)


def _unit(value: float) -> float:
    return min(1.0, max(0.0, float(value)))

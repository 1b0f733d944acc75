"""How sure Live's card says it is of a known hand: "Very sure", "Sure" or "Not so sure" (``ui.live.cards``).

The words are a promise a student reads ("Very sure: it looks just like your examples"), so they are decided here,
where a benchmark (``bench/people/openset.py --taught``) can count how often each one names a wrong gesture.
"""

from __future__ import annotations

from enum import Enum

from core.types import UNKNOWN_LABEL, Prediction

VERY_NEAR = 0.5  # within half the reach of the person's own examples: "very sure"
# ... and every hand of a sign not taught (the starter set's) at least this many times further than those examples:
# a ✋ shown to a project of 👍 👊 👌 lay within half the reach of 👌's examples and was "Very sure" 👌
UNTAUGHT_MARGIN = 2.0


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

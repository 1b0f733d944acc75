"""core.gestures.sureness: the word Live's card says of a known hand ("Very sure", "Sure", "Not so sure")."""

from __future__ import annotations

from core.gestures.sureness import UNTAUGHT_MARGIN, VERY_NEAR, Sureness, sureness
from core.types import Prediction

SHARES = {"open_palm": 0.9, "ok": 0.1}


def test_very_sure_only_where_no_sign_not_taught_lies_near_the_hand() -> None:
    """A ✋ shown to a project that never learnt it lay 0.3 radii from the student's 👌 examples and the card said
    "Very sure: it looks just like your examples": the starter set's ✋ hands (a sign of no class) lay nearby."""
    alone = Prediction("open_palm", 0.9, SHARES, distance=0.3)  # no hands of no class kept (an older tab too)
    apart = Prediction("open_palm", 0.9, SHARES, distance=0.3, untaught_distance=0.3 * UNTAUGHT_MARGIN)
    crowded = Prediction("open_palm", 0.9, SHARES, distance=0.3, untaught_distance=0.45)
    assert [sureness(p) for p in (alone, apart, crowded)] == [Sureness.VERY_SURE, Sureness.VERY_SURE, Sureness.SURE]


def test_the_other_words_are_as_before() -> None:
    assert sureness(Prediction("open_palm", 0.9, SHARES, distance=VERY_NEAR + 0.1)) is Sureness.SURE
    assert sureness(Prediction("open_palm", 0.9, SHARES, distance=1.3)) is Sureness.NOT_SO_SURE
    assert sureness(Prediction("ok", 0.1, SHARES, distance=0.2, untaught_distance=5.0)) is Sureness.AGAINST_MODEL
    assert sureness(Prediction("open_palm", 0.9, SHARES)) is Sureness.THRESHOLD
    assert sureness(Prediction("unknown", 0.9, SHARES, distance=2.0)) is Sureness.UNKNOWN

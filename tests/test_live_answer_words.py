"""Live's answer in words (issue 52): the number on the video, the Labels line and the card is the one that decided.

"unknown 63%" read as "63% sure it is unknown" (the number was the closest gesture's), and "👌 ok 38%" with bars
38 / 34 / 29 looked like a confident answer where the person's own examples had decided it. Both paths draw
``Prediction.short_text`` (``core.viz.draw.label_text``, the tab's ``answerText``) and the card writes
``ui.live.cards.what_decided``.
"""

from __future__ import annotations

from handmaker import make_hand

from core.types import Prediction
from core.viz.draw import label_text
from ui.live.cards import what_decided

SHARES = {"ok": 0.38, "fist": 0.34, "palm": 0.28}


def test_the_confidence_is_the_number_only_where_it_decided() -> None:
    sure = Prediction("ok", 0.93, {"ok": 0.93, "fist": 0.07})  # no examples: the threshold decided
    assert sure.short_text() == "ok 93%" and what_decided(sure, []) == "confidence 93%"


def test_an_answer_the_person_s_examples_decided_says_so_not_38_percent() -> None:
    among = Prediction("ok", 0.38, SHARES, distance=0.4)
    assert among.by_examples and among.short_text() == "ok, like your examples"
    assert what_decided(among, []) == "Very sure: it looks just like your examples"  # one short line (issue 64)
    assert what_decided(Prediction("ok", 0.38, SHARES, distance=0.8), []) == "Sure: it looks like your examples"
    beside_untaught = Prediction("ok", 0.38, SHARES, distance=0.4, untaught_distance=0.5)  # a sign not taught nearby
    assert what_decided(beside_untaught, []) == "Sure: it looks like your examples"
    against = Prediction("ok", 0.37, {"thumbs_up": 0.63, "ok": 0.37}, distance=0.3)  # bars led by another: said
    assert what_decided(against, []) == "It looks like your examples, though without them it would say thumbs up"
    nearer = Prediction("ok", 0.55, SHARES, distance=1.3)  # beyond the examples, nearer ok's hands than untaught signs
    assert nearer.short_text() == "ok, closest sign"
    assert what_decided(nearer, []) == "Not so sure: the closest of your gestures, but not much like your examples"


def test_unknown_has_no_number_of_its_own() -> None:
    unknown = Prediction("unknown", 0.63, SHARES, distance=2.1)
    assert unknown.short_text() == "unknown"
    assert what_decided(unknown, []) == "closest: ok, but 2.1× further from your examples than counts"
    assert label_text(make_hand(), unknown) == "unknown (Right)"  # the server path's video and Labels line alike


def test_a_refused_answer_is_one_plain_line() -> None:
    """Issue 64: "The browser sent an answer the server refused: hands[0].label: 'no_such_gesture' is not a gesture
    of this model" became one line a student reads, without fields or the word "server"."""
    from ui.live.browser_live import refused_line

    odd = refused_line("hands[0].label: 'no_such_gesture' is not a gesture of this model")
    old = refused_line("model_version: the labels came from a model this page no longer runs ('1-abc')", "1-abc",
                       "2026-11-28T10:00:00+00:00")  # fmt: skip
    assert (
        odd
        == "One answer from the camera was left out: it did not fit what Live knows now. The next ones count as usual."
    )
    assert "from before the last training" in old
    assert not any(word in line for line in (odd, old) for word in ("server", "hands[", "label:", "model"))

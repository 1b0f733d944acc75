"""Live's card as one decision (``core.gestures.sureness.card``): its headline, its word and its bars never disagree.

A child read "❔ unknown" above a bar "open palm 98%", and "Not so sure" beside "open palm 100%": the bars were the
network's probabilities whatever the card decided. Now an unknown or "Not so sure" card's bars rank the closest
gestures without a number and fill at most half their length; a sure card's bars keep the model's numbers. The file
results' bars drawn on a picture (``core.viz.draw``) are the card's.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from core.gestures.sureness import SURE_WORDS, UNSURE_FILL, Card, Sureness, card
from core.types import UNKNOWN_LABEL, Prediction
from core.viz.draw import DEFAULT_STYLE, draw_top3
from ui.live.cards import what_decided

PALM = {"open_palm": 0.98, "fist": 0.015, "ok": 0.005}
UNSURE = {
    "unknown, network sure": Prediction(UNKNOWN_LABEL, 0.98, PALM, distance=1.8),
    "unknown like a sign not taught": Prediction(UNKNOWN_LABEL, 1.0, {"open_palm": 1.0, "ok": 0.0}, 1.4, True),
    "unknown under the threshold": Prediction(UNKNOWN_LABEL, 0.55, {"open_palm": 0.55, "ok": 0.45}),
    "not so sure at 100%": Prediction("open_palm", 1.0, {"open_palm": 1.0, "ok": 0.0}, distance=1.3),
}
SURE = {
    "very sure": Prediction("open_palm", 0.98, PALM, distance=0.2),
    "sure": Prediction("open_palm", 0.98, PALM, distance=0.8),
    "threshold": Prediction("open_palm", 0.98, PALM),
    "against the model": Prediction("ok", 0.3, {"open_palm": 0.7, "ok": 0.3}, distance=0.3),
}


def reads_sure(decided: Card, title: str = "x") -> bool:
    """A bar reads as a sure answer when it writes a percentage or fills more than half its length."""
    return any(re.search(r"\d\s*%", bar.text(title)) or bar.fill > UNSURE_FILL for bar in decided.bars)


@pytest.mark.parametrize("prediction", UNSURE.values(), ids=UNSURE.keys())
def test_an_unknown_or_not_so_sure_card_has_no_bar_that_reads_sure(prediction: Prediction) -> None:
    decided = card(prediction)
    assert decided.label == prediction.label and not decided.sure
    assert decided.sureness in (Sureness.UNKNOWN, Sureness.NOT_SO_SURE)
    assert not reads_sure(decided), decided
    # the bars still say which gestures are closest, in the network's order, the first one named so
    assert [b.name for b in decided.bars] == [name for name, _ in prediction.top(3)]
    assert decided.bars[0].text("✋ open palm") == "closest: ✋ open palm"
    assert [b.text("x") for b in decided.bars[1:]] == ["next: x"] * (len(decided.bars) - 1)  # the order in words
    assert [b.fill for b in decided.bars] == sorted((b.fill for b in decided.bars), reverse=True)


@pytest.mark.parametrize("prediction", SURE.values(), ids=SURE.keys())
def test_a_sure_card_keeps_the_model_s_numbers(prediction: Prediction) -> None:
    decided = card(prediction)
    assert decided.sure and decided.sureness in SURE_WORDS
    assert [(b.name, b.fill, b.percent) for b in decided.bars] == [(n, p, p) for n, p in prediction.top(3)]
    assert decided.bars[0].text("✋ open palm") == f"✋ open palm {prediction.top(1)[0][1]:.0%}"


def test_the_words_under_the_headline_come_from_the_same_decision() -> None:
    not_so_sure = UNSURE["not so sure at 100%"]
    assert what_decided(not_so_sure, []).startswith("Not so sure")
    assert what_decided(not_so_sure, [], card(not_so_sure)) == what_decided(not_so_sure, [])
    assert what_decided(UNSURE["unknown, network sure"], []).startswith("closest: open palm")


def test_the_bars_drawn_on_a_picture_are_the_card_s() -> None:
    """Live on a file draws the bars under each hand: under "unknown" a bar 98% long was drawn as on the card."""
    canvas = np.zeros((200, 400, 3), np.uint8)
    drawn = draw_top3(canvas, UNSURE["unknown, network sure"], (0, 0))
    first_row = np.all(drawn[2] == DEFAULT_STYLE.bar_colour, axis=1)  # the bar's colour along the first row's top
    filled = np.flatnonzero(first_row)
    width = round(DEFAULT_STYLE.bar_width * DEFAULT_STYLE.scale(canvas))
    assert len(filled) and filled.max() <= UNSURE_FILL * width + 1, (filled.max(), width)
    sure = draw_top3(canvas, SURE["threshold"], (0, 0))
    assert np.flatnonzero(np.all(sure[2] == DEFAULT_STYLE.bar_colour, axis=1)).max() >= 0.9 * width

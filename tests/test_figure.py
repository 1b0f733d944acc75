"""An accuracy figure: its Wilson interval, its words, whether a change is noise, and a saved model's figure."""

from __future__ import annotations

import pytest

from core.gestures.figure import (
    CROSSVAL_KEY,
    CurvePoint,
    change_text,
    curve_text,
    figure_text,
    span_text,
    summary_figure,
    wilson,
    within_noise,
)


def test_wilson_matches_the_textbook_values() -> None:
    for correct, total, low, high in ((8, 10, 0.4902, 0.9433), (10, 10, 0.7225, 1.0), (0, 10, 0.0, 0.2775)):
        figure = wilson(correct, total)
        assert (round(figure.low, 4), round(figure.high, 4)) == (low, high)
    with pytest.raises(ValueError, match="between 0 and the total 5, got 6"):
        wilson(6, 5)


def test_the_figure_in_plain_words() -> None:
    assert figure_text(wilson(67, 74), 5) == (
        "About 9 in 10 right, measured on all 74 samples, each one guessed by a copy that learned without it."
    )  # its range is a grown-up's figure (issue 70): in the tooltip
    assert span_text(wilson(67, 74)) == "(between 82% and 95%)"
    assert figure_text(wilson(12, 12), 0).startswith("All 12 right, measured on 12 samples.")


def test_a_change_within_noise_is_said_so() -> None:
    """The issue's case: 92% then 83% on 12 held-out samples is one sample's difference."""
    before, after = wilson(11, 12), wilson(10, 12)
    assert within_noise(after, before)
    text = change_text(after, before)
    assert "8 points is within what chance moves" in text and "last training measured 92% on 12 samples" in text
    assert not within_noise(wilson(75, 80), wilson(40, 80))
    assert change_text(wilson(75, 80), wilson(40, 80)).startswith("44 points better than before")
    assert change_text(wilson(10, 12), None) == ""
    assert change_text(wilson(10, 12), wilson(10, 12)).startswith("The same as before")


def test_a_saved_figure_is_read_trusting_nothing() -> None:
    assert summary_figure({"val_accuracy": 0.5, "n_val": 4}) == (wilson(2, 4), 0)
    assert summary_figure({CROSSVAL_KEY: {"correct": 9, "total": 10, "folds": 5}}) == (wilson(9, 10), 5)
    assert summary_figure({CROSSVAL_KEY: {"correct": 11, "total": 10, "folds": 5}}) is None
    assert summary_figure({CROSSVAL_KEY: "x", "val_accuracy": "high", "n_val": 3}) is None
    assert summary_figure({}) is None


def test_the_pages_read_it_without_torch() -> None:
    """The sidebar and Home word a saved model's figure on every page run: no torch or scikit-learn for it."""
    import subprocess
    import sys

    code = "import sys, core.gestures.figure; print(sorted({'torch', 'sklearn'} & set(sys.modules)))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"


def test_the_curve_says_what_it_shows() -> None:
    """#45 item 4: the curve says in words whether more samples would help or it has levelled off."""
    rising = [CurvePoint(2, wilson(30, 80)), CurvePoint(4, wilson(50, 80)), CurvePoint(8, wilson(72, 80), True)]
    assert curve_text(rising).startswith(
        "More samples would help: from 4 to 8 samples of each gesture it went from 62% to 90%, more than chance"
    )  # #52 item 8: the numbers of the points, not "all" (the last point is 8: all a training learns from)
    flat = [CurvePoint(2, wilson(60, 80)), CurvePoint(4, wilson(64, 80))]
    assert curve_text(flat).startswith(
        "It has levelled off: from 2 to 4 samples of each gesture it went from 75% to 80%"
    )
    top = [CurvePoint(2, wilson(78, 80)), CurvePoint(4, wilson(80, 80), True)]
    assert curve_text(top).startswith("It has levelled off near the top")
    assert curve_text(top[:1]).startswith("Too few samples for a curve")


def test_the_curve_plan_names_its_points_and_what_all_is() -> None:
    """#52 item 8: "(2, 4, … then all)" stood over points at 3, 6 and 12 with 15 recorded a gesture."""
    from core.gestures.crossval import curve_sizes, typical_pool, typical_samples
    from core.gestures.figure import curve_plan_text

    labels = ["a"] * 15 + ["b"] * 15 + ["c"] * 15
    sizes, pool = curve_sizes(labels, 5), typical_pool(labels, 5)
    assert (sizes, pool, typical_samples(labels)) == ([3, 6], 12, 15)
    text = curve_plan_text(sizes, pool, typical_samples(labels), 5)
    assert "learned from 3, 6 and 12 samples of each gesture" in text and "2, 4" not in text
    assert "12 is all one training learns from: it keeps 3 of a gesture's 15 samples aside, to test them." in text

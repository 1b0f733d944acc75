"""Train's "How “unknown” treats each gesture" (ui/train/kept_panel.py, #44 item 4): per gesture, its samples the
rule keeps and those it takes for another, from the k-fold answers; gestures with too few samples named."""

from __future__ import annotations

from pathlib import Path

import pytest
from handmaker import pointing_hand
from storemaker import handmade_project
from test_app_pages import app, button, texts

from core.data.store import Store
from core.gestures.kept import kept_by_gesture, kept_text

pytestmark = pytest.mark.slow  # Train under AppTest


def _project(data_dir: Path, palms: int) -> Store:
    """12 samples of 👉 and ``palms`` of ✋ from tests/handmaker (no MediaPipe: a quick Train page)."""
    return handmade_project(data_dir, {"pointing_right": (pointing_hand(180.0), 12), "open_palm": (None, palms)})


def _trained(data_dir: Path, palms: int):  # noqa: ANN202 - AppTest
    _project(data_dir, palms)
    at = app("train")
    at.toggle(key="train_starter").set_value(False)
    button(at, "🧠 Start training").click()
    at.run()
    assert at.session_state["train_run"].wait(120), "training did not finish"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_train_shows_per_gesture_what_unknown_keeps_from_the_measured_answers(data_dir: Path) -> None:
    at = _trained(data_dir, 12)
    snapshot = at.session_state["train_run"].snapshot()
    measured = snapshot.measuring.crossval
    assert measured is not None
    expected = kept_by_gesture(snapshot.dataset.labels, measured.answers)
    assert "How “unknown” treats each gesture" in texts(at)
    [table] = [d for d in at.dataframe if "in words" in d.value.columns]
    assert table.value["in words"].tolist() == [kept_text(k, {"pointing_right": "👉 pointing right",
                                                              "open_palm": "✋ open palm"}) for k in expected]  # fmt: skip
    assert table.value["kept"].tolist() == [k.kept.share for k in expected]
    assert "Too few samples" not in texts(at)


def test_a_gesture_with_few_samples_is_said_to_be_uncertain(data_dir: Path) -> None:
    at = _trained(data_dir, 6)  # the pages train a gesture from 5 samples (TrainConfig.min_samples_per_class)
    shown = texts(at)
    assert "Too few samples to tell how well “unknown” keeps ✋ open palm (6)" in shown
    assert "(too few samples to tell)" in " ".join(
        " ".join(d.value["in words"]) for d in at.dataframe if "in words" in d.value.columns
    )


def test_accuracy_per_gesture_is_measured_on_the_same_answers_as_the_headline(data_dir: Path) -> None:
    """The headline said 79% beside every gesture at 100%: those came from the few samples set aside."""
    at = _trained(data_dir, 12)
    measured = at.session_state["train_run"].snapshot().measuring.crossval
    [table] = [d for d in at.dataframe if list(d.value.columns) == ["gesture", "accuracy"]]
    shown = dict(zip(table.value["gesture"], table.value["accuracy"], strict=True))
    titles = {"pointing_right": "👉 pointing right", "open_palm": "✋ open palm"}
    assert shown == {titles[c]: f.share for c, f in measured.per_class.items()}
    assert "On the same 24 samples as the accuracy above." in texts(at)
    heading = "Which gesture it took for which** of all 24 of your samples, each one guessed by a copy that learned"
    assert heading + " without it" in texts(at)

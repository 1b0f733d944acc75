"""core.gestures.kept: per gesture, the samples the unknown rule keeps and those it takes for another gesture."""

from __future__ import annotations

import numpy as np
import pytest
from handmaker import make_hand, pointing_hand, rotate

from core.gestures.crossval import cross_validate
from core.gestures.features import FeatureConfig, hand_features
from core.gestures.kept import MIN_SURE, kept_by_gesture, kept_text, uncertain_text
from core.gestures.training import TrainConfig, train_classifier
from core.types import UNKNOWN_LABEL

CFG = FeatureConfig(use_depth=True)
FAST = TrainConfig(epochs=20, patience=5, min_samples_per_class=2)
ANGLES = {"right": 180.0, "up": 90.0}


def _hands(label: str, n: int, seed: int, turn: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    points = [rotate(pointing_hand(ANGLES[label]) + rng.normal(0, 2, (21, 2)).astype(np.float32), turn + rng.uniform(-5, 5))
              for _ in range(n)]  # fmt: skip
    return np.stack([hand_features(make_hand(p), CFG) for p in points]).astype(np.float32)


def test_counts_kept_right_and_taken_for_which_gesture() -> None:
    labels = ["a"] * 10 + ["b"] * 3
    answers = ["a"] * 5 + ["a", "a", "b", UNKNOWN_LABEL, "c", "b", "b", "b"]
    a, b = kept_by_gesture(labels, answers)
    assert (a.gesture, a.samples, a.kept.correct, a.right, a.taken_for) == ("a", 10, 9, 7, {"b": 1, "c": 1})
    assert a.taken.correct == 2 and 0 < a.kept.low < 0.9 < a.kept.high <= 1
    assert (b.kept.correct, b.right, b.taken_for, b.uncertain, a.uncertain) == (3, 3, {}, True, False)
    assert kept_text(a, {"b": "🅱 bee"}) == "9 of 10 kept; 1 taken for 🅱 bee, 1 taken for c; 1 answered unknown"
    assert kept_text(b).endswith("(too few samples to tell)")
    with pytest.raises(ValueError, match="13 labels but 12 answers"):
        kept_by_gesture(labels, answers[:-1])


@pytest.mark.slow
def test_a_sample_unlike_the_others_is_kept_by_its_own_model_but_not_by_one_trained_without_it() -> None:
    """Why the rule is measured out of fold: a model keeps every sample it was given as an example, so only a
    model trained without a sample says whether the rule would keep a hand like it."""
    x = np.concatenate([_hands("right", 6, 0), _hands("right", 1, 1, turn=75.0), _hands("up", 7, 2)])
    labels = ["right"] * 7 + ["up"] * 7

    def fit(rows: np.ndarray, names: list[str]):
        return train_classifier(rows, names, ["right", "up"], {}, CFG, FAST).classifier

    whole = fit(x, labels)
    assert whole.predict(x[6:7])[0].label == "right"  # its own copies are among the examples
    cv = cross_validate(x, labels, fit, folds=7)
    assert cv is not None and cv.answers[6] == UNKNOWN_LABEL  # trained without it: far from every example
    right, up = kept_by_gesture(labels, cv.answers)
    assert right.samples == 7 and right.kept.correct == sum(a != UNKNOWN_LABEL for a in cv.answers[:7]) < 7
    assert up.gesture == "up" and up.samples == 7


def test_gestures_with_too_few_samples_are_named() -> None:
    assert uncertain_text({"fist": 10, "wave": 2, "ok": 1, "palm": 0}, {"fist": "👊 fist"}) is not None
    said = uncertain_text({"fist": 10, "wave": 2, "ok": 1, "palm": 0}, {"wave": "👋 wave"})
    assert "👋 wave (2)" in said and "ok (1)" in said and "palm" not in said and "fist" not in said
    assert uncertain_text({"fist": MIN_SURE, "wave": 12}) is None

"""core.gestures.take_check: a take answered mostly as another taught gesture is noticed before it is stored."""

from __future__ import annotations

import numpy as np
import pytest
from handmaker import make_hand, pointing_hand

from core.gestures.features import FeatureConfig, hand_features
from core.gestures.take_check import take_look
from core.gestures.training import TrainConfig, train_classifier

ANGLES = {"pointing_up": 90.0, "pointing_right": 180.0, "thumbs_down": -90.0}


def _hands(angle: float, n: int, seed: int) -> list:
    rng = np.random.default_rng(seed)
    return [make_hand(pointing_hand(angle + rng.normal(0, 5)) + rng.normal(0, 2, (21, 2)).astype(np.float32))
            for _ in range(n)]  # fmt: skip


@pytest.fixture(scope="module")
def model():  # noqa: ANN201 - a GestureClassifier of three pointing directions
    config = FeatureConfig()
    hands, labels = [], []
    for i, (name, angle) in enumerate(ANGLES.items()):
        hands += _hands(angle, 12, i)
        labels += [name] * 12
    x = np.stack([hand_features(h, config) for h in hands])
    return train_classifier(x, labels, list(ANGLES), {}, config, TrainConfig(epochs=60, familiarity=False)).classifier


def test_a_take_of_another_taught_gesture_is_named(model) -> None:  # noqa: ANN001
    """The list on ☝ pointing_up, the hand pointing right: "These look like 👉 pointing_right"."""
    look = take_look(model, _hands(180.0, 15, 7), "pointing_up")
    assert look.other == "pointing_right" and look.share > 0.5 and look.hands == 15


def test_a_take_of_the_chosen_gesture_or_a_mixed_one_asks_nothing(model) -> None:  # noqa: ANN001
    assert take_look(model, _hands(90.0, 15, 8), "pointing_up").other is None
    mixed = _hands(180.0, 7, 9) + _hands(90.0, 8, 10)  # fewer than half of them another gesture
    assert take_look(model, mixed, "pointing_up").other is None


def test_no_model_no_hands_or_an_untaught_gesture_ask_nothing(model) -> None:  # noqa: ANN001
    right = _hands(180.0, 5, 11)
    assert take_look(None, right, "pointing_up").other is None
    assert take_look(model, [], "pointing_up").other is None
    assert take_look(model, right, "ok").other is None  # teaching a new gesture is the point of the take

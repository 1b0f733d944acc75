"""core.starter.curve: the learning curve stops at the samples the user has."""

from __future__ import annotations

import numpy as np
import pytest

from core.gestures.training import TrainConfig
from core.starter.curve import SIZES, later_samples_test, learning_curve, sizes_within
from core.starter.dataset import DEPTH_CONFIG
from core.starter.model import load_starter_set


@pytest.mark.parametrize(
    ("pools", "expected"),
    [([10, 11], [1, 2, 3, 5, 10, 11]), ([10], [1, 2, 3, 5, 10]), ([100, 3], list(SIZES)), ([1], [1]),
     ([4, 0], [1, 2, 3, 4]), ([], [])],
)  # fmt: skip
def test_sizes_stop_at_the_largest_pool(pools: list[int], expected: list[int]) -> None:
    assert sizes_within(SIZES, pools) == expected


def test_the_later_samples_are_the_test_samples() -> None:
    # 15 samples a gesture: the last 30% (4 or 5 rounded) are held out, 11 train
    assert int((~later_samples_test(["a"] * 15)).sum()) == 11


def test_curve_of_real_hands_has_no_point_past_what_was_recorded() -> None:
    """Real starter rows stand in for a user's 8 samples of two gestures."""
    starter = load_starter_set()
    labels = np.asarray(starter.labels)
    rows = np.concatenate([np.flatnonzero(labels == name)[:8] for name in ("thumbs_up", "open_palm")])
    x, y = starter.features[rows], labels[rows].tolist()
    test = later_samples_test(y)
    points = learning_curve(x, y, test, ["thumbs_up", "open_palm"], {}, DEPTH_CONFIG, None, SIZES, repeats=1,
                            config=TrainConfig(epochs=5))  # fmt: skip
    assert int((~test).sum()) == 12  # 6 of each gesture to train on, the last 2 of each to test
    assert [p.samples_per_class for p in points] == [1, 2, 3, 5, 6]
    assert points[-1].used == {"open_palm": 6, "thumbs_up": 6}
    assert all(0.0 <= p.accuracy <= 1.0 for p in points)

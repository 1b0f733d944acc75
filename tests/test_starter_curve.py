"""core.starter.curve: the learning curve stops at the samples the user has."""

from __future__ import annotations

import numpy as np
import pytest

from core.gestures.training import TrainConfig
from core.starter.curve import SIZES, learning_curve, sizes_within
from core.starter.dataset import DEPTH_CONFIG
from core.starter.model import load_starter_set


@pytest.mark.parametrize(
    ("pools", "expected"),
    [([10, 11], [1, 2, 3, 5, 10, 11]), ([10], [1, 2, 3, 5, 10]), ([100, 3], list(SIZES)), ([1], [1]),
     ([4, 0], [1, 2, 3, 4]), ([], [])],
)  # fmt: skip
def test_sizes_stop_at_the_largest_pool(pools: list[int], expected: list[int]) -> None:
    assert sizes_within(SIZES, pools) == expected


def later_samples_test(labels: list[str], share: float = 0.3) -> np.ndarray:
    """(N,) test mask holding out the last ``share`` of each class's rows (rows in recording order)."""
    y = np.asarray(labels, dtype=str)
    test = np.zeros(len(y), dtype=bool)
    for name in set(y.tolist()):
        rows = np.flatnonzero(y == name)
        k = int(round(share * len(rows)))
        if len(rows) >= 2 and k >= 1:
            test[rows[len(rows) - min(k, len(rows) - 1) :]] = True
    return test


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

"""Which classes' mirrored copies land on another of the person's classes (their copies then weigh less)."""

from __future__ import annotations

import numpy as np
from handmaker import make_hand, pointing_hand, rotate

from core.gestures.features import FeatureConfig, hand_features, mirror_features
from core.gestures.mirror_weights import MAX_PER_CLASS, mirror_landings, mirror_landings_text

CFG = FeatureConfig(use_depth=True)


def _hands(direction: float | None, n: int, seed: int) -> np.ndarray:
    """(n, D) noisy right hands: pointing towards ``direction`` (degrees in the raw frame), or open (None)."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        base = make_hand().pixel - make_hand().pixel[0] if direction is None else pointing_hand(direction)
        points = rotate(base + rng.normal(0, 3, base.shape).astype(np.float32), rng.uniform(-10, 10))
        rows.append(hand_features(make_hand(points, scale=rng.uniform(0.6, 1.4)), CFG))
    return np.stack(rows)


def test_own_gestures_that_are_each_other_s_mirror_image_weigh_less() -> None:
    right = _hands(180.0, 12, 0)
    left = mirror_features(_hands(180.0, 12, 1), CFG)  # right hands seen mirrored: the same person's other gesture
    palm = _hands(None, 12, 2)
    x, y = np.concatenate([right, left, palm]), np.array(["right"] * 12 + ["left"] * 12 + ["palm"] * 12)
    landings = mirror_landings(x, y, {}, CFG)
    assert landings == {"left": "right", "right": "left"}
    text = mirror_landings_text(landings, {"left": "⬅ Left", "right": "Right ➡"})
    assert "⬅ Left mirrored looks like your Right ➡" in text and "other hand" in text


def test_copies_that_land_on_nothing_teach_the_other_hand_at_full_weight() -> None:
    """☝ and ✋ mirrored are a left hand's ☝ and ✋: nothing of the person's argues with them."""
    x = np.concatenate([_hands(90.0, 10, 3), _hands(None, 10, 4)])
    y = np.array(["up"] * 10 + ["palm"] * 10)
    assert mirror_landings(x, y, {}, CFG) == {}


def test_copies_that_fill_a_partner_class_without_samples_weigh_one() -> None:
    """👉 mirrored labelled 👈, a class with no own sample: the copies are all it has, nothing to argue with."""
    x = np.concatenate([_hands(180.0, 10, 5), _hands(None, 10, 6)])
    y = np.array(["pointing_right"] * 10 + ["open_palm"] * 10)
    partners = {"pointing_right": "pointing_left", "pointing_left": "pointing_right"}
    assert mirror_landings(x, y, partners, CFG) == {}


def test_a_single_class_has_nothing_to_land_on() -> None:
    x = _hands(180.0, 6, 7)
    assert mirror_landings(np.concatenate([x, mirror_features(x, CFG)]), np.array(["right"] * 12), {}, CFG) == {}


def test_a_large_import_is_judged_on_a_spread_of_its_rows() -> None:
    """Thousands of rows a class (a kinivi import) are judged on MAX_PER_CLASS of each, not N² distances."""
    right = np.repeat(_hands(180.0, 20, 8), 60, axis=0)  # 1,200 rows
    left = mirror_features(right, CFG)
    x, y = np.concatenate([right, left]), np.array(["right"] * len(right) + ["left"] * len(left))
    assert len(right) > MAX_PER_CLASS
    assert mirror_landings(x, y, {}, CFG) == {"left": "right", "right": "left"}

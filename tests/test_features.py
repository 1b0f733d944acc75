"""Feature vector: invariant to position and size, keeps orientation, mirrors correctly."""

from __future__ import annotations

import numpy as np
import pytest
from handmaker import make_hand, mirror_hand, pointing_hand

from core.gestures.features import (
    AugmentConfig,
    FeatureConfig,
    augment,
    hand_features,
    keypoints_to_features,
    mirror_features,
    user_view_points,
)

CONFIGS = [FeatureConfig(use_depth=True), FeatureConfig(use_depth=False)]


@pytest.mark.parametrize("config", CONFIGS)
def test_size_matches_config(config: FeatureConfig) -> None:
    assert hand_features(make_hand(), config).shape == (config.size,)
    assert config.size == 20 * config.dims


@pytest.mark.parametrize("config", CONFIGS)
def test_translation_and_scale_invariance(config: FeatureConfig) -> None:
    base = hand_features(make_hand(offset=(320, 300), scale=1.0), config)
    moved = hand_features(make_hand(offset=(90, 410), scale=1.0), config)
    small = hand_features(make_hand(offset=(500, 100), scale=0.35), config)
    np.testing.assert_allclose(moved, base, atol=1e-5)
    if not config.use_depth:  # z is relative depth and does not scale with the drawn size in make_hand
        np.testing.assert_allclose(small, base, atol=1e-5)


def test_orientation_is_kept() -> None:
    config = FeatureConfig(use_depth=False)
    up = hand_features(make_hand(pointing_hand(90)), config)
    down = hand_features(make_hand(pointing_hand(-90)), config)
    sideways = hand_features(make_hand(pointing_hand(0)), config)
    assert np.linalg.norm(up - down) > 1.0
    assert np.linalg.norm(up - sideways) > 0.5


def test_pointing_direction_is_in_user_view() -> None:
    """A finger pointing to image-left in the raw frame points to the user's right: +x in features."""
    config = FeatureConfig(use_depth=False)
    raw_left = hand_features(make_hand(pointing_hand(180)), config).reshape(20, 2)
    index_tip = raw_left[7]  # joint 8 (index tip) is row 7, the wrist is dropped
    assert index_tip[0] > 0.8


@pytest.mark.parametrize("config", CONFIGS)
def test_mirrored_hand_equals_mirrored_features(config: FeatureConfig) -> None:
    hand = make_hand(pointing_hand(30))
    expected = mirror_features(hand_features(hand, config)[None], config)[0]
    np.testing.assert_allclose(hand_features(mirror_hand(hand), config), expected, atol=1e-5)


def test_mirror_turns_pointing_right_into_pointing_left() -> None:
    config = FeatureConfig(use_depth=False)
    right = hand_features(make_hand(pointing_hand(180)), config)  # 👉 in the user view
    left = hand_features(make_hand(pointing_hand(0)), config)  # 👈 in the user view
    mirrored = mirror_features(right[None], config)[0].reshape(20, 2)
    assert mirrored[7, 0] < -0.8
    # The mirror of this 👉 is a 👈 made by the other hand, not the same right hand's 👈.
    assert np.linalg.norm(mirrored - left.reshape(20, 2)) > 0.1


def test_two_d_keypoints_refused_by_depth_config() -> None:
    with pytest.raises(ValueError, match="depth"):
        hand_features(make_hand(depth=False), FeatureConfig(use_depth=True))
    with pytest.raises(ValueError, match=r"\(N, 21, 2\|3\)"):
        keypoints_to_features(np.zeros((3, 20, 2)), FeatureConfig(use_depth=False))


def test_degenerate_hand_refused() -> None:
    with pytest.raises(ValueError, match="degenerate"):
        keypoints_to_features(np.zeros((1, 21, 2)), FeatureConfig(use_depth=False))


def test_user_view_mirrors_x_only() -> None:
    hand = make_hand()
    pts = user_view_points(hand, use_depth=True)
    np.testing.assert_allclose(pts[:, 0], -hand.pixel[:, 0])
    np.testing.assert_allclose(pts[:, 1], hand.pixel[:, 1])
    np.testing.assert_allclose(pts[:, 2], hand.normalised[:, 2] * hand.image_size[0])


def test_augment_stays_normalised_and_close() -> None:
    config = FeatureConfig(use_depth=False)
    base = np.stack([hand_features(make_hand(pointing_hand(a)), config) for a in (0, 90, 180, -90)])
    rng = np.random.default_rng(0)
    out = augment(np.repeat(base, 50, axis=0), config, AugmentConfig(), rng)
    reach = np.linalg.norm(out.reshape(len(out), 20, 2), axis=2).max(axis=1)
    np.testing.assert_allclose(reach, 1.0, atol=1e-5)
    dist = np.linalg.norm(out - np.repeat(base, 50, axis=0), axis=1)
    assert dist.mean() > 0.01  # it does change the samples
    # ±15° never turns 👍 into 👎 (180°) or ☝ into 👉 (90°): nearest original stays the source.
    nearest = np.argmin(((out[:, None, :] - base[None]) ** 2).sum(axis=2), axis=1)
    np.testing.assert_array_equal(nearest, np.repeat(np.arange(4), 50))

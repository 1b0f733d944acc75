"""Feature vector of any skeleton: invariant to position and size, keeps orientation, mirrors correctly."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from conftest import SHARED_DATA
from handmaker import make_hand, mirror_hand, pointing_hand
from skeletonmaker import STAR_5, make_body, make_keypoints, mirror_person, registered

from core.gestures.features import (
    AugmentConfig,
    FeatureConfig,
    augment,
    hand_features,
    keypoints_to_features,
    mirror_features,
    user_view_points,
)
from core.skeletons import Skeleton

CONFIGS = [FeatureConfig(use_depth=True), FeatureConfig(use_depth=False)]


@pytest.fixture
def star() -> Iterator[Skeleton]:
    with registered(STAR_5) as skeleton:
        yield skeleton


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


# ---- skeletons ------------------------------------------------------------------------------


def _version_1(points: np.ndarray, use_depth: bool) -> np.ndarray:
    """The hand features as version 1 always computed them (before skeletons were data)."""
    dims = 3 if use_depth else 2
    relative = points[:, 1:, :dims] - points[:, :1, :dims]
    reach = np.linalg.norm(relative[:, :, :2], axis=2).max(axis=1)
    return (relative / reach[:, None, None]).reshape(len(points), -1).astype(np.float32)


def _version_1_augment(features: np.ndarray, dims: int, aug: AugmentConfig, rng: np.random.Generator) -> np.ndarray:
    n = len(features)
    pts = np.array(features, dtype=np.float32).reshape(n, 20, dims)
    angle = np.deg2rad(rng.uniform(-aug.max_rotation_deg, aug.max_rotation_deg, n)).astype(np.float32)
    cos, sin = np.cos(angle)[:, None], np.sin(angle)[:, None]
    x, y = pts[:, :, 0].copy(), pts[:, :, 1].copy()
    pts[:, :, 0] = cos * x - sin * y
    pts[:, :, 1] = sin * x + cos * y
    stretch = rng.uniform(1 - aug.max_stretch, 1 + aug.max_stretch, (n, 1, dims)).astype(np.float32)
    pts = pts * stretch + rng.normal(0.0, aug.jitter, pts.shape).astype(np.float32)
    reach = np.linalg.norm(pts[:, :, :2], axis=2).max(axis=1)
    return (pts / reach[:, None, None]).reshape(n, -1).astype(np.float32)


@pytest.mark.parametrize("config", CONFIGS)
def test_hand_features_are_bit_identical_to_version_1(config: FeatureConfig) -> None:
    """Stored hand models (the starter included) keep their inputs: same vectors, same augmentation draws."""
    rng = np.random.default_rng(5)
    points = rng.normal(0, 150, (300, 21, config.dims)).astype(np.float32)
    features = keypoints_to_features(points, config)
    assert features.tobytes() == _version_1(points, config.use_depth).tobytes()
    hand = make_hand(pointing_hand(40), offset=(123.5, 301.25), scale=0.7)
    expected = _version_1(user_view_points(hand, config.use_depth)[None], config.use_depth)[0]
    assert hand_features(hand, config).tobytes() == expected.tobytes()
    flipped = features.reshape(300, 20, config.dims).copy()
    flipped[:, :, 0] *= -1
    assert mirror_features(features, config).tobytes() == flipped.reshape(300, -1).tobytes()
    aug = AugmentConfig()
    got = augment(features, config, aug, np.random.default_rng(9))
    assert got.tobytes() == _version_1_augment(features, config.dims, aug, np.random.default_rng(9)).tobytes()
    assert (config.skeleton, config.use_visibility, config.joints) == ("hand", False, tuple(range(1, 21)))


BODY = FeatureConfig(use_depth=False, skeleton="body", use_visibility=True)


def test_body_features_are_hip_centred_and_torso_scaled() -> None:
    assert BODY.size == 33 * 2 + 33 and BODY.joints == tuple(range(33))
    base = hand_features(make_body(), BODY)
    moved = hand_features(make_body(offset=(-80, 25), scale=0.5), BODY)
    np.testing.assert_allclose(moved, base, atol=1e-5)
    points, flags = base[:66].reshape(33, 2), base[66:]
    np.testing.assert_array_equal(flags, 1.0)  # no visibility from the detector: every joint visible
    np.testing.assert_allclose(points[[23, 24]].mean(axis=0), 0.0, atol=1e-6)  # hip centre at the origin
    sides = np.linalg.norm(points[[11, 12]] - points[[23, 24]], axis=1)
    np.testing.assert_allclose(sides.mean(), 1.0, atol=1e-6)  # mean shoulder-to-hip length is the unit
    # orientation kept, in the user view: the person's left wrist (image right) is at -x, above the hips
    assert points[15, 0] < -0.9 and points[15, 1] < -0.5


def test_hidden_body_joints_are_zeroed_and_flagged() -> None:
    visibility = np.ones(33, np.float32)
    visibility[[15, 27]] = 0.2, 0.49  # left wrist and ankle hidden
    visibility[16] = 0.5  # exactly the threshold: visible
    features = hand_features(make_body(visibility=visibility), BODY)
    points, flags = features[:66].reshape(33, 2), features[66:]
    assert np.flatnonzero(flags == 0).tolist() == [15, 27]
    np.testing.assert_array_equal(points[[15, 27]], 0.0)
    full = hand_features(make_body(), BODY)
    keep = np.setdiff1d(np.arange(33), [15, 27])
    np.testing.assert_allclose(points[keep], full[:66].reshape(33, 2)[keep])  # root and scale still from all joints
    without = FeatureConfig(use_depth=False, skeleton="body")  # visibility not used: coordinates of every joint
    assert without.size == 66 and np.abs(hand_features(make_body(visibility=visibility), without)[30:32]).min() > 0


def test_mirroring_a_body_swaps_left_and_right() -> None:
    visibility = np.linspace(0.1, 1.0, 33).astype(np.float32)
    body = make_body(visibility=visibility)
    features = hand_features(body, BODY)
    mirrored = mirror_features(features[None], BODY)[0]
    np.testing.assert_allclose(hand_features(mirror_person(body), BODY), mirrored, atol=1e-5)
    points, back = mirrored[:66].reshape(33, 2), features[:66].reshape(33, 2)
    np.testing.assert_allclose(points[11], back[12] * [-1, 1])  # left shoulder = mirrored right shoulder
    np.testing.assert_array_equal(mirrored[66:], features[66:][list(BODY.layout.flip_indices)])
    np.testing.assert_array_equal(mirror_features(mirrored[None], BODY)[0], features)


def test_augmenting_a_body_keeps_hidden_joints_and_its_unit() -> None:
    visibility = np.ones(33, np.float32)
    visibility[[12, 20]] = 0.0  # the right shoulder is hidden: one of the two scale segments is unseen
    base = np.stack([hand_features(make_body(visibility=visibility), BODY)] * 200)
    out = augment(base, BODY, AugmentConfig(), np.random.default_rng(1))
    points = out[:, :66].reshape(200, 33, 2)
    np.testing.assert_array_equal(out[:, 66:], base[:, 66:])
    np.testing.assert_array_equal(points[:, [12, 20]], 0.0)
    side = np.linalg.norm(points[:, 11] - points[:, 23], axis=1)  # the visible segment keeps its length
    np.testing.assert_allclose(side, np.linalg.norm(base[0, 22:24] - base[0, 46:48]), rtol=1e-4)
    assert np.linalg.norm(out - base, axis=1).min() > 0.01


def test_a_made_up_skeleton_gets_features(star: Skeleton) -> None:
    config = FeatureConfig(use_depth=True, skeleton="star")
    assert config.joints == (1, 2, 3, 4) and config.size == 12
    points = make_keypoints([[100, 100], [60, 100], [150, 90], [100, 40], [100, 170]], star)
    features = hand_features(points, config).reshape(4, 3)
    np.testing.assert_allclose(np.linalg.norm(features[2, :2]), 1.0, rtol=1e-6)  # centre → head is the unit
    np.testing.assert_allclose(features[0, :2], [40 / 60, 0])  # the left arm, seen mirrored in the user view
    mirrored = mirror_features(features.reshape(1, -1), config)[0]
    np.testing.assert_allclose(hand_features(mirror_person(points), config), mirrored, atol=1e-6)


def test_keypoints_of_another_skeleton_are_refused() -> None:
    with pytest.raises(ValueError, match="reads hand keypoints, got body keypoints"):
        hand_features(make_body(), FeatureConfig())
    with pytest.raises(ValueError, match=r"body keypoints of shape \(N, 33, 2\|3\)"):
        keypoints_to_features(np.zeros((2, 21, 2)), BODY)


@pytest.mark.slow
@pytest.mark.parametrize("photo", ["dancer/dancer_001.jpg", "half_moon/half_moon_000.jpg", "warrior2/warrior2_000.jpg"])
def test_mirror_features_match_mediapipe_pose_on_the_flipped_photo(photo: str) -> None:
    """Real yoga photos: MediaPipe Pose on the photo flipped left-right names the mirrored person's joints
    anatomically, so its features must be the original's ``mirror_features`` (x negated, left and right
    swapped). Measured: 0.15-0.30 apart, against about 11 for x negated without the swap."""
    from core.io.images import read_image
    from core.keypoints.pose import detect_people

    path = SHARED_DATA / "body" / "yoga8" / "images" / photo
    if not path.exists():
        pytest.skip(f"shared yoga photos not found at {path}")
    rgb = read_image(path)
    (body,), (flipped,) = (detect_people(img, find_others=False) for img in (rgb, np.ascontiguousarray(rgb[:, ::-1])))
    config = FeatureConfig(use_depth=False, skeleton="body", use_visibility=True)
    original, seen = hand_features(body, config)[:66], hand_features(flipped, config)[:66]
    mirrored = mirror_features(hand_features(body, config)[None], config)[0][:66]
    x_only = (original.reshape(33, 2) * [-1, 1]).ravel()
    assert np.linalg.norm(seen - mirrored) < 0.5
    assert np.linalg.norm(seen - x_only) > 5 * np.linalg.norm(seen - mirrored)


def test_turn_features_keeps_shape_and_turns_in_depth():
    """A hand turned 90° about the vertical axis shows its depth as x; turning back restores it."""
    from core.gestures.features import turn_features, turn_points

    config = FeatureConfig(use_depth=True)
    rng = np.random.default_rng(0)
    points = rng.normal(0, 0.4, (5, 20, 3)).astype(np.float32)
    turned = turn_points(points, np.full(5, 90.0), np.zeros(5))
    np.testing.assert_allclose(turned[:, :, 0], points[:, :, 2], atol=1e-5)
    np.testing.assert_allclose(turn_points(turned, np.full(5, -90.0), np.zeros(5)), points, atol=1e-5)
    features = points.reshape(5, -1) / np.linalg.norm(points[:, :, :2], axis=2).max(axis=1)[:, None]
    same = turn_features(features, config, np.zeros(5), np.zeros(5))
    np.testing.assert_allclose(same, features, atol=1e-6)
    bent = turn_features(features, config, np.full(5, 30.0), np.full(5, -20.0))
    assert bent.shape == features.shape
    reach = np.linalg.norm(bent.reshape(5, 20, 3)[:, :, :2], axis=2).max(axis=1)
    np.testing.assert_allclose(reach, 1.0, atol=1e-5)  # renormalised as keypoints_to_features does
    assert not np.allclose(bent, features, atol=0.05)
    with pytest.raises(ValueError, match="depth"):
        turn_features(features[:, :40], FeatureConfig(use_depth=False), np.zeros(5), np.zeros(5))


def test_augment_turn_is_off_by_default_and_changes_rows_when_on():
    config = FeatureConfig(use_depth=True)
    rng_rows = np.random.default_rng(1).normal(0, 0.4, (8, config.size)).astype(np.float32)
    plain = augment(rng_rows, config, AugmentConfig(), np.random.default_rng(3))
    again = augment(rng_rows, config, AugmentConfig(max_turn_deg=0.0), np.random.default_rng(3))
    np.testing.assert_array_equal(plain, again)
    turned = augment(rng_rows, config, AugmentConfig(max_turn_deg=40.0), np.random.default_rng(3))
    assert turned.shape == plain.shape and not np.allclose(turned, plain)

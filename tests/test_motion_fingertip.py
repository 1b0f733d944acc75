"""core.motion.fingertip and the FINGERTIP skeleton: a hand's index tip as a one-point detection, and the
clips, features and spotting of fingertip paths (kinivi's point history)."""

from __future__ import annotations

import numpy as np
import pytest
from motionmaker import SIZE, asl_points, keypoint_clip

from core.motion.features import FINGERTIP_HANDS_PER_HEIGHT, MotionFeatureConfig, clip_features, skeleton_size
from core.motion.fingertip import FingertipSource, fingertip_of
from core.motion.model import MotionModel
from core.skeletons import FINGERTIP, HAND_21, Skeleton, skeleton_named
from core.types import Keypoints


def _hand(frame: int = 0) -> Keypoints:
    pixels = asl_points()[frame]
    normalised = pixels / np.array([SIZE[0], SIZE[1], SIZE[0]], dtype=np.float32)
    return Keypoints(pixels[:, :2].copy(), normalised, np.zeros((21, 3), np.float32), "Right", 0.9, SIZE)


def test_one_joint_skeletons_are_allowed_and_registered() -> None:
    assert skeleton_named("fingertip") is FINGERTIP and FINGERTIP.num_joints == 1
    assert FINGERTIP.flip_indices == (0,)
    with pytest.raises(ValueError, match="at least 1 joint"):
        Skeleton("none", (), (), (0,))


def test_the_fingertip_is_the_hands_joint_8() -> None:
    hand = _hand(40)
    tip = fingertip_of(hand)
    assert tip.skeleton == FINGERTIP and tip.image_size == hand.image_size and tip.score == hand.score
    np.testing.assert_array_equal(tip.pixel[0], hand.pixel[HAND_21.index("index_tip")])
    np.testing.assert_array_equal(tip.normalised[0], hand.normalised[8])
    with pytest.raises(ValueError, match="from a hand's keypoints"):
        fingertip_of(tip)

    class Hands:
        closed = False

        def process(self, rgb: np.ndarray) -> list[Keypoints]:
            return [_hand(0), _hand(1)]

        def close(self) -> None:
            self.closed = True

    hands = Hands()
    source = FingertipSource(hands)
    assert [k.skeleton for k in source.process(np.zeros((4, 4, 3), np.uint8))] == [FINGERTIP, FINGERTIP]
    source.close()
    assert hands.closed


def test_fingertip_clips_have_path_features_only() -> None:
    clip = keypoint_clip("swipe_up", frames=24, amplitude=300.0)
    tip = clip.__class__(clip.points[:, [8]], clip.present, clip.timestamps, FINGERTIP, clip.image_size, "swipe_up")
    config = MotionFeatureConfig()
    assert config.channels(FINGERTIP) == 4 and config.channels(HAND_21) > 4
    features = clip_features(tip, config)
    assert features.shape == (32, 4)
    # no hand to measure: a fifth of the image height stands for it; 300 px up in a 1080 px frame
    size = skeleton_size(np.zeros((3, 1, 2)), FINGERTIP, SIZE)
    np.testing.assert_allclose(size, SIZE[1] / FINGERTIP_HANDS_PER_HEIGHT)
    whole = clip_features(tip, MotionFeatureConfig(trim=False))  # from the first frame to the last
    moved = (tip.points[-1, 0, 1] - tip.points[0, 0, 1]) * SIZE[1]  # the real fingertip's pixels, 300 up and more
    assert moved < -250 and whole[-1, 1] == pytest.approx(moved / size[0], rel=1e-4)
    model = MotionModel(["swipe_up", "idle"], FINGERTIP, config)
    assert model.predict_clip(tip).label in ("swipe_up", "idle", "unknown")

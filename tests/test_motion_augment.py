"""core.motion.augment: each change does what it says and keeps the class (or its mirror partner)."""

from __future__ import annotations

import numpy as np
from motionmaker import keypoint_clip

from core.motion.augment import MotionAugmentConfig, augment_clip, rotate, scale_path, time_warp
from core.motion.features import MotionFeatureConfig, clip_features

PATH_ONLY = MotionFeatureConfig(trim=False)


def test_time_warp_changes_speed_but_keeps_order_and_ends() -> None:
    clip = keypoint_clip("swipe_left", frames=30)
    fast = time_warp(clip, speed=2.0, warp=0.8, phase=1.0)
    assert np.all(np.diff(fast.timestamps) > 0)
    assert fast.duration == np.float64(clip.duration / 2)
    np.testing.assert_array_equal(fast.points, clip.points)


def test_amplitude_scales_the_path_and_rotation_turns_it() -> None:
    clip = keypoint_clip("swipe_right", frames=30)
    end = clip_features(clip, PATH_ONLY)[-1, :2]
    np.testing.assert_allclose(clip_features(scale_path(clip, 1.5), PATH_ONLY)[-1, :2], 1.5 * end, rtol=0.02)
    turned = clip_features(rotate(clip, 90.0), PATH_ONLY)[-1, :2]  # a right swipe turned by 90° in the image
    assert abs(turned[0]) < 0.05 * abs(end[0]) and abs(abs(turned[1]) - abs(end[0])) < 0.05 * abs(end[0])


def test_augmented_clips_keep_their_class_or_its_mirror_partner() -> None:
    rng = np.random.default_rng(0)
    clip = keypoint_clip("swipe_left", frames=30, still=10)
    labels = {augment_clip(clip, MotionAugmentConfig(), rng).label for _ in range(40)}
    assert labels == {"swipe_left", "swipe_right"}
    never = MotionAugmentConfig(mirror=0.0)
    for _ in range(10):
        variant = augment_clip(clip, never, rng)
        end = clip_features(variant, PATH_ONLY)[-1, :2]
        assert variant.label == "swipe_left" and end[0] < -2 * abs(end[1])  # still to the user's left
        assert variant.num_frames == clip.num_frames and not np.array_equal(variant.points, clip.points)

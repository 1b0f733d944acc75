"""core.motion.features on real hand shapes: path direction in the user view, invariances, gaps, mirroring."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from motionmaker import keypoint_clip

from core.motion.clip import Clip
from core.motion.features import (
    MOTION_MIRRORS,
    MotionFeatureConfig,
    clip_features,
    mirror_clip,
    mirror_label,
    motion_span,
    user_view_pixels,
)

CONFIG = MotionFeatureConfig()


def test_shape_and_channels_follow_the_config() -> None:
    clip = keypoint_clip("swipe_up")
    assert clip_features(clip, CONFIG).shape == (32, 4 + 40)
    assert clip_features(clip, replace(CONFIG, use_depth=True, length=16)).shape == (16, 4 + 60)
    assert clip_features(clip, replace(CONFIG, use_shape=False)).shape == (32, 4)


@pytest.mark.parametrize(("kind", "axis", "sign"), [("swipe_left", 0, -1), ("swipe_right", 0, 1),
                                                     ("swipe_up", 1, -1), ("swipe_down", 1, 1)])  # fmt: skip
def test_the_path_points_the_way_the_user_sees_the_hand_go(kind: str, axis: int, sign: int) -> None:
    end = clip_features(keypoint_clip(kind, amplitude=400), CONFIG)[-1, :2]
    assert sign * end[axis] > 1.0  # over a hand size along the swipe (400 px, the hand reaches ~200 px)
    assert abs(end[1 - axis]) < 0.3 * abs(end[axis])  # and little across it


def test_the_path_is_in_hand_sizes_wherever_the_hand_is_and_however_large() -> None:
    clip = keypoint_clip("circle", frames=40)
    moved = clip.points.copy()
    moved[:, :, :2] = (moved[:, :, :2] - 0.5) * 0.5 + np.array([0.3, 0.6], np.float32)  # half as large, elsewhere
    small = Clip(moved, clip.present, clip.timestamps, clip.skeleton, clip.image_size, clip.label, "small")
    np.testing.assert_allclose(clip_features(small, CONFIG), clip_features(clip, CONFIG), atol=1e-3)


def test_frame_rate_gaps_and_still_frames_change_little() -> None:
    base = clip_features(keypoint_clip("swipe_down", frames=30, fps=30), CONFIG)[:, :4]
    slow_camera = keypoint_clip("swipe_down", frames=15, fps=15)  # same 1 s motion, half the frames
    assert np.abs(clip_features(slow_camera, CONFIG)[:, :4] - base).max() < 0.25
    held = keypoint_clip("swipe_down", frames=30, still=25)  # 0.8 s still before and after
    assert np.abs(clip_features(held, CONFIG)[-1, :2] - base[-1, :2]).max() < 0.15
    # The wrist of the real hand moves ~30 px while it spells before the swipe, so the start may stay;
    # the still end goes.
    start, end = motion_span(user_view_pixels(held, False)[:, 0, :2], held.timestamps)
    assert end - start < 0.8 * held.num_frames and end < held.num_frames - 15
    clip = keypoint_clip("swipe_down", frames=30)
    present = np.ones(30, bool)
    present[10:14] = False  # the hand lost for 4 frames mid-swipe
    holey = Clip(clip.points, present, clip.timestamps, clip.skeleton, clip.image_size, clip.label, "holey")
    assert np.abs(clip_features(holey, CONFIG)[:, :2] - base[:, :2]).max() < 0.1


def test_mirroring_maps_swipe_left_to_swipe_right_and_negates_x() -> None:
    assert mirror_label("swipe_left") == "swipe_right" and mirror_label("swipe_right") == "swipe_left"
    assert mirror_label("swipe_up") == "swipe_up" and mirror_label(None) is None
    assert MOTION_MIRRORS["swipe_left"] == "swipe_right"
    left = keypoint_clip("swipe_left")
    mirrored = mirror_clip(left)
    assert mirrored.label == "swipe_right"
    a, b = clip_features(left, CONFIG), clip_features(mirrored, CONFIG)
    np.testing.assert_allclose(b[:, [0, 2]], -a[:, [0, 2]], atol=1e-4)
    np.testing.assert_allclose(b[:, [1, 3]], a[:, [1, 3]], atol=1e-4)
    # a real swipe to the right goes the same way (the real wrist wobble of the spelling hand is not mirrored)
    np.testing.assert_allclose(clip_features(keypoint_clip("swipe_right"), CONFIG)[:, :2], b[:, :2], atol=0.15)
    np.testing.assert_allclose(mirror_clip(mirrored).points, left.points, atol=1e-6)
    assert mirror_clip(left, {"swipe_left": "wave"}).label == "wave"

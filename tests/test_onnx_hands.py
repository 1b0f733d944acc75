"""core.keypoints.onnx_hands: MediaPipe Hands on onnxruntime gives mediapipe 0.10.21's hands, points and labels.

The hand trackers run both runtimes on real photos and frames (``TrackerConfig.runtime``) and compare; a slip in the
converter, the palm decoding, the regions or the projection moves points by pixels, not hundredths of one.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.io.video import iter_frames, read_image
from core.keypoints.landmarks import HandTracker, TrackerConfig
from core.keypoints.onnx_hands import landmarks_rect
from tests.conftest import close_up_photo, hagrid_photos, keypoint_models_or_skip, shared_path


def _pairs(config: TrackerConfig, frames: list[np.ndarray]) -> list[tuple[list, list]]:
    keypoint_models_or_skip()
    from dataclasses import replace

    with HandTracker(replace(config, runtime="mediapipe")) as mp, HandTracker(replace(config, runtime="onnx")) as ox:
        return [(mp.process(frame), ox.process(frame)) for frame in frames]


def _same_hands(pairs: list[tuple[list, list]], world_m: float = 2e-3) -> np.ndarray:
    """Every joint's distance in pixels between the runtimes, once the hands, labels and depths agree."""
    distances = []
    for reference, found in pairs:
        assert len(found) == len(reference)
        for mine, theirs in zip(found, reference, strict=True):  # MediaPipe's order is kept
            distances.extend(np.linalg.norm(mine.pixel - theirs.pixel, axis=1).tolist())
            assert mine.handedness == theirs.handedness  # the person's own hand, as today
            assert abs(mine.score - theirs.score) < 20 * world_m
            assert np.allclose(mine.world, theirs.world, atol=world_m) and mine.has_depth
            assert np.allclose(mine.normalised[:, 2], theirs.normalised[:, 2], atol=world_m)
    assert distances
    return np.array(distances)


@pytest.mark.slow
def test_photos_give_mediapipes_hands_and_labels() -> None:
    photos = [read_image(p) for p in hagrid_photos("peace", 3) + hagrid_photos("palm", 3)]
    photos.append(read_image(shared_path("video", "hands.jpg")))  # two hands
    photos.append(np.ascontiguousarray(photos[0][:, ::-1]))  # mirrored: the other hand
    pairs = _pairs(TrackerConfig(static_image_mode=True, max_num_hands=2), photos)
    assert len(pairs[6][0]) == 2 and {pairs[0][1][0].handedness, pairs[7][1][0].handedness} == {"Left", "Right"}
    distances = _same_hands(pairs)
    assert distances.max() < 0.5 and np.median(distances) < 0.05


@pytest.mark.slow
def test_the_zoomed_out_retry_finds_the_same_close_up() -> None:
    pairs = _pairs(TrackerConfig(static_image_mode=True, zoom_out_photos=True), [read_image(close_up_photo())])
    assert len(pairs[0][0]) == 1
    assert _same_hands(pairs).max() < 0.5


@pytest.mark.slow
def test_tracking_a_video_follows_as_mediapipe_does() -> None:
    frames = [f for _, f in iter_frames(shared_path("video", "asl_hand.25fps.mp4"), max_frames=30)]
    for complexity in (1, 0):
        pairs = _pairs(TrackerConfig(max_num_hands=2, model_complexity=complexity), frames)
        assert sum(len(r) for r, _ in pairs) >= 25
        # a region follows the last frame's points, so tiny differences carry over: millimetres, not hundredths
        distances = _same_hands(pairs, world_m=6e-3)
        assert np.median(distances) < 1.0 and np.percentile(distances, 95) < 3.0, complexity


@pytest.mark.slow
def test_a_followed_hand_skips_the_palm_detector() -> None:
    keypoint_models_or_skip()
    frames = [f for _, f in iter_frames(shared_path("video", "asl_hand.25fps.mp4"), max_frames=6)]
    tracker = HandTracker(TrackerConfig(max_num_hands=1, runtime="onnx"))
    calls = []
    palms = tracker._onnx.palms
    tracker._onnx.palms = lambda rgb: calls.append(1) or palms(rgb)
    assert all(len(tracker.process(f)) == 1 for f in frames)
    assert len(calls) == 1  # found once, then followed from its own points
    tracker.close()


def test_the_region_from_landmarks_turns_with_the_hand() -> None:
    """Wrist straight below the knuckles: no turn; the same hand lying with its fingers to the right: a quarter
    turn, and the same region in its own frame."""
    rng = np.random.default_rng(0)
    upright = np.column_stack([0.5 + rng.uniform(-0.1, 0.1, 21), rng.uniform(0.3, 0.6, 21), np.zeros(21)])
    upright[0, :2] = (0.5, 0.8)  # the wrist, below
    upright[[5, 9, 13], :2] = [(0.45, 0.5), (0.5, 0.5), (0.55, 0.5)]  # the knuckles that set the turn
    rect = landmarks_rect(upright.astype(np.float32), (100, 100))
    assert abs(rect.rotation) < 1e-6
    lying = upright.copy()
    lying[:, 0], lying[:, 1] = 1.0 - upright[:, 1], upright[:, 0]  # turned a quarter clockwise about the centre
    turned = landmarks_rect(lying.astype(np.float32), (100, 100))
    assert math.isclose(turned.rotation, math.pi / 2, abs_tol=1e-5)
    assert math.isclose(turned.width, rect.width, rel_tol=1e-4) and math.isclose(
        turned.height, rect.height, rel_tol=1e-4
    )
    assert math.isclose(turned.x_center, 1.0 - rect.y_center, abs_tol=1e-5)

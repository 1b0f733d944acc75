"""core.keypoints.pose_filters: MediaPipe Pose's filters over time, for a person followed through a video."""

from __future__ import annotations

import numpy as np
import pytest

from core.keypoints.pose_filters import ALIGNMENT, POINTS, OneEuro, PoseFilters
from core.keypoints.pose_result import PoseResult


def _person(shift: float) -> PoseResult:
    points = np.column_stack([np.linspace(0.3, 0.7, 33) + shift, np.linspace(0.2, 0.9, 33), np.zeros(33)])
    return PoseResult(points.astype(np.float32), np.full(33, 0.9, np.float32), np.zeros((33, 3), np.float32),
                      np.array([[0.5 + shift, 0.6], [0.5 + shift, 0.3]], np.float32))  # fmt: skip


def test_one_euro_keeps_a_still_value_and_lags_a_jump_less_when_fast() -> None:
    slow, fast = OneEuro(ALIGNMENT), OneEuro(POINTS)
    for step in range(1, 4):
        assert slow.apply(step / 30, 1.0, np.array([5.0]))[0] == pytest.approx(5.0)
        fast.apply(step / 30, 1.0, np.array([5.0]))
    after_slow = slow.apply(4 / 30, 1.0, np.array([6.0]))[0]
    after_fast = fast.apply(4 / 30, 1.0, np.array([6.0]))[0]
    assert 5.0 < after_slow < after_fast < 6.0  # the points follow a move sooner than the region does


def test_points_are_smoothed_only_when_asked_and_everything_restarts_when_reset() -> None:
    smooth, plain = PoseFilters(smooth_points=True), PoseFilters(smooth_points=False)
    for filters in (smooth, plain):
        filters.apply(_person(0.0), (640, 480))
    moved_smooth, moved_plain = smooth.apply(_person(0.02), (640, 480)), plain.apply(_person(0.02), (640, 480))
    assert np.array_equal(moved_plain.landmarks, _person(0.02).landmarks)  # smooth_landmarks=False: as found
    assert moved_smooth.landmarks[0, 0] < _person(0.02).landmarks[0, 0]
    assert moved_plain.alignment[0, 0] < 0.52  # the region is always smoothed, as in MediaPipe's graph
    smooth.reset()
    assert np.array_equal(smooth.apply(_person(0.05), (640, 480)).landmarks, _person(0.05).landmarks)


@pytest.mark.slow
def test_a_followed_person_moves_as_mediapipes_does() -> None:
    from dataclasses import replace

    from core.io.video import iter_frames
    from core.keypoints.pose import PoseConfig, PoseTracker
    from tests.conftest import keypoint_models_or_skip, shared_path

    keypoint_models_or_skip()
    video = shared_path("slovo_clips", "videos", "slovo_example_f17a6060_wave.mp4")
    frames = [f for _, f in iter_frames(video, max_frames=40)]
    for smooth in (True, False):
        config = PoseConfig(smooth_landmarks=smooth)
        with (
            PoseTracker(replace(config, runtime="mediapipe")) as mp,
            PoseTracker(replace(config, runtime="onnx")) as ox,
        ):
            pairs = [(mp.process(f), ox.process(f)) for f in frames]
        distances = []
        for reference, found in pairs:
            assert len(found) == len(reference) == 1
            distances.extend(np.linalg.norm(found[0].pixel - reference[0].pixel, axis=1).tolist())
            assert np.allclose(found[0].visibility, reference[0].visibility, atol=0.02)
        assert np.median(distances) < 0.5 and np.percentile(distances, 95) < 3.0, smooth

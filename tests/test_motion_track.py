"""core.motion.track: real videos become clips (MediaPipe in video mode); long or short ones are refused."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from core.io.images import MediaLimitError
from core.motion.clip import Clip, ClipError
from core.motion.features import MotionFeatureConfig, clip_features
from core.motion.track import read_clip

SLOVO = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "hands" / "slovo_clips" / "videos"


def _video(path: Path, frames: int, fps: float = 25.0) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (64, 48))
    for i in range(frames):
        writer.write(np.full((48, 64, 3), i % 255, np.uint8))
    writer.release()
    return path


def _never(rgb: np.ndarray) -> list:
    raise AssertionError("a frame was decoded and passed to the detector")


def test_a_video_longer_than_a_clip_is_refused_from_its_header(tmp_path: Path) -> None:
    with pytest.raises(MediaLimitError, match=r"long.mp4: a clip of 12.0 s, over the limit of 10 s"):
        read_clip(_video(tmp_path / "long.mp4", 300), _never)
    with pytest.raises(MediaLimitError, match=r"many.mp4: a clip of 601 frames, over the limit of 600 frames"):
        read_clip(_video(tmp_path / "many.mp4", 601, fps=100.0), _never)


def _tracker():
    from core.keypoints.landmarks import HandTracker, TrackerConfig

    return HandTracker(TrackerConfig(static_image_mode=False, max_num_hands=1))


def _slovo_clip(name: str, label: str | None = None) -> Clip:
    """A shared Slovo video read as one clip by MediaPipe Hands in video mode (skips when the data is missing)."""
    path = SLOVO / name
    if not path.exists():
        pytest.skip(f"shared data missing: {path}")
    with _tracker() as tracker:
        return read_clip(path, tracker.process, label=label)


@pytest.mark.slow
def test_the_real_slovo_wave_becomes_a_clip_that_moves_sideways() -> None:
    clip = _slovo_clip("slovo_example_f17a6060_wave.mp4", label="wave")
    assert clip.num_frames == 112 and clip.image_size == (720, 1280) and clip.label == "wave"
    assert 0.75 <= clip.present.mean() <= 0.95  # SOURCE.md: MediaPipe finds the hand in 96 of 112 frames
    np.testing.assert_allclose(np.diff(clip.timestamps), 1 / 30, rtol=1e-3)
    path_xy = clip_features(clip, MotionFeatureConfig(trim=False))[:, :2]
    # the waving palm swings sideways over 3 hand sizes (measured 3.1 across, 0.5 up and down)
    assert np.isfinite(path_xy).all() and np.ptp(path_xy[:, 0]) > 2.0 > 3 * np.ptp(path_xy[:, 1])


@pytest.mark.slow
def test_the_real_slovo_pointing_person_becomes_a_clip() -> None:
    clip = _slovo_clip("slovo_demo_pointing_480x356.mp4")
    assert clip.num_frames == 150 and clip.image_size == (480, 356) and clip.label is None
    assert 0.6 <= clip.present.mean() <= 0.85  # SOURCE.md: MediaPipe finds the hand in 108 of 150 frames
    assert np.isfinite(clip_features(clip, MotionFeatureConfig())).all()


@pytest.mark.slow
def test_a_video_of_a_few_frames_or_without_a_hand_is_refused(tmp_path: Path) -> None:
    with _tracker() as tracker:
        with pytest.raises(ClipError, match="short.mp4: 5 frames, too short: a clip needs at least 8"):
            read_clip(_video(tmp_path / "short.mp4", 5), tracker.process)
        with pytest.raises(
            ClipError, match=r"blank.mp4: the hand is found in only 0 of 20 frames \(needs at least 50%\)"
        ):
            read_clip(_video(tmp_path / "blank.mp4", 20), tracker.process)

"""core.motion.clip: a clip's checks (too short, hand mostly missing, over the limits) and building one from detections."""

from __future__ import annotations

import numpy as np
import pytest
from motionmaker import SIZE, asl_points, keypoint_clip

from core.io.limits import LIMITS, LimitError
from core.motion.clip import Clip, ClipError, clip_from_keypoints
from core.skeletons import BODY_33, HAND_21
from core.types import Keypoints


def _clip(frames: int, fps: float = 30.0, present: np.ndarray | None = None, source: str = "take.mp4") -> Clip:
    points = np.tile(asl_points()[0] / np.array([SIZE[0], SIZE[1], SIZE[0]], np.float32), (frames, 1, 1))
    shown = np.ones(frames, bool) if present is None else present
    return Clip(points, shown, np.arange(frames) / fps, HAND_21, SIZE, "idle", source)


def test_a_real_hand_clip_keeps_its_arrays_and_zeroes_absent_frames() -> None:
    clip = keypoint_clip("swipe_left", frames=20)
    present = np.ones(20, bool)
    present[[3, 7]] = False
    holey = Clip(clip.points, present, clip.timestamps, HAND_21, SIZE, "swipe_left", "holey")
    assert holey.points.dtype == np.float32 and holey.points.shape == (20, 21, 3)
    assert not holey.points[3].any() and holey.points[4].any()
    assert holey.duration == pytest.approx(19 / 30)


@pytest.mark.parametrize(
    ("frames", "present", "message"),
    [
        (7, None, "take.mp4: 7 frames, too short: a clip needs at least 8"),
        (20, np.arange(20) < 6, "take.mp4: the hand is found in only 6 of 20 frames (needs at least 50%)"),
    ],
)
def test_too_short_or_mostly_missing_clips_are_refused_naming_the_source(frames, present, message) -> None:
    with pytest.raises(ClipError) as caught:
        _clip(frames, present=present)
    assert str(caught.value) == message


def test_a_motion_the_spotter_cut_may_have_fewer_frames_but_never_under_four() -> None:
    whole = _clip(8)
    points, present, times = whole.points[:7], np.arange(7) != 3, whole.timestamps[:7]
    with pytest.raises(ClipError, match="7 frames, too short"):
        Clip(points, present, times, HAND_21, SIZE, None, "take.mp4")
    assert Clip(points, present, times, HAND_21, SIZE, None, "stream", min_frames=4).num_frames == 7
    with pytest.raises(ClipError, match="min_frames 3 is below 4"):
        Clip(points, present, times, HAND_21, SIZE, None, "stream", min_frames=3)


def test_clips_over_the_frame_or_time_limit_are_refused() -> None:
    with pytest.raises(LimitError, match=f"take.mp4: a clip of 601 frames, over the limit of {LIMITS.clip_frames}"):
        _clip(LIMITS.clip_frames + 1, fps=100.0)
    with pytest.raises(LimitError, match="take.mp4: a clip of 11.0 s, over the limit of 10 s"):
        _clip(111, fps=10.0)


def test_bad_timestamps_shapes_and_sizes_are_refused() -> None:
    clip = keypoint_clip("idle", frames=12)
    backwards = clip.timestamps.copy()
    backwards[5] = backwards[4]
    with pytest.raises(ClipError, match="strictly increasing"):
        Clip(clip.points, clip.present, backwards, HAND_21, SIZE, None, "a")
    with pytest.raises(ClipError, match=r"points must have shape \(T, 33, 3\) for a body"):
        Clip(clip.points, clip.present, clip.timestamps, BODY_33, SIZE, None, "a")
    with pytest.raises(ClipError, match=r"present \(11,\) and timestamps \(12,\)"):
        Clip(clip.points, clip.present[:-1], clip.timestamps, HAND_21, SIZE, None, "a")
    with pytest.raises(ClipError, match="image size 0×480 is empty"):
        Clip(clip.points, clip.present, clip.timestamps, HAND_21, (0, 480), None, "a")
    nan = clip.points.copy()
    nan[2, 4, 0] = np.nan
    with pytest.raises(ClipError, match="NaN"):
        Clip(nan, clip.present, clip.timestamps, HAND_21, SIZE, None, "a")


def test_clip_from_keypoints_marks_frames_without_a_detection() -> None:
    pixels = asl_points()[:10, :, :2]
    frames: list[Keypoints | None] = []
    for i, px in enumerate(pixels):
        normalised = np.concatenate([px / np.array(SIZE, np.float32), asl_points()[i, :, 2:] / SIZE[0]], axis=1)
        frames.append(
            None if i == 4 else Keypoints(px, normalised, np.full((21, 3), np.nan, np.float32), "Right", 0.9, SIZE)
        )
    clip = clip_from_keypoints(frames, np.arange(10) / 25.0, label="wave", source="cam")
    assert clip.image_size == SIZE and clip.label == "wave"
    assert clip.present.tolist() == [i != 4 for i in range(10)]
    np.testing.assert_allclose(clip.points[0, :, :2] * np.array(SIZE), pixels[0], rtol=1e-5)
    with pytest.raises(ClipError, match="cam: the hand is found in none of its 3 frames"):
        clip_from_keypoints([None, None, None], [0.0, 0.1, 0.2], source="cam")

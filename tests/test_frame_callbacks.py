"""ui.webcam.frame_callbacks (#32): the conversions either side of a stream, its timings, odd and huge frames.

Quick tests use a fake tracker; the slow ones real MediaPipe on the shared video (the keypoints agree with
the webcam path as it was) and camera sizes from 160×120 to 1920×1080.
"""

from __future__ import annotations

import asyncio
import json
import threading
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from handmaker import make_hand

from core.keypoints.landmarks import TrackerConfig
from core.types import Keypoints
from ui.webcam.frame_callbacks import ArrivalClock, frame_callback, queued_frames_callback, to_rgb, to_video_frame
from ui.webcam.stream import StreamSession


class FakeTracker:
    def __init__(self, config: TrackerConfig) -> None:
        self.config = config
        self.closed = False

    def process(self, rgb: np.ndarray) -> list[Keypoints]:
        return [make_hand()]

    def close(self) -> None:
        self.closed = True


def _session(**kwargs) -> StreamSession:
    s = StreamSession("live", TrackerConfig(max_num_hands=1), **kwargs)
    s.tracker_factory = FakeTracker
    return s


def _gradient(width: int = 640, height: int = 480) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width]
    return np.stack([x * 255 // max(1, width - 1), y * 255 // max(1, height - 1), (x + y) % 256], -1).astype(np.uint8)


def test_to_rgb_matches_pyav_and_falls_back_for_other_formats() -> None:
    rgb = _gradient()
    frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
    ours, pyav = to_rgb(frame), frame.to_ndarray(format="rgb24")
    assert ours.shape == (480, 640, 3) and ours.dtype == np.uint8
    difference = np.abs(ours.astype(int) - pyav.astype(int))
    assert difference.mean() < 1.5 and np.median(difference) <= 1, "the same colours as PyAV's conversion"
    as_rgb = av.VideoFrame.from_ndarray(rgb, format="rgb24")
    assert np.array_equal(to_rgb(as_rgb), rgb), "an RGB frame is taken as it is"
    odd = av.VideoFrame.from_ndarray(_gradient(161, 121), format="rgb24").reformat(format="yuv420p")
    assert to_rgb(odd).shape == (121, 161, 3), "odd sizes go through PyAV"


def test_to_video_frame_hands_the_encoder_yuv420p() -> None:
    rgb = _gradient()
    out = to_video_frame(rgb)
    assert out.format.name == "yuv420p" and (out.width, out.height) == (640, 480)
    back = out.to_ndarray(format="rgb24")
    assert np.abs(back.astype(int) - rgb.astype(int)).mean() < 3.0
    odd = to_video_frame(_gradient(161, 121))
    assert odd.format.name == "rgb24" and (odd.width, odd.height) == (161, 121)


def test_the_arrival_clock_takes_the_smallest_offset_seen() -> None:
    clock = ArrivalClock()
    assert clock.arrived(None, 5.0) == 5.0
    assert clock.arrived(1.0, 101.0) == pytest.approx(101.0)  # offset 100
    assert clock.arrived(2.0, 102.5) == pytest.approx(102.0), "a frame handled late arrived at its own time"
    assert clock.arrived(3.0, 102.9) == pytest.approx(102.9)  # a smaller offset (99.9) from now on
    assert clock.arrived(1.0, 110.0) == pytest.approx(100.9)


def test_the_callback_times_each_stage_and_writes_a_file_per_stream_in_a_folder(tmp_path: Path) -> None:
    streams = [_session(timings_file=tmp_path) for _ in range(2)]
    for s in streams:
        callback = frame_callback(s)
        for index in range(3):
            frame = av.VideoFrame.from_ndarray(_gradient(), format="rgb24").reformat(format="yuv420p")
            frame.pts, frame.time_base = index * 3000, Fraction(1, 90000)
            out = callback(frame)
            assert out.format.name == "yuv420p"
        snap = s.snapshot()
        assert snap.frames == 3
        assert {"to_array", "to_frame", "lag", "callback_cpu", "landmarks", "draw", "total"} <= set(snap.ms)
        assert snap.ms["lag"] >= 0.0 and snap.ms["callback_cpu"] >= 0.0
    files = sorted(tmp_path.glob("live-*.json"))
    assert [f.name for f in files] == sorted(f"live-{s.ident}.json" for s in streams)
    status = json.loads(files[0].read_text())
    assert status["frames"] >= 1 and str(threading.main_thread().native_id) in status["threads"]


def test_a_timings_file_path_stays_one_file(tmp_path: Path) -> None:
    path = tmp_path / "timings.json"
    s = _session(timings_file=path)
    frame_callback(s)(av.VideoFrame.from_ndarray(_gradient(), format="rgb24"))
    assert json.loads(path.read_text())["session"] == s.ident


def test_queued_frames_come_back_one_each_as_yuv420p() -> None:
    s = _session()
    frames = [av.VideoFrame.from_ndarray(np.full((480, 640, 3), v, np.uint8), format="rgb24") for v in (10, 20, 30)]
    out = asyncio.run(queued_frames_callback(s, keep=2)(frames))
    assert [o.format.name for o in out] == ["yuv420p", "yuv420p"] and s.snapshot().frames == 2


# ---- real MediaPipe (slow) -----------------------------------------------------------------------------


@pytest.mark.slow
def test_live_keypoints_agree_with_the_webcam_path_as_it_was() -> None:
    """#32: the cheaper conversion and the thread setting move no keypoint of the shared video by 2 px."""
    from conftest import shared_path

    from bench.speed.keypoints_agree import agreement, track_after, track_before, yuv_frames

    frames = yuv_frames(shared_path("video", "asl_hand.25fps.mp4"), 60)
    result = agreement(track_before(frames, 1, 1), track_after(frames, 1, 1))
    assert result["frames_both"] >= 55 and result["frames_one_only"] == 0, result
    assert result["median_px"] < 2.0, result


@pytest.mark.slow
@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (160, 120), (161, 121)])
def test_a_camera_of_any_size_is_tracked_and_sent_back_at_its_size(width: int, height: int) -> None:
    """A camera sending 1920×1080, 160×120 or odd sizes: the real tracker runs, the frame comes back whole."""
    from conftest import shared_path

    from core.io.images import read_image

    photo = read_image(next(shared_path("hagrid_380", "images", "palm").glob("*.jpg")))
    rgb = cv2.resize(photo, (width, height), interpolation=cv2.INTER_AREA)
    s = StreamSession("live", TrackerConfig(max_num_hands=1))
    callback = frame_callback(s)
    try:
        for _ in range(3):
            out = callback(av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p"))
            assert (out.width, out.height) == (width, height)
        snap = s.snapshot()
        assert snap.error is None and snap.frames == 3
    finally:
        s.on_ended()
    assert s._pipeline is None, "the tracker is closed with the stream"


def test_queued_frames_older_than_the_age_limit_are_dropped_but_never_the_newest() -> None:
    s = _session()
    callback = queued_frames_callback(s, keep=4, max_age=0.1)

    def frames_at(*seconds: float) -> list[av.VideoFrame]:
        made = []
        for t in seconds:
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 90, np.uint8), format="rgb24")
            frame.pts, frame.time_base = round(t * 90000), Fraction(1, 90000)
            made.append(frame)
        return made

    assert len(asyncio.run(callback(frames_at(0.0, 0.05, 0.25)))) == 1, "two frames 0.2 s stale are dropped"
    assert len(asyncio.run(callback(frames_at(0.30, 0.32)))) == 2, "a frame that just queued is kept"
    assert s.snapshot().frames == 3

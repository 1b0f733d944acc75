"""Progress over frames: how many a file will give (from its header), and one counter across files."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from conftest import shared_path
from PIL import Image

from core.io.progress import FrameCounter, planned_frames
from core.io.video import MediaError


def test_a_videos_planned_frames_come_from_its_header() -> None:
    video = shared_path("video", "asl_hand.25fps.mp4")  # 325 frames
    assert planned_frames(video) == 325
    assert planned_frames(video, every_n=2) == 163  # frames 0, 2, ..., 324
    assert planned_frames(video, every_n=25) == 13


def test_an_image_is_one_frame_and_a_bad_file_is_named(tmp_path: Path) -> None:
    photo = tmp_path / "hand.png"
    Image.new("RGB", (8, 8)).save(photo)
    assert planned_frames(photo, every_n=5) == 1
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(MediaError, match="notes.txt"):
        planned_frames(tmp_path / "notes.txt")


def test_the_counter_reports_done_of_total_and_carries_the_cancel() -> None:
    seen: list[tuple[int, int]] = []
    cancel = threading.Event()
    counter = FrameCounter(3, lambda done, total: seen.append((done, total)), cancel)
    counter()
    counter()
    assert not counter.cancelled
    cancel.set()
    assert counter.cancelled
    counter(2)  # a video longer than its header said: the total follows
    assert seen == [(0, 3), (1, 3), (2, 3), (4, 4)]
    unknown = FrameCounter(0, lambda done, total: seen.append((done, total)))
    unknown()
    assert seen[-1] == (1, 0) and not unknown.cancelled  # no header said how many: the total stays unknown

"""Progress over frames: how many a file will give (from its header), and one counter across files."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from conftest import shared_path
from PIL import Image

from core.io.progress import FrameCounter, Stopped, count_lines, counted, planned_frames
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


def test_lines_are_counted_with_or_without_a_last_line_break(tmp_path: Path) -> None:
    for text, lines in (("", 0), ("a\n", 1), ("a\nb", 2), ("a\nb\n", 2), ("x" * (3 << 20) + "\ny", 2)):
        (tmp_path / "f.csv").write_text(text)
        assert count_lines(tmp_path / "f.csv") == lines


def test_counted_items_stop_with_the_cancel() -> None:
    cancel = threading.Event()
    counter = FrameCounter(5, None, cancel)
    taken = []
    with pytest.raises(Stopped):
        for item in counted(range(5), counter):
            taken.append(item)
            if item == 1:
                cancel.set()
    assert taken == [0, 1] and counter.done == 2


def test_the_time_left_is_the_pace_so_far_and_unknown_before_a_step_or_a_total() -> None:
    from core.io.progress import seconds_left

    assert seconds_left(6.0, 2, 5) == pytest.approx(9.0)  # 3 s a step, 3 steps left
    assert seconds_left(6.0, 0, 5) is None and seconds_left(6.0, 2, 0) is None
    assert seconds_left(6.0, 5, 5) == 0.0


def test_the_time_left_counts_down_between_steps() -> None:
    """Issue 64: the learning curve's "about 36 s left" read 43, 50, 57, 64 within two seconds of one step."""
    from core.io.progress import seconds_left

    looks = [seconds_left(t, 2, 8, done_at=6.0) for t in (6.0, 7.0, 8.0, 9.0)]  # 3 s a step, 6 steps left
    assert looks == pytest.approx([18.0, 17.0, 16.0, 15.0])
    assert seconds_left(40.0, 2, 8, done_at=6.0) == 1.0  # a slow step: a second, never "0 s left" or less
    assert seconds_left(9.0, 2, 8) == pytest.approx(27.0)  # without when the step ended: the old, rising guess

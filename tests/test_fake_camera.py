"""``bench.common.fake_camera.fake_camera_y4m`` on videos of every common shape (landscape, 16:9, portrait, 4:3).

Chromium's fake camera plays a 640×480 y4m; most laptop webcams record 16:9, which the
old filter (480 high, then pad to 640 wide) could not fit. Each case makes a short
synthetic video with ffmpeg's ``testsrc`` and checks the y4m's header and its frames,
and that the picture keeps its aspect ratio (black bars only where the shape differs).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from bench.common.fake_camera import fake_camera_y4m, y4m_header

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")


def _video(tmp_path: Path, width: int, height: int, seconds: float = 0.5) -> Path:
    path = tmp_path / f"testsrc-{width}x{height}.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc=size={width}x{height}:rate=25:duration={seconds}",
         "-pix_fmt", "yuv420p", str(path)],
        check=True,
    )  # fmt: skip
    return path


def _luma(y4m: Path, index: int = 0) -> np.ndarray:
    """The Y plane (480, 640) of frame ``index``."""
    data = y4m.read_bytes()
    start = data.index(b"\n") + 1
    frame = 640 * 480 * 3 // 2
    for _ in range(index + 1):
        start = data.index(b"\n", start) + 1  # skip the FRAME line
        y = np.frombuffer(data, np.uint8, 640 * 480, start).reshape(480, 640)
        start += frame
    return y


def _picture_box(y: np.ndarray) -> tuple[int, int]:
    """(width, height) of the non-black part (testsrc has no black rows or columns of its own)."""
    rows, cols = np.flatnonzero(y.max(axis=1) > 40), np.flatnonzero(y.max(axis=0) > 40)
    return int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("width", "height", "picture"),
    [
        (1280, 720, (640, 360)),  # 16:9 laptop webcam: full width, bars above and below
        (640, 360, (640, 360)),  # 16:9 already small
        (720, 1280, (270, 480)),  # portrait phone video: full height, bars left and right
        (640, 480, (640, 480)),  # 4:3: unchanged
    ],
)
def test_any_shape_fits_inside_640x480(tmp_path: Path, width: int, height: int, picture: tuple[int, int]) -> None:
    y4m = fake_camera_y4m(_video(tmp_path, width, height), tmp_path / "cache", fps=30)
    header = y4m_header(y4m)
    assert (header["W"], header["H"], header["F"]) == ("640", "480", "30:1")
    assert int(header["frames"]) >= 14, header  # 0.5 s at 30 fps
    box = _picture_box(_luma(y4m, 3))
    assert abs(box[0] - picture[0]) <= 4 and abs(box[1] - picture[1]) <= 4, f"picture {box}, expected {picture}"


@pytest.mark.slow
def test_cached_by_name_and_mtime(tmp_path: Path) -> None:
    video = _video(tmp_path, 640, 360)
    first = fake_camera_y4m(video, tmp_path / "cache")
    stamp = first.stat().st_mtime_ns
    assert fake_camera_y4m(video, tmp_path / "cache") == first
    assert first.stat().st_mtime_ns == stamp, "a cached y4m is reused, not made again"


def test_a_file_that_is_not_a_video_says_so(tmp_path: Path) -> None:
    bad = tmp_path / "notes.mp4"
    bad.write_text("not a video")
    with pytest.raises(RuntimeError, match="ffmpeg could not make a fake camera from .*notes.mp4"):
        fake_camera_y4m(bad, tmp_path / "cache")
    assert not list((tmp_path / "cache").glob("*.y4m")), "no half-written y4m is left to be reused"

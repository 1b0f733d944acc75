"""core.io.writers: images and videos written from RGB frames, and the errors that name the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.io.images import MediaError, read_image
from core.io.writers import write_image, write_video


def _frame(height: int = 24, width: int = 32) -> np.ndarray:
    frame = np.zeros((height, width, 3), np.uint8)
    frame[:, :, 0] = 200  # red in RGB: a BGR mix-up would read back blue
    return frame


def test_an_image_is_written_in_rgb_into_new_folders(tmp_path: Path) -> None:
    path = write_image(tmp_path / "a" / "b" / "red.png", _frame())
    assert path.is_file() and read_image(path)[0, 0].tolist() == [200, 0, 0]


@pytest.mark.parametrize(
    ("name", "frames", "fps", "words"),
    [
        ("clip.mkv", [_frame()], 10, "supports .mp4, .mov, .avi and .gif"),
        ("clip.mp4", [], 10, "no frames to write"),
        ("clip.gif", [], 10, "no frames to write"),
        ("clip.avi", [_frame(), _frame(12, 32)], 10, "differs from the first frame's"),
        ("clip.gif", [_frame(), _frame(12, 32)], 10, "differs from the first frame's"),
        ("clip.mp4", [_frame().astype(np.float32)], 10, "uint8 RGB"),
    ],
)
def test_bad_frames_or_names_are_refused_naming_the_file(
    tmp_path: Path, name: str, frames: list[np.ndarray], fps: float, words: str
) -> None:
    with pytest.raises(MediaError, match=words) as caught:
        write_video(tmp_path / name, frames, fps)
    assert name in str(caught.value)


def test_a_non_image_name_and_a_bad_rate_are_refused(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="image extension"):
        write_image(tmp_path / "red.mp4", _frame())
    with pytest.raises(ValueError, match="fps must be > 0"):
        write_video(tmp_path / "clip.mp4", [_frame()], 0)

"""Minimal media reading for CPM training: list images/videos under folders, read RGB frames.

Frames are decoded by OpenCV (the pixels the CPM was trained on); sizes are checked
first, from the header, against ``core.limits``. Errors are ``ValueError`` naming the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from core.limits import LIMITS, check_video_header
from core.video import image_size

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
VIDEO_EXTENSIONS = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".gif")


def expand_inputs(paths: list[str | Path]) -> list[Path]:
    """Files and folders → sorted media files (folders are searched recursively)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS + VIDEO_EXTENSIONS)
        elif path.is_file():
            found.append(path)
        else:
            raise ValueError(f"no such file or folder: {path}")
    return found


def is_video(path: Path) -> bool:
    return path.suffix.lower() in VIDEO_EXTENSIONS


def read_image(path: Path) -> npt.NDArray[np.uint8]:
    """(H, W, 3) uint8 RGB image, or ValueError naming the file (also for a header over the pixel limit)."""
    image_size(path)  # reads the header only; cv2.imread would allocate whatever size it claims
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError(f"cannot read image {path}")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def iter_video(path: Path, every_n: int = 1) -> Iterator[tuple[int, npt.NDArray[np.uint8]]]:
    """(frame_index, (H, W, 3) uint8 RGB) for every ``every_n``-th frame of a video, up to the frame limit."""
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise ValueError(f"cannot open video {path}")
    try:
        check_video_header(
            path,
            int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
            int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
            max(0, int(capture.get(cv2.CAP_PROP_FRAME_COUNT))),
            float(capture.get(cv2.CAP_PROP_FPS) or 0.0),
        )
        index = 0
        while index < LIMITS.video_frames:
            ok, bgr = capture.read()
            if not ok:
                break
            check_video_header(path, bgr.shape[1], bgr.shape[0], 0, 0.0)
            if index % every_n == 0:
                yield index, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            index += 1
    finally:
        capture.release()

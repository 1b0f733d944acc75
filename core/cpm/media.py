"""Minimal media reading for CPM training: list images/videos under folders, read RGB frames.

Kept here (rather than using ``core.video``) so that the CPM package only needs
OpenCV; errors are ``ValueError`` naming the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

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
    """(H, W, 3) uint8 RGB image, or ValueError naming the file."""
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError(f"cannot read image {path}")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def iter_video(path: Path, every_n: int = 1) -> Iterator[tuple[int, npt.NDArray[np.uint8]]]:
    """(frame_index, (H, W, 3) uint8 RGB) for every ``every_n``-th frame of a video."""
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise ValueError(f"cannot open video {path}")
    try:
        index = 0
        while True:
            ok, bgr = capture.read()
            if not ok:
                break
            if index % every_n == 0:
                yield index, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            index += 1
    finally:
        capture.release()

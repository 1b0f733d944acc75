"""Writing images, videos and GIFs from (H, W, 3) uint8 RGB frames, with errors that name the file.

OpenCV writes in BGR, so the conversion happens here; GIFs go through Pillow.
"""

from __future__ import annotations

import errno
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from core.io.atomic import atomic_path
from core.io.images import MediaError, RGBImage, media_kind


def write_image(path: str | Path, rgb: RGBImage, quality: int = 92) -> Path:
    """Save an (H, W, 3) uint8 RGB image; the format follows the extension. Creates parent folders."""
    path = Path(path)
    if media_kind(path) != "image":
        raise MediaError(path, "write_image needs an image extension")
    _check_frame(path, rgb)
    with atomic_path(path) as tmp:  # a full disk keeps the old file and says so (core.io.atomic)
        Image.fromarray(rgb, mode="RGB").save(tmp, quality=quality)
    return path


def write_video(path: str | Path, frames_rgb: Iterable[RGBImage], fps: float) -> int:
    """Write (H, W, 3) uint8 RGB frames to a video (mp4v for .mp4/.mov, MJPG for .avi, Pillow for .gif).

    All frames must have the first frame's size. Returns the number of frames written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in {".mp4", ".mov", ".avi", ".gif"}:
        raise MediaError(path, "write_video supports .mp4, .mov, .avi and .gif")
    if fps <= 0:
        raise ValueError(f"fps must be > 0, got {fps}")
    with atomic_path(path) as tmp:  # the old file stays until the new one is whole
        if suffix == ".gif":
            return _write_gif(tmp, frames_rgb, fps)
        count = _write_cv2(tmp, frames_rgb, fps, "MJPG" if suffix == ".avi" else "mp4v")
        _check_written(tmp, path, count)
    return count


def _check_written(tmp: Path, path: Path, count: int) -> None:
    """OpenCV's writer drops frames silently on a full disk: read the header back and count them."""
    capture = cv2.VideoCapture(str(tmp))
    try:
        frames = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) if capture.isOpened() else 0
    finally:
        capture.release()
    if frames != count:
        free = shutil.disk_usage(tmp.parent).free
        problem = "disk full" if free < 1024 * 1024 else f"the video holds {frames} of its {count} frames"
        raise OSError(errno.ENOSPC if problem == "disk full" else errno.EIO, problem, str(path))


def _check_frame(path: Path, frame: RGBImage, size: tuple[int, int] | None = None) -> None:
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise MediaError(path, f"frames must be (H, W, 3) uint8 RGB, got shape {frame.shape} dtype {frame.dtype}")
    if size is not None and frame.shape[:2] != size:
        raise MediaError(path, f"frame size {frame.shape[:2]} differs from the first frame's {size}")


def _write_cv2(path: Path, frames_rgb: Iterable[RGBImage], fps: float, fourcc: str) -> int:
    writer: cv2.VideoWriter | None = None
    size: tuple[int, int] | None = None
    count = 0
    try:
        for frame in frames_rgb:
            _check_frame(path, frame, size)
            if writer is None:
                size = frame.shape[:2]
                writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (size[1], size[0]))
                if not writer.isOpened():
                    raise MediaError(path, f"OpenCV cannot write a {fourcc} video here")
            writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
            count += 1
    finally:
        if writer is not None:
            writer.release()
    if count == 0:
        raise MediaError(path, "no frames to write")
    return count


def _write_gif(path: Path, frames_rgb: Iterable[RGBImage], fps: float) -> int:
    frames: Sequence[RGBImage] = list(frames_rgb)
    if not frames:
        raise MediaError(path, "no frames to write")
    for frame in frames:
        _check_frame(path, frame, frames[0].shape[:2])
    images = [Image.fromarray(f, mode="RGB") for f in frames]
    duration = max(1, round(1000.0 / fps))
    images[0].save(path, save_all=True, append_images=images[1:], duration=duration, loop=0)
    return len(images)

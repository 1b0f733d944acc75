"""Reading videos and GIFs (images through ``core.io.images``, writing through ``core.io.writers``), with errors
that name the file; the one module the rest of handteach imports media functions from.

Every frame that leaves this module is an (H, W, 3) uint8 array in **RGB** order,
unmirrored (as stored in the file). OpenCV works in BGR, so the conversion happens
here (and in ``core.io.writers``). Videos go through ``cv2.VideoCapture``, GIFs through Pillow
(OpenCV's GIF support depends on how it was built); a video's frame size and length
are checked against ``core.io.limits`` from its header before frames are read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import ImageSequence, UnidentifiedImageError

from core.io.images import (
    DECODE_ERRORS,
    IMAGE_EXTENSIONS,
    MEDIA_EXTENSIONS,
    VIDEO_EXTENSIONS,
    MediaError,
    MediaLimitError,
    RGBImage,
    check_file,
    image_size,
    media_kind,
    open_checked,
    read_image,
    read_image_bytes,
    to_rgb,
)
from core.io.limits import LIMITS, LimitError, check_video_header
from core.io.writers import write_image, write_video

__all__ = [
    "IMAGE_EXTENSIONS",
    "MEDIA_EXTENSIONS",
    "VIDEO_EXTENSIONS",
    "MediaError",
    "MediaLimitError",
    "Note",
    "RGBImage",
    "VideoInfo",
    "expand_inputs",
    "image_size",
    "iter_frames",
    "media_kind",
    "read_image",
    "read_image_bytes",
    "video_info",
    "write_image",
    "write_video",
]


@dataclass(frozen=True)
class VideoInfo:
    """What a media file holds. ``frames`` is the container's count (an estimate for some codecs)."""

    frames: int
    fps: float  # 0.0 for still images
    width: int
    height: int


Note = Callable[[str], None]  # receives a warning about a file that was still used (e.g. a video cut off)


def iter_frames(path: str | Path, every_n: int = 1, max_frames: int | None = None,
                on_note: Note | None = None) -> Iterator[tuple[int, RGBImage]]:  # fmt: skip
    """Frames of a video, GIF or image as ``(frame_index, (H, W, 3) uint8 RGB)``.

    Args:
        every_n: keep frames whose index is a multiple of ``every_n`` (indices stay
            those of the file, so 0, 5, 10... for ``every_n=5``).
        max_frames: stop after yielding this many frames (None: all).
        on_note: called with a sentence naming the file when a video ends before the
            frame count its container gives (cut off or damaged: the frames read are
            still yielded) or is stopped at the frame limit.

    The path is checked at once; decoding errors (``MediaError`` "no frames could be
    decoded") and limits read from the header (``MediaLimitError``) are raised when
    iteration starts.
    """
    path = Path(path)
    if every_n < 1:
        raise ValueError(f"every_n must be >= 1, got {every_n}")
    if max_frames is not None and max_frames < 1:
        raise ValueError(f"max_frames must be >= 1 or None, got {max_frames}")
    kind = media_kind(path)
    check_file(path)
    if kind == "image":
        return iter([(0, read_image(path))])
    note = on_note or (lambda _: None)
    source = _gif_frames(path, note) if path.suffix.lower() == ".gif" else _cv2_frames(path, every_n, note)
    return _select(path, source, every_n, max_frames)


def _select(
    path: Path, source: Iterator[tuple[int, RGBImage]], every_n: int, max_frames: int | None
) -> Iterator[tuple[int, RGBImage]]:
    """Keep every n-th frame, stop at ``max_frames``, and fail when nothing decoded."""
    yielded = 0
    for index, frame in source:
        if index % every_n:
            continue
        yield index, frame
        yielded += 1
        if max_frames is not None and yielded >= max_frames:
            return
    if yielded == 0:
        raise MediaError(path, "no frames could be decoded (the video is empty, truncated or uses an unknown codec)")


def _check_video(path: Path, width: int, height: int, frames: int, fps: float) -> None:
    try:
        check_video_header(path, width, height, frames, fps)
    except LimitError as exc:
        raise MediaLimitError(path, exc.problem) from None


def _cv2_frames(path: Path, every_n: int, note: Note) -> Iterator[tuple[int, RGBImage]]:
    capture = cv2.VideoCapture(str(path))
    try:
        if not capture.isOpened():
            _check_memory(path, 0, 0)  # FFmpeg could not start its decoder's threads: "error -11"
            raise MediaError(path, "no frames could be decoded (OpenCV cannot open it: not a video, or cut off "
                             "before its index)")  # fmt: skip
        expected = max(0, int(capture.get(cv2.CAP_PROP_FRAME_COUNT)))
        width, height = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        _check_video(path, width, height, expected, fps)
        # A stream whose container gives no count (raw H.264) is held to the same length as a counted one:
        # the frame limit, and the time limit at its frame rate.
        limit = min(LIMITS.video_frames, int(LIMITS.video_seconds * fps)) if fps > 0 else LIMITS.video_frames
        index = 0
        while index < limit:
            if index % every_n:
                # grab() skips the colour conversion and copy of frames we drop
                if not capture.grab():
                    break
            else:
                with _memory_named(path, width, height):
                    ok, bgr = capture.read()
                    if not ok or bgr is None:
                        break
                    _check_video(path, bgr.shape[1], bgr.shape[0], 0, 0.0)  # a header may understate the size
                    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                yield index, rgb
            index += 1
        else:
            note(f"{path.name}: stopped at the limit of {limit:,} frames ({limit / fps:,.0f} s at {fps:g} fps)"
                 if fps > 0 else f"{path.name}: stopped at the limit of {limit:,} frames")  # fmt: skip
        short = index < expected - max(2, expected // 100)  # counts of some codecs are off by a frame or two
        if (short or not index) and index < limit:
            _check_memory(path, width, height)  # FFmpeg says only "Error allocating a picture" and stops
        if index and short:
            note(f"{path.name}: the video ends after {index} of its {expected} frames (cut off or damaged); "
                 f"the {index} frames read were used")  # fmt: skip
    finally:
        capture.release()


# Frames held at once while one is decoded: FFmpeg's picture and its threads' buffers, our BGR copy, the RGB one.
_FRAMES_IN_FLIGHT = 3
_DECODER_BYTES = 64 * 2**20  # a decoder's context, threads and first buffers, for a video whose size is not known


def _no_memory_error(path: Path, width: int, height: int) -> MediaError:
    size = f"a {width}×{height} frame is {width * height * 3 / 2**20:.0f} MB decoded; " if width * height else ""
    return MediaError(path, f"not enough memory to decode the video ({size}close other programs, or raise the "
                            "memory limit: ulimit -v)")  # fmt: skip


@contextmanager
def _memory_named(path: Path, width: int, height: int) -> Iterator[None]:
    """OpenCV's "Insufficient memory" (and Python's ``MemoryError``) while a frame is decoded, as a ``MediaError``
    naming the file: nothing of it is stored, and the next input is tried."""
    try:
        yield
    except MemoryError:
        raise _no_memory_error(path, width, height) from None
    except cv2.error as exc:
        if exc.code != cv2.Error.StsNoMem:
            raise
        raise _no_memory_error(path, width, height) from None


def _check_memory(path: Path, width: int, height: int) -> None:
    """A video that would not open or decode: ``MediaError`` when the process cannot even hold a few frames of its
    size (a memory limit, ``ulimit -v``), so a video is not called damaged for want of memory."""
    try:
        room = np.empty(max(_FRAMES_IN_FLIGHT * width * height * 3, _DECODER_BYTES), np.uint8)  # address space only
    except MemoryError:
        raise _no_memory_error(path, width, height) from None
    del room


def _gif_frames(path: Path, note: Note) -> Iterator[tuple[int, RGBImage]]:
    read = 0
    try:
        with open_checked(path) as gif:
            for index, frame in enumerate(ImageSequence.Iterator(gif)):
                if index >= LIMITS.video_frames:
                    note(f"{path.name}: stopped at the limit of {LIMITS.video_frames:,} frames")
                    return
                rgb = to_rgb(frame)
                read += 1
                yield index, rgb
    except UnidentifiedImageError:
        raise MediaError(path, "no frames could be decoded (not GIF data)") from None
    except MemoryError:
        raise _no_memory_error(path, 0, 0) from None
    except MediaError:
        raise
    except DECODE_ERRORS as exc:
        if not read:
            raise MediaError(path, f"the GIF is corrupt or truncated ({exc})") from None
        # like a cut video: the frames before the damage were used, and the user is told
        note(
            f"{path.name}: the GIF ends after {read} frames (cut off or damaged: {exc}); the {read} frames read were used"
        )


def video_info(path: str | Path) -> VideoInfo:
    """Frame count, frame rate and size of a video, GIF or image (images: 1 frame, fps 0)."""
    path = Path(path)
    kind = media_kind(path)
    check_file(path)
    if kind == "image":
        width, height = image_size(path)
        return VideoInfo(frames=1, fps=0.0, width=width, height=height)
    if path.suffix.lower() == ".gif":
        return _gif_info(path)
    capture = cv2.VideoCapture(str(path))
    try:
        if not capture.isOpened():
            _check_memory(path, 0, 0)
            raise MediaError(path, "no frames could be decoded (OpenCV cannot open the video)")
        info = VideoInfo(
            frames=max(0, int(capture.get(cv2.CAP_PROP_FRAME_COUNT))),
            fps=float(capture.get(cv2.CAP_PROP_FPS) or 0.0),
            width=int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
            height=int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
        )
        _check_video(path, info.width, info.height, info.frames, info.fps)
        return info
    finally:
        capture.release()


def _gif_info(path: Path) -> VideoInfo:
    try:
        with open_checked(path) as gif:
            duration_ms = float(gif.info.get("duration") or 0.0)
            frames = int(getattr(gif, "n_frames", 1))
            return VideoInfo(frames, 1000.0 / duration_ms if duration_ms > 0 else 0.0, gif.width, gif.height)
    except MediaError:
        raise
    except DECODE_ERRORS as exc:
        raise MediaError(path, f"not a readable GIF ({exc})") from None


def expand_inputs(paths: Iterable[str | Path]) -> list[Path]:
    """Files and folders → a list of media files.

    Files are kept as given (they must exist and have a media extension); folders
    become their media files, searched recursively and sorted. Duplicates are dropped,
    keeping the first occurrence.

    Raises:
        MediaError: a path that does not exist, an unsupported file, a folder without media.
    """
    result: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in MEDIA_EXTENSIONS)
            if not found:
                raise MediaError(path, f"the folder holds no media files ({', '.join(sorted(MEDIA_EXTENSIONS))})")
            result.extend(found)
        elif path.exists():
            media_kind(path)
            result.append(path)
        else:
            raise MediaError(path, "file or folder not found")
    return list(dict.fromkeys(result))

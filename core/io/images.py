"""Photos and media files: kinds, errors and image reading, with sizes checked from the header first.

Every image that leaves this module is an (H, W, 3) uint8 array in **RGB** order, unmirrored
(as stored in the file), turned upright by its EXIF orientation. Decoding goes through Pillow
(palette, grey, 16-bit grey and alpha images); ``Image.open`` reads the header only, so the
size is checked against ``core.io.limits`` before any pixel is decoded. ``core.io.video`` builds
on this module for videos and GIFs and re-exports its names.
"""

from __future__ import annotations

import contextlib
import io
import struct
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Literal

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps, UnidentifiedImageError

from core.io.limits import LIMITS, LimitError, check_image_size, check_upload_bytes

RGBImage = npt.NDArray[np.uint8]

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp"})
VIDEO_EXTENSIONS = frozenset({".mp4", ".webm", ".avi", ".mov", ".gif"})
MEDIA_EXTENSIONS = IMAGE_EXTENSIONS | VIDEO_EXTENSIONS
# Pillow's format plugins report damaged data as OSError (truncation) but also, from their parsing
# code, as IndexError, struct.error, KeyError...: all of them mean "this file is damaged".
DECODE_ERRORS: tuple[type[Exception], ...] = (
    OSError, SyntaxError, ValueError, IndexError, KeyError, TypeError, EOFError, ZeroDivisionError, struct.error
)  # fmt: skip


class MediaError(ValueError):
    """A media file that cannot be used; the message names the file and the problem.

    Files over a size limit (``core.io.limits``) raise ``MediaLimitError``, a subclass of both.
    """

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class MediaLimitError(MediaError, LimitError):
    """A media file over a limit of ``core.io.limits`` (pixels, side, frames, duration), found from its header."""

    def __init__(self, path: str | Path, problem: str) -> None:  # one message, not MediaError's and LimitError's
        self.path, self.problem, self.what = Path(path), problem, str(path)
        ValueError.__init__(self, f"{self.path}: {problem}")


def media_kind(path: str | Path) -> Literal["image", "video"]:
    """``"image"`` or ``"video"`` by the file's extension (GIFs count as video)."""
    suffix = Path(path).suffix.lower()
    if suffix in IMAGE_EXTENSIONS:
        return "image"
    if suffix in VIDEO_EXTENSIONS:
        return "video"
    supported = ", ".join(sorted(MEDIA_EXTENSIONS))
    raise MediaError(path, f"unsupported file type '{suffix or '(none)'}' (supported: {supported})")


def check_file(path: Path) -> None:
    """``MediaError`` unless ``path`` is an existing, non-empty file."""
    if not path.exists():
        raise MediaError(path, "file not found")
    if not path.is_file():
        raise MediaError(path, "not a file")
    if path.stat().st_size == 0:
        raise MediaError(path, "the file is empty (0 bytes)")


_SIXTEEN_BIT_MODES = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N"})


def to_rgb(image: Image.Image) -> RGBImage:
    """Pillow image of any mode (L, P, RGBA, I;16, CMYK...) → (H, W, 3) uint8 RGB."""
    if image.mode in _SIXTEEN_BIT_MODES:
        # Pillow's convert() clips 16-bit grey at 255 (a photo turns white); scale 0..65535 to 0..255 instead
        grey = np.asarray(image, dtype=np.float32)
        grey8 = np.clip(np.rint(grey / 257.0), 0, 255).astype(np.uint8)
        return np.repeat(grey8[:, :, None], 3, axis=2)
    if image.mode != "RGB":
        image = image.convert("RGB")
    return np.asarray(image, dtype=np.uint8).copy()


def open_checked(path: Path, source: Path | BinaryIO | None = None) -> Image.Image:
    """``Image.open`` (header only) with its size checked against the limits before any pixel is decoded.

    ``source``: where the bytes are, when not at ``path`` (which then only names them in messages).
    """
    try:
        with warnings.catch_warnings():
            # Pillow warns above its own (larger) limit; ours is checked just below and says more
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(path if source is None else source)
    except Image.DecompressionBombError:
        raise MediaLimitError(
            path,
            f"the header claims more than {2 * (Image.MAX_IMAGE_PIXELS or 0):,} pixels (a decompression bomb?), "
            f"over the limit of {LIMITS.image_pixels:,} pixels",
        ) from None
    try:
        check_image_size(path, *image.size)
    except LimitError as exc:
        image.close()
        raise MediaLimitError(path, exc.problem) from None
    return image


def image_size(path: str | Path) -> tuple[int, int]:
    """(width, height) of an image from its header, checked against the limits; nothing is decoded."""
    path = Path(path)
    check_file(path)
    with _named_errors(path, "the image header is corrupt"), open_checked(path) as image:
        return image.size


def read_image(path: str | Path) -> RGBImage:
    """Read a photo as (H, W, 3) uint8 RGB, turned upright by its EXIF orientation.

    The size in the header is checked against ``core.io.limits`` before decoding.

    Raises:
        MediaError: missing, empty, unsupported, not an image, or truncated/corrupt.
        MediaLimitError: over the pixel or side limit.
    """
    path = Path(path)
    if media_kind(path) != "image":
        raise MediaError(path, f"expected an image ({', '.join(sorted(IMAGE_EXTENSIONS))}), got a video file")
    check_file(path)
    return _decode_image(path)


def read_image_bytes(name: str, data: bytes) -> RGBImage:
    """``read_image`` for an upload held in memory; ``name`` (the user's file name) is used in messages."""
    if not data:
        raise MediaError(name, "the file is empty (0 bytes)")
    try:
        check_upload_bytes(name, len(data))
    except LimitError as exc:
        raise MediaLimitError(name, exc.problem) from None
    return _decode_image(Path(name), io.BytesIO(data))


def _decode_image(path: Path, source: BinaryIO | None = None) -> RGBImage:
    with _named_errors(path, "the image is corrupt or truncated"), open_checked(path, source) as image:
        image.load()  # decode now, so truncation errors surface here and not later
        return to_rgb(ImageOps.exif_transpose(image))


@contextlib.contextmanager
def _named_errors(path: Path, corrupt: str) -> Iterator[None]:
    """Pillow's many exceptions for unreadable data, as one ``MediaError`` naming ``path``."""
    try:
        yield
    except UnidentifiedImageError:
        raise MediaError(path, "not a readable image (the content is not JPEG/PNG/WebP/BMP data)") from None
    except MediaError:
        raise
    except DECODE_ERRORS as exc:
        raise MediaError(path, f"{corrupt} ({type(exc).__name__}: {exc})") from None
    except MemoryError:
        raise MediaError(path, "the image needs more memory to decode than is available") from None

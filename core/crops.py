"""Square hand crops (for the CPM keypoint model and sample thumbnails) and JPEG bytes.

A crop is an affine map of the frame: ``crop = A · [x, y, 1]`` with ``A`` a 2×3
matrix (uniform scale + translation). Points use **continuous pixel coordinates**,
the convention of ``Hand.pixel``: (0, 0) is the top-left *corner* of the image and
the centre of pixel (i, j) is (j + 0.5, i + 0.5). OpenCV's ``warpAffine`` puts
pixel centres on integers instead, so ``hand_crop`` shifts by half a pixel before
warping; keypoints mapped with ``points_to_crop`` then land on the right crop pixels.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

from core.images import DECODE_ERRORS
from core.limits import LimitError, check_image_size
from core.types import NUM_JOINTS, Hand

RGBImage = npt.NDArray[np.uint8]
FloatArray = npt.NDArray[np.float32]
Box = tuple[float, float, float, float]

MIN_SIDE_PX = 16.0  # a crop box never shrinks below this, so a degenerate hand still gives a usable crop


@dataclass(frozen=True)
class HandCrop:
    """A crop and where it came from.

    Attributes:
        image: (size, size, 3) uint8 RGB.
        box: (x0, y0, x1, y1) square box in frame pixels (may extend beyond the frame).
        matrix: (2, 3) float64 affine, frame pixels → crop pixels (continuous coordinates).
    """

    image: RGBImage
    box: Box
    matrix: npt.NDArray[np.float64]


def _pixel_points(hand: Hand | npt.ArrayLike) -> FloatArray:
    points = hand.pixel if isinstance(hand, Hand) else np.asarray(hand, dtype=np.float32)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
        raise ValueError(f"expected (N, 2) pixel points, e.g. (21, 2), got shape {points.shape}")
    if not np.isfinite(points).all():
        raise ValueError("hand points contain NaN or infinity")
    return points


def hand_crop_box(hand: Hand | npt.ArrayLike, image_size: tuple[int, int] | None = None, margin: float = 0.25) -> Box:
    """Square (x0, y0, x1, y1) box in frame pixels around the keypoints.

    The box is centred on the keypoints' bounding box; its side is the larger side
    of that box grown by ``margin`` on each side (so × (1 + 2·margin)). It may
    extend beyond the frame; ``hand_crop`` pads with black there.

    Args:
        hand: a ``Hand`` or (21, 2) pixel points.
        image_size: (width, height) of the frame; sets the smallest side (1/50 of the
            larger frame side, at least ``MIN_SIDE_PX``). Defaults to ``hand.image_size``.
        margin: fraction of the keypoints' extent added on each side, >= 0.
    """
    if margin < 0:
        raise ValueError(f"margin must be >= 0, got {margin}")
    points = _pixel_points(hand)
    if image_size is None and isinstance(hand, Hand):
        image_size = hand.image_size
    lo, hi = points.min(axis=0).astype(np.float64), points.max(axis=0).astype(np.float64)
    centre = (lo + hi) / 2
    min_side = max(MIN_SIDE_PX, max(image_size) / 50 if image_size else 0.0)
    side = max(float((hi - lo).max()) * (1 + 2 * margin), min_side)
    half = side / 2
    return float(centre[0] - half), float(centre[1] - half), float(centre[0] + half), float(centre[1] + half)


def crop_transform(box: Box, size: int) -> npt.NDArray[np.float64]:
    """(2, 3) affine mapping frame pixels inside ``box`` onto a (size × size) crop.

    Continuous coordinates on both sides: the box's top-left corner goes to (0, 0),
    its bottom-right corner to (size, size).
    """
    x0, y0, x1, y1 = box
    side = x1 - x0
    if side <= 0 or not np.isclose(side, y1 - y0, rtol=1e-6):
        raise ValueError(f"crop box must be a non-empty square, got {box}")
    scale = size / side
    return np.array([[scale, 0.0, -scale * x0], [0.0, scale, -scale * y0]], dtype=np.float64)


def points_to_crop(points: npt.ArrayLike, matrix: npt.NDArray[np.float64]) -> FloatArray:
    """(N, 2) frame pixel points → (N, 2) crop pixel points, float32."""
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"expected (N, 2) points, got shape {pts.shape}")
    return (pts @ matrix[:, :2].T + matrix[:, 2]).astype(np.float32)


def points_from_crop(points: npt.ArrayLike, matrix: npt.NDArray[np.float64]) -> FloatArray:
    """(N, 2) crop pixel points → (N, 2) frame pixel points (inverse of ``points_to_crop``)."""
    return points_to_crop(points, cv2.invertAffineTransform(matrix))


def crop_with_transform(rgb: RGBImage, hand: Hand | npt.ArrayLike, size: int = 192, margin: float = 0.25) -> HandCrop:
    """Crop the hand and keep the box and affine needed to map keypoints into the crop and back.

    Args:
        rgb: (H, W, 3) uint8 RGB frame (BGR works too: channels are copied as they are).
        hand: a ``Hand`` or (21, 2) pixel points of the frame.
        size: side of the square output in pixels.
        margin: see ``hand_crop_box``.
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 image, got shape {rgb.shape} dtype {rgb.dtype}")
    if size < 1:
        raise ValueError(f"size must be >= 1, got {size}")
    height, width = rgb.shape[:2]
    box = hand_crop_box(hand, (width, height), margin)
    matrix = crop_transform(box, size)
    # warpAffine works with integer pixel centres: index = continuous - 0.5 on both sides.
    shift = matrix[:, :2].sum(axis=1) * 0.5 - 0.5
    cv_matrix = matrix.copy()
    cv_matrix[:, 2] += shift
    # INTER_AREA is not supported by warpAffine; LINEAR is fine for the usual downscale of ≤ 3×.
    image = cv2.warpAffine(
        rgb, cv_matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0)
    )
    return HandCrop(image=image, box=box, matrix=matrix)


def hand_crop(rgb: RGBImage, hand: Hand | npt.ArrayLike, size: int = 192, margin: float = 0.25) -> RGBImage:
    """(size, size, 3) uint8 RGB square crop around the hand; black where it leaves the frame."""
    return crop_with_transform(rgb, hand, size, margin).image


def hand_keypoints_in_crop(crop: HandCrop, hand: Hand) -> FloatArray:
    """(21, 2) float32 keypoints of ``hand`` in the crop's pixel coordinates."""
    if hand.pixel.shape != (NUM_JOINTS, 2):
        raise ValueError(f"expected a hand with (21, 2) pixel points, got {hand.pixel.shape}")
    return points_to_crop(hand.pixel, crop.matrix)


def encode_jpeg(rgb: RGBImage, quality: int = 90) -> bytes:
    """(H, W, 3) uint8 RGB → JPEG bytes (channels swapped to OpenCV's BGR before encoding)."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 RGB image, got shape {rgb.shape} dtype {rgb.dtype}")
    if not 1 <= quality <= 100:
        raise ValueError(f"JPEG quality must be in 1..100, got {quality}")
    ok, buffer = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError(f"OpenCV could not encode a {rgb.shape} image as JPEG")
    return buffer.tobytes()


def _check_header(data: bytes) -> None:
    """Refuse bytes whose header claims more pixels than ``core.limits`` allows, before OpenCV allocates them."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
    except Image.DecompressionBombError as exc:
        raise LimitError("crop", str(exc)) from None
    except DECODE_ERRORS:
        return  # not a header Pillow reads: cv2.imdecode decides (and fails cleanly)
    check_image_size("crop", width, height)


def decode_jpeg(data: bytes) -> RGBImage:
    """JPEG (or PNG) bytes → (H, W, 3) uint8 RGB. Raises ``ValueError`` for bytes that are not an image."""
    if not data:
        raise ValueError("cannot decode an image from 0 bytes")
    _check_header(data)
    bgr = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError(f"{len(data)} bytes are not a decodable JPEG/PNG image")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)

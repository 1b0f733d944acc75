"""Crop geometry, the one owner: boxes, square windows, frame ↔ crop affines, warping; and JPEG bytes.

Coordinate spaces. **Frame px** and **crop px** are continuous pixel coordinates, the
convention of ``Keypoints.pixel``: (0, 0) is the top-left *corner* of the image and the centre
of pixel (i, j) is (j + 0.5, i + 0.5). A ``Box`` is (x0, y0, x1, y1) in frame px. A crop
is an affine map ``crop = M · [x, y, 1]`` with ``M`` a 2×3 matrix (frame px → crop px);
``points_to_crop`` / ``points_from_crop`` move points through it. OpenCV's ``warpAffine``
puts pixel centres on integers instead, so ``warp`` shifts by half a pixel before warping;
keypoints mapped with ``points_to_crop`` then land on the right crop pixels.

Users: thumbnails and the user's stored crops (``hand_crop``, ``crop_transform``), the CPM
(``window_from_box``, ``crop_matrix`` with rotation and flip, ``warp``), the CPM
tracker (``keypoint_box``, ``box_iou``), and the searches that paint a found hand or person over to find
another (``fill_box``: ``core.keypoints.pose``, ``core.keypoints.following``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from core.io.images import DECODE_ERRORS, MediaLimitError, open_checked
from core.skeletons import HAND_21
from core.types import FloatArray, Keypoints, RGBImage

Box = tuple[float, float, float, float]  # (x0, y0, x1, y1) frame px

MIN_SIDE_PX = 16.0  # a thumbnail box never shrinks below this, so a degenerate hand still gives a usable crop
THUMBNAIL_MARGIN = 0.25  # ``hand_crop``'s default margin: the stored sample crops were cut with it
_CPM_MIN_EXTENT = 8.0  # the CPM's window: a few pixels at least, a point is not a hand


@dataclass(frozen=True)
class CropWindow:
    """A square window of the frame: centre (cx, cy) and side, in frame px."""

    cx: float
    cy: float
    side: float


def keypoint_box(keypoints: npt.ArrayLike) -> Box:
    """Tight (x0, y0, x1, y1) box around (N, 2) frame px points."""
    points = np.asarray(keypoints)
    x0, y0 = np.min(points, axis=0)
    x1, y1 = np.max(points, axis=0)
    return float(x0), float(y0), float(x1), float(y1)


def window_from_box(box: Box, margin: float, min_extent: float = _CPM_MIN_EXTENT) -> CropWindow:
    """Square window centred on ``box``: its longest side (at least ``min_extent``) grown by ``margin`` on each side."""
    x0, y0, x1, y1 = (float(v) for v in box)
    if not (np.isfinite([x0, y0, x1, y1]).all() and x1 >= x0 and y1 >= y0):
        raise ValueError(f"expected a box (x0, y0, x1, y1) with x1 >= x0 and y1 >= y0, got {box}")
    side = max(x1 - x0, y1 - y0, min_extent) * (1.0 + 2.0 * margin)
    return CropWindow((x0 + x1) / 2.0, (y0 + y1) / 2.0, side)


def fill_box(rgb: RGBImage, box: Box) -> None:
    """Fill ``box`` (frame px, clipped to the frame) of an (H, W, 3) frame with the frame's mean colour, in place."""
    height, width = rgb.shape[:2]
    left, top = max(0, int(box[0])), max(0, int(box[1]))
    right, bottom = min(width, int(np.ceil(box[2]))), min(height, int(np.ceil(box[3])))
    if right > left and bottom > top:
        rgb[top:bottom, left:right] = rgb.reshape(-1, 3).mean(axis=0).astype(np.uint8)


def box_iou(a: Box, b: Box) -> float:
    """Intersection over union of two frame px boxes (0 when both are empty)."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


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


def _pixel_points(hand: Keypoints | npt.ArrayLike) -> FloatArray:
    points = hand.pixel if isinstance(hand, Keypoints) else np.asarray(hand, dtype=np.float32)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
        raise ValueError(f"expected (N, 2) pixel points, e.g. (21, 2), got shape {points.shape}")
    if not np.isfinite(points).all():
        raise ValueError("hand points contain NaN or infinity")
    return points


def hand_crop_box(
    hand: Keypoints | npt.ArrayLike, image_size: tuple[int, int] | None = None, margin: float = THUMBNAIL_MARGIN
) -> Box:
    """Square (x0, y0, x1, y1) box in frame pixels around the keypoints.

    The box is centred on the keypoints' bounding box; its side is the larger side
    of that box grown by ``margin`` on each side (so × (1 + 2·margin)). It may
    extend beyond the frame; ``hand_crop`` pads with black there.

    Args:
        hand: a ``Keypoints`` or (21, 2) pixel points.
        image_size: (width, height) of the frame; sets the smallest side (1/50 of the
            larger frame side, at least ``MIN_SIDE_PX``). Defaults to ``hand.image_size``.
        margin: fraction of the keypoints' extent added on each side, >= 0.
    """
    if margin < 0:
        raise ValueError(f"margin must be >= 0, got {margin}")
    points = _pixel_points(hand)
    if image_size is None and isinstance(hand, Keypoints):
        image_size = hand.image_size
    window = window_from_box(keypoint_box(points), margin, min_extent=0.0)
    min_side = max(MIN_SIDE_PX, max(image_size) / 50 if image_size else 0.0)
    half = max(window.side, min_side) / 2
    return window.cx - half, window.cy - half, window.cx + half, window.cy + half


def _affine(window: CropWindow, size: int, angle_deg: float, flip: bool) -> npt.NDArray[np.float64]:
    scale = size / window.side
    theta = np.deg2rad(angle_deg)
    cos, sin = np.cos(theta) * scale, np.sin(theta) * scale
    linear = np.array([[cos, sin], [-sin, cos]], dtype=np.float64)  # y down: +angle turns content counter-clockwise
    if flip:
        linear[0] *= -1.0
    offset = size / 2.0 - linear @ np.array([window.cx, window.cy])  # the window's centre → the crop's centre
    return np.hstack([linear, offset[:, None]])


def crop_matrix(window: CropWindow, size: int, angle_deg: float = 0.0, flip: bool = False) -> FloatArray:
    """(2, 3) float32 affine frame px → crop px mapping ``window`` onto a ``size``×``size`` crop (the CPM's).

    ``angle_deg`` rotates the content counter-clockwise about the window centre;
    ``flip`` mirrors it left-right (both used by training augmentation).
    """
    return _affine(window, size, angle_deg, flip).astype(np.float32)


def crop_transform(box: Box, size: int) -> npt.NDArray[np.float64]:
    """(2, 3) affine mapping frame pixels inside ``box`` onto a (size × size) crop.

    Continuous coordinates on both sides: the box's top-left corner goes to (0, 0),
    its bottom-right corner to (size, size).
    """
    x0, y0, x1, y1 = box
    side = x1 - x0
    if side <= 0 or not np.isclose(side, y1 - y0, rtol=1e-6):
        raise ValueError(f"crop box must be a non-empty square, got {box}")
    return _affine(CropWindow((x0 + x1) / 2, (y0 + y1) / 2, side), size, 0.0, False)


def warp(rgb: RGBImage, matrix: npt.NDArray[np.floating], size: int) -> RGBImage:
    """(size, size, 3) uint8 crop of ``rgb`` through ``matrix`` (frame px → crop px); outside the frame is black."""
    linear = matrix[:, :2].astype(np.float64)
    # warpAffine works with integer pixel centres: index = continuous - 0.5 on both sides.
    offset = matrix[:, 2] + linear @ np.array([0.5, 0.5]) - 0.5
    # INTER_AREA is not supported by warpAffine; LINEAR is fine for the usual downscale of ≤ 3×.
    return cv2.warpAffine(
        rgb,
        np.hstack([linear, offset[:, None]]),
        (size, size),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(0, 0, 0),
    )


def points_to_crop(points: npt.ArrayLike, matrix: npt.NDArray[np.floating]) -> FloatArray:
    """(N, 2) frame px points → (N, 2) crop px points through a (2, 3) affine, float32."""
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"expected (N, 2) points, got shape {pts.shape}")
    return (pts @ matrix[:, :2].T + matrix[:, 2]).astype(np.float32)


def points_from_crop(points: npt.ArrayLike, matrix: npt.NDArray[np.floating]) -> FloatArray:
    """(N, 2) crop px points → (N, 2) frame px points (inverse of ``points_to_crop``)."""
    return points_to_crop(points, cv2.invertAffineTransform(matrix))


def crop_with_transform(
    rgb: RGBImage, hand: Keypoints | npt.ArrayLike, size: int = 192, margin: float = THUMBNAIL_MARGIN
) -> HandCrop:
    """Crop the hand and keep the box and affine needed to map keypoints into the crop and back.

    Args:
        rgb: (H, W, 3) uint8 RGB frame (BGR works too: channels are copied as they are).
        hand: a ``Keypoints`` or (21, 2) pixel points of the frame.
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
    return HandCrop(image=warp(rgb, matrix, size), box=box, matrix=matrix)


def hand_crop(
    rgb: RGBImage, hand: Keypoints | npt.ArrayLike, size: int = 192, margin: float = THUMBNAIL_MARGIN
) -> RGBImage:
    """(size, size, 3) uint8 RGB square crop around the hand; black where it leaves the frame."""
    return crop_with_transform(rgb, hand, size, margin).image


def hand_keypoints_in_crop(crop: HandCrop, hand: Keypoints) -> FloatArray:
    """(21, 2) float32 keypoints of ``hand`` in the crop's pixel coordinates."""
    if hand.skeleton != HAND_21:  # the crops feed the CPM, a hand model
        raise ValueError(f"expected hand keypoints, got {hand.skeleton.name} keypoints")
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


# Print colours: OpenCV decodes an Adobe CMYK JPEG with its inks inverted, and no camera or browser canvas makes one.
REFUSED_MODES = ("CMYK",)


def check_crop_mode(mode: str) -> None:
    """``ValueError`` for a picture whose colour mode (Pillow's ``Image.mode``) a crop may not have."""
    if mode in REFUSED_MODES:
        raise ValueError(f"a {mode} image (print colours, not a camera's): a crop must be an RGB JPEG")


def _check_header(data: bytes) -> None:
    """Refuse bytes whose header claims more pixels than ``core.io.limits`` allows, before OpenCV allocates them,
    or a colour mode a crop may not have."""
    try:
        with open_checked(Path("crop"), io.BytesIO(data)) as image:
            mode = image.mode
    except MediaLimitError:
        raise
    except DECODE_ERRORS:
        return  # not a header Pillow reads: cv2.imdecode decides (and fails cleanly)
    check_crop_mode(mode)


def decode_jpeg(data: bytes) -> RGBImage:
    """JPEG (or PNG) bytes → (H, W, 3) uint8 RGB. Raises ``ValueError`` for bytes that are not an image, or a CMYK one."""
    if not data:
        raise ValueError("cannot decode an image from 0 bytes")
    _check_header(data)
    bgr = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError(f"{len(data)} bytes are not a decodable JPEG/PNG image")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)

"""Square hand crops and the affine maps between frame pixels and crop pixels.

A crop is described by a 2×3 affine matrix ``M`` (frame px → crop px). Points use
**continuous pixel coordinates**, as ``Hand.pixel`` and ``core.crops`` do: (0, 0) is
the top-left *corner* and the centre of pixel (i, j) is (j + 0.5, i + 0.5). ``warp``
converts to OpenCV's integer-centre convention. Without rotation, the window of
``window_from_box(keypoint_box(points), margin)`` is the square box of
``core.crops.hand_crop_box`` (same centre, side × (1 + 2·margin)). Keypoints decoded
in crop px go back to the frame with ``to_frame(points, M)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
Box = tuple[float, float, float, float]  # (x0, y0, x1, y1) frame px


@dataclass(frozen=True)
class CropWindow:
    """A square window of the frame: centre (x, y) and side, in frame px."""

    cx: float
    cy: float
    side: float


def keypoint_box(keypoints: FloatArray) -> Box:
    """Tight (x0, y0, x1, y1) box around (21, 2) keypoints, frame px."""
    x0, y0 = np.min(keypoints, axis=0)
    x1, y1 = np.max(keypoints, axis=0)
    return float(x0), float(y0), float(x1), float(y1)


def window_from_box(box: Box, margin: float) -> CropWindow:
    """Square window centred on ``box``: its longest side grown by ``margin`` of it on each side."""
    x0, y0, x1, y1 = (float(v) for v in box)
    if not (np.isfinite([x0, y0, x1, y1]).all() and x1 >= x0 and y1 >= y0):
        raise ValueError(f"expected a box (x0, y0, x1, y1) with x1 >= x0 and y1 >= y0, got {box}")
    side = max(x1 - x0, y1 - y0, 8.0) * (1.0 + 2.0 * margin)  # at least a few pixels: a point is not a hand
    return CropWindow((x0 + x1) / 2.0, (y0 + y1) / 2.0, side)


def crop_matrix(window: CropWindow, size: int, angle_deg: float = 0.0, flip: bool = False) -> FloatArray:
    """(2, 3) affine frame px → crop px mapping ``window`` onto a ``size``×``size`` crop.

    ``angle_deg`` rotates the content counter-clockwise about the window centre;
    ``flip`` mirrors it left-right (both used by training augmentation).
    """
    scale = size / window.side
    theta = np.deg2rad(angle_deg)
    cos, sin = np.cos(theta) * scale, np.sin(theta) * scale
    linear = np.array([[cos, sin], [-sin, cos]], dtype=np.float64)  # y down: +angle turns content counter-clockwise
    if flip:
        linear[0] *= -1.0
    centre_out = size / 2.0  # continuous coordinates: the crop's centre
    offset = centre_out - linear @ np.array([window.cx, window.cy])
    return np.hstack([linear, offset[:, None]]).astype(np.float32)


def warp(rgb: npt.NDArray[np.uint8], matrix: FloatArray, size: int) -> npt.NDArray[np.uint8]:
    """(size, size, 3) uint8 crop of ``rgb`` through ``matrix`` (continuous coordinates); outside the frame is black."""
    linear = matrix[:, :2].astype(np.float64)
    # continuous c = integer-centre x + 0.5 on both sides: x_d = A·x_s + (t + A·½ − ½)
    offset = matrix[:, 2] + linear @ np.array([0.5, 0.5]) - 0.5
    opencv = np.hstack([linear, offset[:, None]])
    return cv2.warpAffine(rgb, opencv, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)


def apply(points: FloatArray, matrix: FloatArray) -> FloatArray:
    """(N, 2) points through a (2, 3) affine."""
    pts = np.asarray(points, dtype=np.float32)
    return (pts @ matrix[:, :2].T + matrix[:, 2]).astype(np.float32)


def to_frame(points: FloatArray, matrix: FloatArray) -> FloatArray:
    """(N, 2) crop px → frame px, inverting ``matrix`` (frame → crop)."""
    return apply(points, cv2.invertAffineTransform(matrix))

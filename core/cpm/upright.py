"""Reading a hand upright, as MediaPipe's landmark model does.

An "upright" CPM (``CPMConfig.upright``) reads every hand turned so that the wrist → middle-finger
knuckle line (joints 0 → 9) points up. Trained that way, the network learns one orientation of each
finger configuration instead of all of them. The angle comes from a first pass of the same network
on the unturned crop: those two joints are the ones it finds best at any orientation.
"""

from __future__ import annotations

import numpy as np

from core.types import FloatArray

WRIST, MIDDLE_KNUCKLE = 0, 9


def upright_angle(points: FloatArray) -> float:
    """Degrees to turn a crop's content counter-clockwise (``crop_matrix``'s ``angle_deg``) so the hand points up.

    Args:
        points: (21, 2) keypoints in any pixel space with y down (frame, crop or base-crop px).
    """
    dx, dy = (np.asarray(points, np.float64)[MIDDLE_KNUCKLE] - np.asarray(points, np.float64)[WRIST]).tolist()
    return float(np.degrees(np.arctan2(dx, -dy)))


def unturn(points: FloatArray, angle_deg: float, size: int) -> FloatArray:
    """(N, 2) px of a crop turned by ``angle_deg`` about its centre → px of the same crop unturned."""
    theta = np.deg2rad(angle_deg)
    cos, sin = np.cos(theta), np.sin(theta)
    # crop_matrix turns by [[cos, sin], [-sin, cos]]; its inverse is the transpose
    inverse = np.array([[cos, -sin], [sin, cos]])
    centre = size / 2.0
    return ((np.asarray(points, np.float64) - centre) @ inverse.T + centre).astype(np.float32)

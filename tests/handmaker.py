"""Synthetic hands for fast unit tests: a plausible right-hand skeleton in pixel space.

Real keypoints come from MediaPipe in the tests that use ../shared/data; these are
for checking geometry (invariances, mirroring) where exact control matters.
"""

from __future__ import annotations

import numpy as np

from core.skeletons import HAND_21
from core.types import Keypoints

# An open right hand seen from the palm side in an unmirrored frame, fingers up,
# wrist at the origin, units of roughly one pixel at a hand 200 px tall.
_OPEN_RIGHT = np.array(
    [
        [0, 0], [-30, -20], [-55, -45], [-70, -70], [-85, -90],
        [-30, -90], [-35, -130], [-37, -155], [-38, -175],
        [-5, -95], [-5, -140], [-5, -168], [-5, -190],
        [18, -90], [22, -132], [24, -158], [25, -178],
        [38, -80], [46, -112], [50, -132], [53, -150],
    ],
    dtype=np.float32,
)  # fmt: skip


def pointing_hand(direction_deg: float) -> np.ndarray:
    """(21, 2) keypoints of a hand with the index finger out, pointing ``direction_deg``
    counter-clockwise from image +x (y down), other fingers curled near the palm."""
    pts = _OPEN_RIGHT.copy()
    for tip_chain in ((9, 10, 11, 12), (13, 14, 15, 16), (17, 18, 19, 20)):
        base = pts[tip_chain[0]]
        for k, j in enumerate(tip_chain[1:], start=1):
            pts[j] = base + np.array([0, 8 * k], dtype=np.float32)  # curled: tips fold back towards the wrist
    # Rotate the whole hand so the index finger (wrist→index tip) points along direction_deg.
    current = np.arctan2(-(pts[8, 1]), pts[8, 0])
    angle = np.deg2rad(direction_deg) - current
    return rotate(pts, np.rad2deg(angle))


def rotate(points: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate (21, 2) image-space points about the wrist, counter-clockwise as seen on screen."""
    a = np.deg2rad(degrees)
    rot = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]], dtype=np.float32)  # y points down
    rel = points - points[0]
    return (rel @ rot.T + points[0]).astype(np.float32)


def make_hand(points: np.ndarray | None = None, offset=(320.0, 300.0), scale: float = 1.0, handedness: str = "Right",
              image_size=(640, 480), depth: bool = True) -> Keypoints:  # fmt: skip
    """A ``Keypoints`` from (21, 2) wrist-relative points, placed at ``offset`` and scaled."""
    pts = (_OPEN_RIGHT if points is None else points) * scale + np.asarray(offset, dtype=np.float32)
    w, h = image_size
    z = (
        np.linspace(0, -0.05, HAND_21.num_joints, dtype=np.float32)[:, None]
        if depth
        else np.zeros((HAND_21.num_joints, 1), np.float32)
    )
    normalised = np.concatenate([pts / np.array([w, h], dtype=np.float32), z], axis=1).astype(np.float32)
    world = (
        np.zeros((HAND_21.num_joints, 3), np.float32) if depth else np.full((HAND_21.num_joints, 3), np.nan, np.float32)
    )
    return Keypoints(pixel=pts.astype(np.float32), normalised=normalised, world=world, handedness=handedness, score=0.99,
                image_size=image_size)  # fmt: skip


def mirror_hand(hand: Keypoints) -> Keypoints:
    """The same hand flipped left-right in its frame: what the other hand making the mirror pose looks like."""
    w = hand.image_size[0]
    pixel = hand.pixel.copy()
    pixel[:, 0] = w - pixel[:, 0]
    normalised = hand.normalised.copy()
    normalised[:, 0] = 1.0 - normalised[:, 0]
    other = {"Left": "Right", "Right": "Left"}.get(hand.handedness, "Unknown")
    return Keypoints(pixel=pixel, normalised=normalised, world=hand.world.copy(), handedness=other, score=hand.score,
                image_size=hand.image_size)  # fmt: skip

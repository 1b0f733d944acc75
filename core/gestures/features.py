"""Hand keypoints → a feature vector for the gesture classifier, and its augmentation.

The vector is the 20 non-wrist joints in the **user view** (the frame mirrored
left-right, see ``core.types``), relative to the wrist and divided by the largest
wrist-to-joint distance in the image plane. So it does not change with where the
hand is in the frame or how large it is, but it keeps orientation: 👍 and 👎, or
☝, 👉 and 👈, differ only by how the hand is turned, and that survives.

Nothing makes the vector blind to which hand is shown. Instead, training adds a
mirrored copy of every sample (``mirror_features``) with its label mapped through
the class's mirror partner: a right hand's 👉, mirrored, is a left hand's 👈.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from core.types import NUM_JOINTS, Keypoints

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class FeatureConfig:
    """How keypoints become a vector. Stored with every model."""

    use_depth: bool = True  # add MediaPipe's relative z (needs samples with depth; 2D CSV imports have none)
    version: int = 1  # bump when the computation changes, so old models are refused

    @property
    def dims(self) -> int:
        """Coordinates per joint: 3 with depth, else 2."""
        return 3 if self.use_depth else 2

    @property
    def size(self) -> int:
        """Length of the feature vector."""
        return (NUM_JOINTS - 1) * self.dims


def keypoints_to_features(points: FloatArray, config: FeatureConfig) -> FloatArray:
    """Batch of keypoints → features.

    Args:
        points: (N, 21, 2) or (N, 21, 3) float, **user view**, any uniform scale
            (pixels, or kinivi's normalised values); z, when present, on the
            same scale as x.
        config: with ``use_depth`` the third coordinate is kept, else dropped.

    Returns:
        (N, config.size) float32.
    """
    points = np.asarray(points, dtype=np.float32)
    if points.ndim != 3 or points.shape[1] != NUM_JOINTS or points.shape[2] not in (2, 3):
        raise ValueError(f"expected keypoints of shape (N, 21, 2|3), got {points.shape}")
    if config.use_depth and points.shape[2] != 3:
        raise ValueError("this feature config uses depth but the keypoints are 2D")
    relative = points[:, 1:, : config.dims] - points[:, :1, : config.dims]
    reach = np.linalg.norm(relative[:, :, :2], axis=2).max(axis=1)  # (N,)
    if np.any(reach <= 1e-9):
        raise ValueError("degenerate hand: every keypoint sits on the wrist")
    return (relative / reach[:, None, None]).reshape(len(points), -1).astype(np.float32)


def user_view_points(hand: Keypoints, use_depth: bool) -> FloatArray:
    """(21, 2|3) keypoints of ``hand`` in the user view, on the pixel scale (z × image width)."""
    width = float(hand.image_size[0])
    xy = hand.pixel.astype(np.float32).copy()
    xy[:, 0] = -xy[:, 0]  # mirror: the user sees a selfie view
    if not use_depth:
        return xy
    z = hand.normalised[:, 2:3].astype(np.float32) * width
    return np.concatenate([xy, z], axis=1)


def hand_features(hand: Keypoints, config: FeatureConfig) -> FloatArray:
    """(config.size,) float32 features of one hand."""
    if config.use_depth and not hand.has_depth:
        raise ValueError("this model uses depth, but the hand has no depth (2D-only keypoints)")
    return keypoints_to_features(user_view_points(hand, config.use_depth)[None], config)[0]


def mirror_features(features: FloatArray, config: FeatureConfig) -> FloatArray:
    """Left-right mirror of (N, size) features: the same pose made with the other hand."""
    mirrored = np.array(features, dtype=np.float32, copy=True).reshape(len(features), NUM_JOINTS - 1, config.dims)
    mirrored[:, :, 0] = -mirrored[:, :, 0]
    return mirrored.reshape(len(features), -1)


@dataclass(frozen=True)
class AugmentConfig:
    """Random changes applied to training features, each drawn per sample."""

    # ±15° in the image plane: far from the 90° between ☝ and 👉 and the 180°
    # between 👍 and 👎, so a turned sample never looks like another gesture.
    max_rotation_deg: float = 15.0
    max_stretch: float = 0.10  # independent x/y scale, mimics perspective and hand shape
    jitter: float = 0.015  # Gaussian noise per coordinate, relative to the hand's reach


def augment(features: FloatArray, config: FeatureConfig, aug: AugmentConfig, rng: np.random.Generator) -> FloatArray:
    """Randomly rotated, stretched and jittered copy of (N, size) features, renormalised."""
    n = len(features)
    pts = np.array(features, dtype=np.float32).reshape(n, NUM_JOINTS - 1, config.dims)
    angle = np.deg2rad(rng.uniform(-aug.max_rotation_deg, aug.max_rotation_deg, n)).astype(np.float32)
    cos, sin = np.cos(angle)[:, None], np.sin(angle)[:, None]
    x, y = pts[:, :, 0].copy(), pts[:, :, 1].copy()
    pts[:, :, 0] = cos * x - sin * y
    pts[:, :, 1] = sin * x + cos * y
    stretch = rng.uniform(1 - aug.max_stretch, 1 + aug.max_stretch, (n, 1, config.dims)).astype(np.float32)
    pts = pts * stretch + rng.normal(0.0, aug.jitter, pts.shape).astype(np.float32)
    reach = np.linalg.norm(pts[:, :, :2], axis=2).max(axis=1)
    return (pts / reach[:, None, None]).reshape(n, -1).astype(np.float32)

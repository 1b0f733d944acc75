"""Keypoints of any skeleton → a feature vector for the gesture classifier, and its augmentation.

The vector holds the joints in the **user view** (the frame mirrored left-right, see
``core.types``), relative to the skeleton's root and divided by its size, so it does not
change with where the hand or body is in the frame or how large it is, but it keeps
orientation: 👍 and 👎, or ☝, 👉 and 👈, differ only by how the hand is turned.

* **Root**: the mean of ``Skeleton.root_joints`` (a hand's wrist, a body's hip centre). A
  single root joint is always at 0 and is left out: a hand gives its 20 non-wrist joints.
* **Size**: the mean image-plane length of ``Skeleton.scale_joints`` (a body's two
  shoulder-to-hip sides), or with none the *reach*, the largest root-to-joint distance (a
  hand, whose folding fingers change any one bone's apparent length). Hands compute exactly
  what version 1 always has.
* **Visibility** (``FeatureConfig.use_visibility``, bodies): a joint the detector rates below
  ``min_visibility`` gets coordinates 0 and a 0 in a per-joint flag block appended to the
  vector, so the classifier can tell "hidden" from "at the root".

Nothing makes the vector blind to which side is shown. Instead, training adds a mirrored
copy of every sample (``mirror_features``: x negated, left and right joints swapped by
``Skeleton.flip_indices``) with its label mapped through the class's mirror partner: a
right hand's 👉, mirrored, is a left hand's 👈.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from core.skeletons import Skeleton, skeleton_named
from core.types import FloatArray, Keypoints

_VISIBLE_SCALE_MIN = 1e-9  # a smaller size means every point sits on the root


@dataclass(frozen=True)
class FeatureConfig:
    """How keypoints become a vector. Stored with every model.

    Attributes:
        use_depth: add the relative z (needs samples with depth; 2D CSV imports have none).
        version: bump when the computation changes, so old models are refused.
        skeleton: the name of the ``core.skeletons`` layout the model reads; a model refuses others.
        use_visibility: zero hidden joints and append a (K,) visible flag per joint (bodies).
        min_visibility: a joint rated below this by the detector counts as hidden.
    """

    use_depth: bool = True
    version: int = 1
    skeleton: str = "hand"
    use_visibility: bool = False
    min_visibility: float = 0.5

    @functools.cached_property  # looked up once: features run on every live frame
    def layout(self) -> Skeleton:
        return skeleton_named(self.skeleton)

    @property
    def dims(self) -> int:
        """Coordinates per joint: 3 with depth, else 2."""
        return 3 if self.use_depth else 2

    @functools.cached_property
    def joints(self) -> tuple[int, ...]:
        """The joints the vector holds, in order: all but a single root joint (always 0)."""
        layout = self.layout
        roots = layout.root_joints
        return tuple(j for j in range(layout.num_joints) if len(roots) > 1 or j != roots[0])

    @functools.cached_property
    def take(self) -> slice | list[int]:
        """``joints`` as an index: a slice when they are contiguous (a view, no index array per frame)."""
        joints = self.joints
        contiguous = joints == tuple(range(joints[0], joints[-1] + 1))
        return slice(joints[0], joints[-1] + 1) if contiguous else list(joints)

    @property
    def size(self) -> int:
        """Length of the feature vector."""
        flags = self.layout.num_joints if self.use_visibility else 0
        return len(self.joints) * self.dims + flags


def keypoints_to_features(
    points: FloatArray, config: FeatureConfig, visibility: FloatArray | None = None
) -> FloatArray:
    """Batch of keypoints → features.

    Args:
        points: (N, K, 2) or (N, K, 3) float, K the joints of ``config.skeleton``, **user view**,
            any uniform scale (pixels, or kinivi's normalised values); z, when present, on the
            same scale as x.
        config: with ``use_depth`` the third coordinate is kept, else dropped.
        visibility: (N, K) in [0, 1], read only with ``config.use_visibility``; None counts every
            joint as visible.

    Returns:
        (N, config.size) float32.
    """
    layout = config.layout
    k = layout.num_joints
    points = np.asarray(points, dtype=np.float32)
    if points.ndim != 3 or points.shape[1] != k or points.shape[2] not in (2, 3):
        raise ValueError(f"expected {layout.name} keypoints of shape (N, {k}, 2|3), got {points.shape}")
    if config.use_depth and points.shape[2] != 3:
        raise ValueError("this feature config uses depth but the keypoints are 2D")
    n, dims, roots = len(points), config.dims, layout.root_joints
    if len(roots) == 1:
        origin = points[:, roots[0] : roots[0] + 1, :dims]  # indexing, not a mean: version 1 bit for bit
    else:
        origin = points[:, list(roots), :dims].mean(axis=1, keepdims=True)
    relative = points[:, config.take, :dims] - origin
    size = _size(points[:, :, :2], relative[:, :, :2], layout)
    if np.any(size <= _VISIBLE_SCALE_MIN):
        raise ValueError(f"degenerate {layout.name}: every keypoint sits on the root")
    features = relative / size[:, None, None]
    if not config.use_visibility:
        return features.reshape(n, -1).astype(np.float32)
    visible = np.ones((n, k), bool) if visibility is None else np.asarray(visibility) >= config.min_visibility
    if visible.shape != (n, k):
        raise ValueError(f"expected visibility of shape ({n}, {k}), got {visible.shape}")
    features[~visible[:, config.take]] = 0.0
    return np.concatenate([features.reshape(n, -1), visible.astype(np.float32)], axis=1).astype(np.float32)


def _size(points_2d: FloatArray, relative_2d: FloatArray, layout: Skeleton) -> FloatArray:
    """(N,) size of each skeleton: mean scale-segment length, or the reach when it has none."""
    if not layout.scale_joints:
        return np.linalg.norm(relative_2d, axis=2).max(axis=1)
    a, b = (list(side) for side in zip(*layout.scale_joints, strict=True))
    return np.linalg.norm(points_2d[:, a] - points_2d[:, b], axis=2).mean(axis=1)


def user_view_points(hand: Keypoints, use_depth: bool) -> FloatArray:
    """(K, 2|3) keypoints of ``hand`` (or body) in the user view, on the pixel scale (z × image width)."""
    width = float(hand.image_size[0])
    xy = hand.pixel.astype(np.float32).copy()
    xy[:, 0] = -xy[:, 0]  # mirror: the user sees a selfie view
    if not use_depth:
        return xy
    z = hand.normalised[:, 2:3].astype(np.float32) * width
    return np.concatenate([xy, z], axis=1)


def check_skeleton(hand: Keypoints, config: FeatureConfig) -> None:
    """Refuse keypoints of another skeleton than the model's, naming both."""
    if hand.skeleton.name != config.skeleton:
        raise ValueError(f"this model reads {config.skeleton} keypoints, got {hand.skeleton.name} keypoints")


def hand_features(hand: Keypoints, config: FeatureConfig) -> FloatArray:
    """(config.size,) float32 features of one hand or body."""
    check_skeleton(hand, config)
    if config.use_depth and not hand.has_depth:
        raise ValueError("this model uses depth, but the keypoints have no depth (2D-only keypoints)")
    visibility = None if hand.visibility is None else hand.visibility[None]
    return keypoints_to_features(user_view_points(hand, config.use_depth)[None], config, visibility)[0]


def _split(features: FloatArray, config: FeatureConfig) -> tuple[FloatArray, FloatArray | None]:
    """(N, size) → (N, J, dims) coordinates (a copy) and (N, K) visible flags or None."""
    n, cut = len(features), len(config.joints) * config.dims
    values = np.array(features, dtype=np.float32, copy=True).reshape(n, config.size)
    flags = values[:, cut:] if config.use_visibility else None
    return values[:, :cut].reshape(n, -1, config.dims), flags


def _join(points: FloatArray, flags: FloatArray | None) -> FloatArray:
    flat = points.reshape(len(points), -1)
    return (flat if flags is None else np.concatenate([flat, flags], axis=1)).astype(np.float32)


def mirror_features(features: FloatArray, config: FeatureConfig) -> FloatArray:
    """Left-right mirror of (N, size) features: the same pose made with the other hand (or by a mirrored body).

    x is negated and each joint takes the place of its mirror partner (``Skeleton.flip_indices``).
    """
    points, flags = _split(features, config)
    points[:, :, 0] = -points[:, :, 0]
    flip = config.layout.flip_indices
    joints = config.joints
    position = {j: i for i, j in enumerate(joints)}
    order = [position[flip[j]] for j in joints]  # a single root maps to itself, so it is never asked for
    return _join(points[:, order], None if flags is None else flags[:, list(flip)])


@dataclass(frozen=True)
class AugmentConfig:
    """Random changes applied to training features, each drawn per sample."""

    # ±15° in the image plane: far from the 90° between ☝ and 👉 and the 180°
    # between 👍 and 👎, so a turned sample never looks like another gesture.
    max_rotation_deg: float = 15.0
    max_stretch: float = 0.10  # independent x/y scale, mimics perspective and hand shape
    jitter: float = 0.015  # Gaussian noise per coordinate, relative to the skeleton's size
    # Out-of-plane turn (yaw and pitch, each drawn in ±this) of features with depth: the hand turned
    # towards or away from the camera, as a person's later frames show it. 0 keeps version 1 exactly.
    max_turn_deg: float = 0.0


def augment(features: FloatArray, config: FeatureConfig, aug: AugmentConfig, rng: np.random.Generator) -> FloatArray:
    """Randomly rotated, stretched and jittered copy of (N, size) features, renormalised.

    Hidden joints (flag 0) stay at 0 and the flags are kept; the size is measured again as
    ``keypoints_to_features`` does, from the visible joints.
    """
    n = len(features)
    pts, flags = _split(features, config)
    scaled = bool(config.layout.scale_joints)
    before = _segment_size(pts, flags, config) if scaled else None
    angle = np.deg2rad(rng.uniform(-aug.max_rotation_deg, aug.max_rotation_deg, n)).astype(np.float32)
    cos, sin = np.cos(angle)[:, None], np.sin(angle)[:, None]
    x, y = pts[:, :, 0].copy(), pts[:, :, 1].copy()
    pts[:, :, 0] = cos * x - sin * y
    pts[:, :, 1] = sin * x + cos * y
    stretch = rng.uniform(1 - aug.max_stretch, 1 + aug.max_stretch, (n, 1, config.dims)).astype(np.float32)
    pts = pts * stretch + rng.normal(0.0, aug.jitter, pts.shape).astype(np.float32)
    if aug.max_turn_deg > 0 and config.dims == 3:
        turn = rng.uniform(-aug.max_turn_deg, aug.max_turn_deg, (2, n))
        pts = turn_points(pts, turn[0], turn[1])
    if flags is not None:
        pts[flags[:, config.take] == 0] = 0.0
    # without scale segments the reach, measured again: version 1's hand augmentation exactly
    size = _reach(pts) if before is None else _segment_size(pts, flags, config) / np.maximum(before, _VISIBLE_SCALE_MIN)
    return _join(pts / size[:, None, None], flags)


def _reach(pts: FloatArray) -> FloatArray:
    """(N,) largest 2D distance of (N, J, dims) root-relative points from the root: ``np.linalg.norm`` over the
    strided x, y took ten times as long, for the same numbers."""
    return np.sqrt((pts[:, :, 0] ** 2 + pts[:, :, 1] ** 2).max(axis=1))


def _segment_size(pts: FloatArray, flags: FloatArray | None, config: FeatureConfig) -> FloatArray:
    """(N,) mean length of the scale segments whose two ends are visible; 1 where none is.

    Hidden joints were zeroed, so only visible segments can say how much an augmentation
    changed the size: ``augment`` divides by the ratio of this after to before.
    """
    full = np.zeros((len(pts), config.layout.num_joints, 2), np.float32)  # a dropped single root stays at 0
    full[:, config.take] = pts[:, :, :2]
    a, b = (list(side) for side in zip(*config.layout.scale_joints, strict=True))
    lengths = np.linalg.norm(full[:, a] - full[:, b], axis=2)  # (N, segments)
    seen = np.ones_like(lengths, bool) if flags is None else (flags[:, a] > 0) & (flags[:, b] > 0)
    count = seen.sum(axis=1)
    return np.where(count > 0, (lengths * seen).sum(axis=1) / np.maximum(count, 1), 1.0).astype(np.float32)


def turn_points(points: FloatArray, yaw_deg: FloatArray, pitch_deg: FloatArray) -> FloatArray:
    """(N, J, 3) root-relative points turned about the root: yaw about the image's vertical axis, then
    pitch about its horizontal one, (N,) angles in degrees each. The camera looks along z, so the turned
    x, y are what it would see of the hand turned in depth (MediaPipe's z is on x's scale)."""
    yaw, pitch = np.deg2rad(np.asarray(yaw_deg, np.float32)), np.deg2rad(np.asarray(pitch_deg, np.float32))
    cy, sy, cp, sp = np.cos(yaw)[:, None], np.sin(yaw)[:, None], np.cos(pitch)[:, None], np.sin(pitch)[:, None]
    x, y, z = points[:, :, 0], points[:, :, 1], points[:, :, 2]
    x, z = cy * x + sy * z, -sy * x + cy * z
    y, z = cp * y - sp * z, sp * y + cp * z
    return np.stack([x, y, z], axis=2).astype(np.float32)


def turn_features(
    features: FloatArray, config: FeatureConfig, yaw_deg: FloatArray, pitch_deg: FloatArray
) -> FloatArray:
    """(N, size) features with depth of hands turned in depth (``turn_points``), renormalised by their new reach.

    The size is measured again as ``keypoints_to_features`` does, so a turned row is what the
    features of the turned hand would be. Hands only (a single root joint, the reach as size).
    """
    if config.dims != 3 or config.layout.scale_joints or config.use_visibility:
        raise ValueError("turning in depth needs hand features with depth")
    points, _ = _split(features, config)
    turned = turn_points(points, yaw_deg, pitch_deg)
    size = _reach(turned)
    return _join(turned / np.maximum(size, _VISIBLE_SCALE_MIN)[:, None, None], None)

"""A procedural 3D hand: joint angles → 21 keypoints, random orientation, perspective.

The hand frame of a **right** hand: wrist at the origin, fingers straight up along
−y (y down, as in images), thumb on the −x side, palm facing −z (towards the camera;
smaller z is nearer, as MediaPipe's z). Lengths are in palm lengths (wrist to the
middle finger's MCP = 1), proportions taken from typical MediaPipe hands. A left
hand is the mirror image (x → −x), which ``core.gestures.features.mirror_features`` produces.

Everything is vectorised over N hands: angles are (N, ...) arrays in degrees.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

F64Array = npt.NDArray[np.float64]

# Proportions are medians of MediaPipe keypoints of ~500 real open hands facing the camera
# (sign_digits 5 and fingers "five"), turned upright and scaled to a unit palm length.
# MCP joints of index, middle, ring, pinky in the palm plane, and the thumb's CMC.
MCP = np.array([[-0.26, -0.98, 0.0], [0.0, -1.0, 0.0], [0.23, -0.93, 0.0], [0.44, -0.78, 0.0]])
THUMB_CMC = np.array([-0.37, -0.19, 0.0])
# Bone lengths MCP→PIP→DIP→TIP per finger, and the thumb's CMC→MCP→IP→TIP.
FINGER_BONES = np.array([[0.41, 0.26, 0.21], [0.45, 0.28, 0.22], [0.41, 0.26, 0.21], [0.32, 0.21, 0.19]])
THUMB_BONES = np.array([0.42, 0.34, 0.27])
PALM_NORMAL = np.array([0.0, 0.0, -1.0])  # the palm's side: fingers curl this way


def _unit(v: F64Array) -> F64Array:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _rad(deg: F64Array) -> F64Array:
    return np.deg2rad(np.asarray(deg, dtype=np.float64))


def _chain(base: F64Array, d0: F64Array, bend: F64Array, flex: F64Array, bones: F64Array) -> F64Array:
    """Joints of a planar chain: (N, 3) base, (N, 3) unit start and bend directions,
    (N, J) flexion per joint in degrees (cumulative), (N, J) bone lengths → (N, J, 3)."""
    angle = np.cumsum(_rad(flex), axis=1)[:, :, None]  # (N, J, 1)
    directions = np.cos(angle) * d0[:, None] + np.sin(angle) * bend[:, None]
    return base[:, None] + np.cumsum(directions * bones[:, :, None], axis=1)


def hand_points(flex: F64Array, spread: F64Array, thumb: F64Array, shape: F64Array | None = None) -> F64Array:
    """Keypoints of N right hands in the hand frame.

    Args:
        flex: (N, 4, 3) flexion of MCP, PIP, DIP of index..pinky, degrees (0 straight, 90 bent to the palm).
        spread: (N, 4) sideways angle of each finger in the palm plane, degrees, positive towards the pinky.
        thumb: (N, 4) thumb angles, degrees: abduction from the fingers' direction towards −x in
            the palm plane; lift towards the palm side; MCP flexion; IP flexion.
        shape: (N, 21) bone/offset scale factors around 1 (None: an average hand).

    Returns:
        (N, 21, 3) keypoints in MediaPipe's joint order.
    """
    n = len(flex)
    scale = np.ones((n, 21)) if shape is None else shape
    out = np.zeros((n, 21, 3))
    normal = np.broadcast_to(PALM_NORMAL, (n, 3))
    for f in range(4):
        mcp = MCP[f] * scale[:, 5 + 4 * f, None]
        s = _rad(spread[:, f])
        d0 = np.stack([np.sin(s), -np.cos(s), np.zeros(n)], axis=1)
        bones = FINGER_BONES[f] * scale[:, 6 + 4 * f : 9 + 4 * f]
        out[:, 5 + 4 * f] = mcp
        out[:, 6 + 4 * f : 9 + 4 * f] = _chain(mcp, d0, normal, flex[:, f], bones)
    a, lift = _rad(thumb[:, 0]), _rad(thumb[:, 1])
    in_plane = np.stack([-np.sin(a), -np.cos(a), np.zeros(n)], axis=1)
    t0 = np.cos(lift)[:, None] * in_plane + np.sin(lift)[:, None] * normal
    towards_palm = _unit(np.array([1.0, 0.0, 0.0]) + PALM_NORMAL)  # across the palm and into it
    bend = _unit(towards_palm - np.sum(towards_palm * t0, axis=1, keepdims=True) * t0)
    cmc = THUMB_CMC * scale[:, 1, None]
    flex_t = np.stack([np.zeros(n), thumb[:, 2], thumb[:, 3]], axis=1)
    out[:, 1] = cmc
    out[:, 2:5] = _chain(cmc, t0, bend, flex_t, THUMB_BONES * scale[:, 2:5])
    return out


def reach(points: F64Array, target: F64Array, rng: np.random.Generator) -> F64Array:
    """Move the thumb's IP and tip so the tip touches ``target`` (N, 3), keeping its bone lengths.

    Two-bone inverse kinematics from the thumb MCP; the IP bends outwards (away from
    the palm centre). Targets out of reach are pulled in along the line to them.
    """
    out = points.copy()
    mcp = points[:, 2]
    l1 = np.linalg.norm(points[:, 3] - mcp, axis=1)
    l2 = np.linalg.norm(points[:, 4] - points[:, 3], axis=1)
    to_target = target - mcp
    dist = np.clip(np.linalg.norm(to_target, axis=1), np.abs(l1 - l2) + 1e-6, (l1 + l2) * 0.999)
    axis = _unit(to_target)
    along = (l1**2 - l2**2 + dist**2) / (2 * dist)  # distance from MCP to the IP's foot on the axis
    height = np.sqrt(np.maximum(l1**2 - along**2, 0.0))
    outward = np.array([-1.0, 0.0, 0.3]) + rng.normal(0, 0.1, (len(points), 3))
    outward = _unit(outward - np.sum(outward * axis, axis=1, keepdims=True) * axis)
    out[:, 3] = mcp + axis * along[:, None] + outward * height[:, None]
    out[:, 4] = mcp + axis * dist[:, None]
    return out


def random_rotations(n: int, rng: np.random.Generator) -> F64Array:
    """(n, 3, 3) rotation matrices, uniform over all 3D orientations (random unit quaternions)."""
    q = _unit(rng.normal(size=(n, 4)))
    w, x, y, z = q.T
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], axis=1),
            np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], axis=1),
            np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], axis=1),
        ],
        axis=1,
    )


def screen_rotation(degrees: F64Array) -> F64Array:
    """(N, 3, 3) rotations about the view axis, clockwise on screen (y down): +90° turns ☝ into 👉."""
    t = _rad(degrees)
    c, s, z, o = np.cos(t), np.sin(t), np.zeros_like(t), np.ones_like(t)
    return np.stack([np.stack([c, -s, z], 1), np.stack([s, c, z], 1), np.stack([z, z, o], 1)], axis=1)


def rotate(points: F64Array, rotations: F64Array) -> F64Array:
    """(N, 21, 3) points turned by (N, 3, 3) rotations about the wrist."""
    return np.einsum("nij,nkj->nki", rotations, points)


def project(points: F64Array, distance: F64Array) -> F64Array:
    """Perspective view of (N, 21, 3) wrist-centred points, camera ``distance`` (N,) palm lengths away.

    Returns (N, 21, 3): x and y on the image plane (scaled so the wrist keeps unit
    magnification) and z unchanged, as MediaPipe's relative depth.
    """
    factor = distance[:, None] / (distance[:, None] + points[:, :, 2])
    return np.concatenate([points[:, :, :2] * factor[:, :, None], points[:, :, 2:]], axis=2)

"""Random changes to a clip that keep its class: speed, amplitude, rotation, mirroring, jitter.

Applied to ``Clip`` points (normalised, unmirrored) before ``core.motion.features``, so every
feature channel (path, velocity, shape) sees the same changed take. Ten clips a class are few:
these are the ways another person's take of the same gesture differs from yours.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from core.io.limits import LIMITS
from core.motion.clip import Clip
from core.motion.features import MOTION_MIRRORS, mirror_clip, skeleton_size, user_view_pixels


@dataclass(frozen=True)
class MotionAugmentConfig:
    """Ranges drawn per augmented clip."""

    speed: tuple[float, float] = (0.6, 1.6)  # playback speed: a slower or quicker take
    warp: float = 0.6  # non-uniform time warp in (0, 1): speeds up one part, slows another
    amplitude: tuple[float, float] = (0.6, 1.4)  # path length × this: a shorter or wider swipe
    # ±12°: a swipe done a little uphill is still a swipe; far from the 90° between left and up.
    rotation_deg: float = 12.0
    jitter: float = 0.02  # Gaussian noise per coordinate, × the skeleton's size
    mirror: float = 0.5  # chance of mirroring (labels through their partners)


def time_warp(clip: Clip, speed: float, warp: float, phase: float) -> Clip:
    """Same points at warped times: ``speed`` × faster overall, locally up to (1 ± warp) × that."""
    times = clip.timestamps
    u = (times - times[0]) / max(clip.duration, 1e-9)
    # u + w·(sin(2πu + φ) - sin φ)/(2π): slope 1 + w·cos(2πu + φ) > 0 for |w| < 1; u = 0 and 1 stay put.
    warped = u + warp * (np.sin(2 * np.pi * u + phase) - np.sin(phase)) / (2 * np.pi)
    duration = min(clip.duration / speed, 0.98 * LIMITS.clip_seconds)
    new_times = times[0] + warped * duration
    return replace(clip, timestamps=new_times)


def scale_path(clip: Clip, amplitude: float) -> Clip:
    """Each frame shifted so that its root's path from the first frame is ``amplitude`` × as long."""
    root = clip.points[:, list(clip.skeleton.root_joints), :2].mean(axis=1)  # (T, 2)
    first = root[np.argmax(clip.present)]
    shift = (amplitude - 1.0) * (root - first)
    points = clip.points.copy()
    points[:, :, :2] += shift[:, None, :]
    return replace(clip, points=_zero_absent(points, clip))


def rotate(clip: Clip, degrees: float) -> Clip:
    """Every point turned by ``degrees`` in the image plane about the first root position (square pixels)."""
    width, height = clip.image_size
    xy = clip.points[:, :, :2] * np.array([width, height], dtype=np.float32)
    root = xy[np.argmax(clip.present), list(clip.skeleton.root_joints)].mean(axis=0)
    angle = np.deg2rad(degrees)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]], dtype=np.float32)
    turned = (xy - root) @ rotation.T + root
    points = clip.points.copy()
    points[:, :, :2] = turned / np.array([width, height], dtype=np.float32)
    return replace(clip, points=_zero_absent(points, clip))


def jitter(clip: Clip, sigma: float, rng: np.random.Generator) -> Clip:
    """Gaussian noise of ``sigma`` × the mean skeleton size on every coordinate of present frames."""
    size = float(np.mean(skeleton_size(user_view_pixels(clip, False), clip.skeleton, clip.image_size)))
    width, height = clip.image_size
    noise = rng.normal(0.0, sigma * size, clip.points.shape).astype(np.float32)
    noise /= np.array([width, height, width], dtype=np.float32)
    return replace(clip, points=_zero_absent(clip.points + noise, clip))


def augment_clip(clip: Clip, aug: MotionAugmentConfig, rng: np.random.Generator,
                 mirrors: Mapping[str, str] = MOTION_MIRRORS) -> Clip:  # fmt: skip
    """One random variant of ``clip`` (label mapped when it is mirrored)."""
    out = time_warp(clip, rng.uniform(*aug.speed), rng.uniform(-aug.warp, aug.warp), rng.uniform(0, 2 * np.pi))
    out = scale_path(out, rng.uniform(*aug.amplitude))
    out = rotate(out, rng.uniform(-aug.rotation_deg, aug.rotation_deg))
    out = jitter(out, aug.jitter, rng)
    return mirror_clip(out, mirrors) if rng.random() < aug.mirror else out


def _zero_absent(points: np.ndarray, clip: Clip) -> np.ndarray:
    return np.where(clip.present[:, None, None], points, np.float32(0.0)).astype(np.float32)

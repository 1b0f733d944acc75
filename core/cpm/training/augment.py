"""Training augmentation of hand crops: geometry (drawn as crop-window changes) and photometry."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class CropAugmentConfig:
    """Ranges of the random changes applied to each training crop."""

    max_rotation_deg: float = 30.0  # in-plane rotation of most crops; webcam hands tilt
    full_rotation_prob: float = 0.25  # share turned by any angle (👍, 👎, inverted hands); 0.5 cost 1.4 PCK points
    upright_prob: float = 0.0  # share of hand crops turned upright (± max_rotation_deg) first: an upright model's view
    scale_range: tuple[float, float] = (0.85, 1.25)  # window side × this: zoomed in / out vs the standard crop
    max_shift: float = 0.1  # window centre moved by up to this × side: detector boxes are not centred
    flip_prob: float = 0.5  # mirror left-right (joint identities stay: a flipped right hand is a left hand)
    colour_prob: float = 0.8  # brightness/contrast/saturation jitter
    hue_prob: float = 0.3  # hue rotation (skin tones, lighting colour)
    gray_prob: float = 0.1  # grey-scale crop
    blur_prob: float = 0.3  # Gaussian blur (motion, focus)
    lowres_prob: float = 0.3  # down- then up-sample: small hands far from the camera
    noise_prob: float = 0.2  # sensor noise
    negative_fraction: float = 0.1  # share of crops without a hand (target: background everywhere)
    # Issue 22, hands in other scenes (0 turns each off; the shipped weights trained without them):
    paste_prob: float = 0.0  # hand cut out along its skeleton and pasted on a hand-free square of another photo
    low_light_prob: float = 0.0  # dark room: gamma 1.5-3 (shadows deepen more than highlights), then sensor noise
    motion_blur_prob: float = 0.0  # a line kernel of 3-9 px at any angle: a hand moving during the exposure
    lowres_range: tuple[float, float] = (0.25, 0.6)  # lowres_prob's scale: 0.25 of 128 px = a 32 px hand upscaled


@dataclass(frozen=True)
class Geometry:
    """One draw of the geometric change: window scale, shift (× side), rotation and flip."""

    scale: float
    shift: tuple[float, float]
    angle_deg: float
    flip: bool


IDENTITY = Geometry(1.0, (0.0, 0.0), 0.0, False)


def draw_geometry(aug: CropAugmentConfig, rng: np.random.Generator, upright_deg: float | None = None) -> Geometry:
    """A random geometry; ``upright_deg``: the angle that turns this crop's hand upright (None: no hand)."""
    lo, hi = aug.scale_range
    scale = float(np.exp(rng.uniform(np.log(lo), np.log(hi))))  # log-uniform: as likely ×1.25 as ÷1.25
    shift = tuple(float(v) for v in rng.uniform(-aug.max_shift, aug.max_shift, 2))
    limit = 180.0 if rng.random() < aug.full_rotation_prob else aug.max_rotation_deg
    angle = float(rng.uniform(-limit, limit))
    if upright_deg is not None and rng.random() < aug.upright_prob:
        angle = upright_deg + float(rng.uniform(-aug.max_rotation_deg, aug.max_rotation_deg))
    return Geometry(scale, shift, angle, bool(rng.random() < aug.flip_prob))  # type: ignore[arg-type]


def photometric(crop: Image, aug: CropAugmentConfig, rng: np.random.Generator) -> Image:
    """Randomly recoloured, blurred, degraded copy of an (S, S, 3) uint8 RGB crop."""
    img = crop.astype(np.float32)
    if rng.random() < aug.colour_prob:
        gray = img.mean(axis=2, keepdims=True)
        img = gray + (img - gray) * rng.uniform(0.5, 1.5)  # saturation
        img = (img - 128.0) * rng.uniform(0.6, 1.4) + 128.0 + rng.uniform(-40, 40)  # contrast, brightness
    if rng.random() < aug.noise_prob:
        img += rng.normal(0.0, rng.uniform(3, 12), img.shape).astype(np.float32)
    out = np.clip(img, 0, 255).astype(np.uint8)
    if rng.random() < aug.hue_prob:
        hsv = cv2.cvtColor(out, cv2.COLOR_RGB2HSV)
        hsv[..., 0] = ((hsv[..., 0].astype(np.int16) + int(rng.integers(-25, 26))) % 180).astype(np.uint8)
        out = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
    if rng.random() < aug.gray_prob:
        out = np.repeat(cv2.cvtColor(out, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2)
    if rng.random() < aug.low_light_prob:
        dark = 255.0 * (out.astype(np.float32) / 255.0) ** rng.uniform(1.5, 3.0) * rng.uniform(0.5, 1.0)
        dark += rng.normal(0.0, rng.uniform(2, 8), dark.shape).astype(np.float32)
        out = np.clip(dark, 0, 255).astype(np.uint8)
    if rng.random() < aug.motion_blur_prob:
        out = motion_blur(out, int(rng.integers(3, 10)), float(rng.uniform(0, 180)))
    if rng.random() < aug.lowres_prob:
        size = out.shape[0]
        small = max(16, int(size * rng.uniform(*aug.lowres_range)))
        out = cv2.resize(cv2.resize(out, (small, small), interpolation=cv2.INTER_AREA), (size, size))
    if rng.random() < aug.blur_prob:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.5, 1.8))
    return np.ascontiguousarray(out)


def synthetic_negative(size: int, rng: np.random.Generator) -> Image:
    """An (S, S, 3) crop with no hand: flat colour, gradient, or smoothed noise."""
    kind = rng.integers(3)
    if kind == 0:
        return np.full((size, size, 3), rng.integers(0, 256, 3), dtype=np.uint8)
    if kind == 1:
        ramp = np.linspace(0.0, 1.0, size, dtype=np.float32)[None, :, None]
        a, b = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
        img = np.broadcast_to(a + (b - a) * ramp, (size, size, 3))
        return np.ascontiguousarray(np.rot90(img, int(rng.integers(4)))).astype(np.uint8)
    noise = rng.uniform(0, 255, (size // 8, size // 8, 3)).astype(np.float32)
    return np.clip(cv2.resize(noise, (size, size), interpolation=cv2.INTER_CUBIC), 0, 255).astype(np.uint8)


def motion_blur(img: Image, length: int, angle_deg: float) -> Image:
    """``img`` smeared along a ``length``-px line at ``angle_deg`` (the kernel sums to 1: brightness kept)."""
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0
    turn = cv2.getRotationMatrix2D(((length - 1) / 2, (length - 1) / 2), angle_deg, 1.0)
    kernel = cv2.warpAffine(kernel, turn, (length, length))
    return cv2.filter2D(img, -1, kernel / max(kernel.sum(), 1e-6))


def hand_mask(
    points: npt.NDArray[np.floating], edges: tuple[tuple[int, int], ...], size: int
) -> npt.NDArray[np.float32]:
    """(S, S) float32 0..1: the hand's likely pixels from its (21, 2) crop-px keypoints, feathered at the edge.

    No segmentation is at hand, so the hand is drawn: bones as thick lines (a finger is about a fifth of the
    hand's extent wide) and the palm as the hull of wrist and knuckles, grown a little.
    """
    mask = np.zeros((size, size), np.uint8)
    extent = float(np.ptp(points, axis=0).max())
    width = max(2, int(round(0.18 * extent)))
    pts = np.round(points).astype(np.int32)
    cv2.fillConvexPoly(mask, cv2.convexHull(pts[[0, 1, 2, 5, 9, 13, 17]]), 255)
    for a, b in edges:
        cv2.line(mask, tuple(int(v) for v in pts[a]), tuple(int(v) for v in pts[b]), 255, width)
    mask = cv2.dilate(mask, np.ones((3, 3), np.uint8), iterations=max(1, width // 4))
    return cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (0, 0), max(1.0, width / 3))


def paste(hand: Image, mask: npt.NDArray[np.float32], background: Image) -> Image:
    """``hand`` blended onto ``background`` (same (S, S, 3) size) where ``mask`` (S, S) 0..1 says."""
    alpha = mask[..., None]
    return (hand.astype(np.float32) * alpha + background.astype(np.float32) * (1.0 - alpha)).astype(np.uint8)

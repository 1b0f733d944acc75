"""Contrast as WCAG 2.x defines it: the relative luminance of sRGB colours and the ratio (L1 + 0.05) / (L2 + 0.05),
for one pair of "#rrggbb" colours or for whole (..., 3) uint8 RGB arrays at once (a skeleton's pixels against the
video under them)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def hex_rgb(colour: str) -> tuple[int, int, int]:
    """(r, g, b) of "#rrggbb"."""
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


_CHANNEL = np.arange(256) / 255.0
# each uint8 channel value linearised once: a frame's pixels are looked up, not raised to 2.4 one by one
_LINEAR = np.where(_CHANNEL <= 0.04045, _CHANNEL / 12.92, ((_CHANNEL + 0.055) / 1.055) ** 2.4)
_WEIGHTS = np.array([0.2126, 0.7152, 0.0722])


def luminance(rgb: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """WCAG's relative luminance of uint8 RGB values, shape (..., 3) -> (...)."""
    return _LINEAR[np.asarray(rgb, dtype=np.uint8)] @ _WEIGHTS


def ratio(a: npt.ArrayLike, b: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Contrast ratio (1 to 21) of uint8 RGB values ``a`` and ``b``, element-wise over their leading shape."""
    la, lb = luminance(a), luminance(b)
    return (np.maximum(la, lb) + 0.05) / (np.minimum(la, lb) + 0.05)


def contrast(a: str, b: str) -> float:
    """Contrast ratio of two "#rrggbb" colours."""
    return float(ratio(hex_rgb(a), hex_rgb(b)))


def over(colour: str, background: str, opacity: float) -> str:
    """``colour`` drawn at ``opacity`` over ``background``, as "#rrggbb"."""
    mixed = (round(opacity * f + (1 - opacity) * b) for f, b in zip(hex_rgb(colour), hex_rgb(background), strict=True))
    return "#" + "".join(f"{c:02x}" for c in mixed)

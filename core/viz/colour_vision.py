"""Colours as people with a colour-vision deficiency see them, and how far apart two colours look (CIELAB ΔE*76).

The simulation is Machado, Oliveira and Fernandes (2009), "A Physiologically-based Model for Simulation of Color
Vision Deficiency" (IEEE TVCG 15(6)), at severity 1.0: a 3×3 matrix on linear sRGB for each of protanopia,
deuteranopia and tritanopia, the full loss of one kind of cone (about 1 %, 1 % and 0.01 % of people; the milder
anomalies, 6 % of men, see more than these). Used by tests/test_colour_vision.py to check that the skeleton colours
``core.viz.draw`` tells apart stay apart for everyone.
"""

from __future__ import annotations

import numpy as np

Colour = tuple[int, int, int]

# Machado et al. 2009, Table 2, severity 1.0 (rows: output R, G, B of linear sRGB)
MACHADO_2009: dict[str, tuple[tuple[float, float, float], ...]] = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900)),
}
DEFICIENCIES = tuple(MACHADO_2009)
_SRGB_TO_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
_D65_WHITE = np.array([0.95047, 1.0, 1.08883])


def _linear(colour: Colour) -> np.ndarray:
    c = np.asarray(colour, dtype=float) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(linear: np.ndarray) -> np.ndarray:
    xyz = (_SRGB_TO_XYZ @ linear) / _D65_WHITE
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def seen_as(colour: Colour, deficiency: str | None) -> np.ndarray:
    """The linear sRGB a person with ``deficiency`` (None: typical vision) sees for ``colour`` (sRGB 0-255)."""
    linear = _linear(colour)
    if deficiency is None:
        return linear
    if deficiency not in MACHADO_2009:
        raise ValueError(f"unknown deficiency {deficiency!r}: one of {', '.join(DEFICIENCIES)}")
    return np.clip(np.array(MACHADO_2009[deficiency]) @ linear, 0.0, 1.0)


def difference(a: Colour, b: Colour, deficiency: str | None = None) -> float:
    """ΔE*76 between ``a`` and ``b`` as seen with ``deficiency``: about 2.3 is just noticeable side by side."""
    return float(np.linalg.norm(_lab(seen_as(a, deficiency)) - _lab(seen_as(b, deficiency))))

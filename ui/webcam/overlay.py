"""Text drawn on the video the user sees (countdown, REC badge, errors).

The stream sends back the selfie view (``ui.webcam.selfie.selfie_view``), so text is drawn
straight onto it. Functions draw in place on (H, W, 3) uint8 RGB frames.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

RGBImage = npt.NDArray[np.uint8]
_FONT = cv2.FONT_HERSHEY_SIMPLEX
RED = (220, 40, 40)


def _scale(rgb: RGBImage) -> float:
    return max(0.5, min(rgb.shape[:2]) / 480.0)


def draw_countdown(rgb: RGBImage, number: int) -> None:
    """A big centred number (3-2-1) with a dark outline."""
    text = str(number)
    scale = 5.0 * _scale(rgb)
    thick = max(2, round(10 * _scale(rgb)))
    (tw, th), _ = cv2.getTextSize(text, _FONT, scale, thick)
    h, w = rgb.shape[:2]
    org = ((w - tw) // 2, (h + th) // 2)
    cv2.putText(rgb, text, org, _FONT, scale, (0, 0, 0), thick + 8, cv2.LINE_AA)
    cv2.putText(rgb, text, org, _FONT, scale, (255, 255, 255), thick, cv2.LINE_AA)


def draw_badge(rgb: RGBImage, text: str, colour: tuple[int, int, int] = RED, dot: bool = True, row: int = 0) -> None:
    """A filled box with white text in the top-left corner (row 0, 1, … stack downwards)."""
    s = _scale(rgb)
    text = text.encode("ascii", "replace").decode("ascii")
    font_scale, thick = 0.6 * s, max(1, round(s))
    (tw, th), base = cv2.getTextSize(text, _FONT, font_scale, thick)
    pad = round(6 * s)
    dot_w = round(16 * s) if dot else 0
    x0, y0 = round(8 * s), round(8 * s) + row * (th + base + 2 * pad + round(4 * s))
    x1, y1 = min(rgb.shape[1] - 1, x0 + tw + 2 * pad + dot_w), y0 + th + base + 2 * pad
    cv2.rectangle(rgb, (x0, y0), (x1, y1), colour, -1)
    if dot:
        cv2.circle(rgb, (x0 + pad + dot_w // 3, (y0 + y1) // 2), max(2, round(5 * s)), (255, 255, 255), -1, cv2.LINE_AA)
    cv2.putText(rgb, text, (x0 + pad + dot_w, y0 + pad + th), _FONT, font_scale, (255, 255, 255), thick, cv2.LINE_AA)

"""Annotated video of a motion project: the tracked skeleton, the trail of its root over the last second,
and the gesture's name from the frame it fires (``infer -o`` in a motion project).

Drawn on the raw (unmirrored) frame, as every annotated file is; the Live page draws the same trail
on the selfie view (``ui.live.spotting``).
"""

from __future__ import annotations

from collections import deque

import cv2
import numpy as np

from core.motion.spotting import SpotEvent
from core.types import Keypoints, RGBImage
from core.viz.draw import DEFAULT_STYLE, skeleton_on

TRAIL_SECONDS = 1.0
LABEL_SECONDS = 1.5  # how long a gesture's name stays on the video after it fires
TRAIL_COLOUR = (255, 200, 0)
EVENT_COLOUR = (30, 150, 70)


class MotionAnnotator:
    """Draws one stream's frames in order (it keeps the trail and the last gesture between frames)."""

    def __init__(self) -> None:
        self._trail: deque[tuple[float, np.ndarray]] = deque()  # (t, root pixel (2,))
        self._label: tuple[str, float] | None = None  # (text, shown until t)

    def draw(self, rgb: RGBImage, found: Keypoints | None, t: float, event: SpotEvent | None) -> RGBImage:
        """A copy of ``rgb`` (H, W, 3) with the skeleton, the trail and the current label; ``t`` in seconds."""
        canvas = np.ascontiguousarray(rgb).copy()
        scale = DEFAULT_STYLE.scale(canvas)
        if found is not None:
            skeleton_on(canvas, found.pixel, skeleton=found.skeleton)
            self._trail.append((t, found.pixel[list(found.skeleton.root_joints)].mean(axis=0)))
        while self._trail and self._trail[0][0] < t - TRAIL_SECONDS:
            self._trail.popleft()
        if len(self._trail) >= 2:
            points = np.array([p for _, p in self._trail]).round().astype(np.int32)
            cv2.polylines(canvas, [points], False, TRAIL_COLOUR, max(2, round(3 * scale)), cv2.LINE_AA)
        if event is not None:
            self._label = (f"{event.label} {event.confidence:.0%}", t + LABEL_SECONDS)
        if self._label is not None and t <= self._label[1]:
            text = self._label[0].encode("ascii", "replace").decode("ascii")
            font, thick = 0.8 * scale, max(1, round(2 * scale))
            (width, height), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, font, thick)
            pad = round(8 * scale)
            cv2.rectangle(canvas, (0, 0), (width + 2 * pad, height + base + 2 * pad), EVENT_COLOUR, -1)
            cv2.putText(canvas, text, (pad, pad + height), cv2.FONT_HERSHEY_SIMPLEX, font, (255, 255, 255), thick,
                        cv2.LINE_AA)  # fmt: skip
        return canvas

"""MediaPipe Pose's filters over time (``PoseLandmarkFiltering`` in mediapipe 0.10.21's graph), for video mode.

Visibility goes through a low-pass filter (alpha 0.1); points through One Euro filters whose speed is measured in
units of the person's size (the alignment points' distance, twice, in pixels), with the graph's settings: the 33
points min cutoff 0.05, beta 80; the two alignment points, which place the next frame's region, min cutoff 0.01,
beta 10, so the region stays still while the person does; the world points min cutoff 0.1, beta 40 in metres.
``mp.solutions`` steps its clock by 1/30 s a frame whatever the video's rate, and so does this. Everything starts
again when the person is lost.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from core.keypoints import mp_graph as g
from core.keypoints.pose_result import PoseResult

FRAME_SECONDS = 33333e-6  # SolutionBase's simulated timestamp step
START_FREQUENCY = 30.0  # the filters' frequency before a second timestamp measures it
VISIBILITY_ALPHA = 0.1


@dataclass(frozen=True)
class OneEuroSettings:
    min_cutoff: float
    beta: float
    derivate_cutoff: float = 1.0


POINTS = OneEuroSettings(0.05, 80.0)
ALIGNMENT = OneEuroSettings(0.01, 10.0)
WORLD = OneEuroSettings(0.1, 40.0)


class _LowPass:
    def __init__(self) -> None:
        self.raw: np.ndarray | None = None
        self.stored: np.ndarray | None = None

    def apply(self, value: np.ndarray, alpha: float | np.ndarray) -> np.ndarray:
        result = value if self.stored is None else alpha * value + (1.0 - alpha) * self.stored
        self.raw, self.stored = value, result
        return result


class OneEuro:
    """One Euro filters over an array of values (MediaPipe's OneEuroFilter, one per value, stepped together)."""

    def __init__(self, settings: OneEuroSettings) -> None:
        self.settings = settings
        self.frequency = START_FREQUENCY
        self.last_time = 0.0
        self._x, self._dx = _LowPass(), _LowPass()

    def _alpha(self, cutoff: float | np.ndarray) -> float | np.ndarray:
        tau = 1.0 / (2 * math.pi * cutoff)
        return 1.0 / (1.0 + tau * self.frequency)

    def apply(self, time: float, value_scale: float, value: np.ndarray) -> np.ndarray:
        if self.last_time != 0.0:
            self.frequency = 1.0 / (time - self.last_time)
        self.last_time = time
        last = self._x.raw
        speed = np.zeros_like(value) if last is None else (value - last) * value_scale * self.frequency
        smooth_speed = self._dx.apply(speed, self._alpha(self.settings.derivate_cutoff))
        cutoff = self.settings.min_cutoff + self.settings.beta * np.abs(smooth_speed)
        return self._x.apply(value, self._alpha(cutoff))


class PoseFilters:
    """The filters of one video stream's person: always the alignment points' (as MediaPipe's graph), the points'
    and visibility's only with ``smooth_points`` (``PoseConfig.smooth_landmarks``)."""

    def __init__(self, smooth_points: bool = True) -> None:
        self.smooth_points = smooth_points
        self.reset()

    def reset(self) -> None:
        self._time = 0.0
        self._points, self._alignment, self._world = OneEuro(POINTS), OneEuro(ALIGNMENT), OneEuro(WORLD)
        self._visibility, self._world_visibility = _LowPass(), _LowPass()

    def apply(self, person: PoseResult, image_size: tuple[int, int]) -> PoseResult:
        """The person with smoothed points and visibility; the alignment points smoothed for the next region."""
        self._time += FRAME_SECONDS
        width, height = image_size
        scale_rect = _alignment_box(person.alignment, image_size)
        object_scale = (scale_rect.width * width + scale_rect.height * height) / 2.0
        pixels = np.array([width, height, width], dtype=np.float64)
        alignment = person.alignment.astype(np.float64) * pixels[:2]
        points = person.landmarks.astype(np.float64) * pixels
        if object_scale >= 1e-6:
            alignment = self._alignment.apply(self._time, 1.0 / object_scale, alignment)
        if not self.smooth_points:
            return replace(person, alignment=(alignment / pixels[:2]).astype(np.float32))
        if object_scale >= 1e-6:
            points = self._points.apply(self._time, 1.0 / object_scale, points)
        visibility = self._visibility.apply(person.visibility.astype(np.float64), VISIBILITY_ALPHA)
        self._world_visibility.apply(person.visibility.astype(np.float64), VISIBILITY_ALPHA)
        world = self._world.apply(self._time, 1.0, person.world.astype(np.float64))
        return replace(
            person,
            landmarks=(points / pixels).astype(np.float32),
            visibility=visibility.astype(np.float32),
            world=world.astype(np.float32),
            alignment=(alignment / pixels[:2]).astype(np.float32),
        )


def _alignment_box(alignment: np.ndarray, image_size: tuple[int, int]) -> g.NormRect:
    """AlignmentPointsRectsCalculator alone (no widening): the person's size for the filters' speed."""
    width, height = image_size
    side = math.hypot((alignment[1, 0] - alignment[0, 0]) * width, (alignment[1, 1] - alignment[0, 1]) * height) * 2
    return g.NormRect(float(alignment[0, 0]), float(alignment[0, 1]), side / width, side / height)

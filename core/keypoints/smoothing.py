"""Steady keypoints: a One Euro filter (Casiez, Roussel, Vogel, CHI 2012) on streams of ``Keypoints``.

A detector's keypoints jitter by a pixel or two from frame to frame even on a hand held
still; drawn, the skeleton shimmers, and the features (and a motion gesture's path) carry
the noise. The One Euro filter is a low-pass filter whose cutoff rises with speed: at rest
a low cutoff removes the jitter, in motion a high one keeps the lag small.

Per keypoint, with ``dt`` the seconds since the previous frame::

    alpha(fc) = r / (r + 1),   r = 2π · fc · dt
    dx   = (x - x̂_prev) / dt,            dx̂ = lerp(dx̂_prev, dx, alpha(d_cutoff))
    fc   = min_cutoff + beta · speed(dx̂), x̂  = lerp(x̂_prev, x, alpha(fc))

The filter runs on all joints and coordinates at once (numpy). The speed of a joint is the
length of its image-plane velocity in *sizes per second* (pixels divided by the keypoints'
box side, ``Keypoints.extent``), so the same parameters suit a near and a far hand; the
one cutoff it gives a joint applies to its pixel, normalised and world coordinates alike,
so the three spaces stay consistent (normalised = pixel / image size still holds).

``KeypointSmoother`` follows each hand (or body) from frame to frame and keeps a filter per
track; a track restarts from the raw points when its hand disappears for a frame, when the
nearest hand of the next frame is too far away or of the other handedness (tracks
swapped), or when time runs backwards (a new stream).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace

import numpy as np
import numpy.typing as npt

from core.types import FloatArray, Keypoints, RGBImage

# Chosen by bench/speed/smoothing.py on real footage through MediaPipe: the least jitter of a still hand among the
# settings lagging at most one frame on every pan (a 0.8 s swipe and a slow 80 px drift). Jitter 0.52 -> 0.36 px
# over the still clips (1.10 -> 0.79 px where the real ASL hand holds a letter); lag 0.40 frames mean, 0.85 worst.
# A lower beta steadies more (0.30 px at beta 1) but trails a slow drift by 1.7-3.3 frames.
DEFAULT_MIN_CUTOFF = 0.5
DEFAULT_BETA = 10.0
DEFAULT_D_CUTOFF = 1.0

# The bounds a setting may take (the settings, the Live page and the benchmark's flags use them).
SMOOTHING_LIMITS: dict[str, tuple[float, float]] = {
    "min_cutoff": (0.01, 100.0),  # Hz
    "beta": (0.0, 1000.0),  # Hz per (size per second)
    "d_cutoff": (0.01, 100.0),  # Hz
    "max_jump": (0.05, 10.0),  # sizes
}


@dataclass(frozen=True)
class SmoothingConfig:
    """Settings of the keypoint filter; on by default.

    Attributes:
        enabled: False passes keypoints through untouched.
        min_cutoff: Hz, the cutoff of a joint at rest: lower is steadier but lags more.
        beta: Hz per (size per second): how fast the cutoff rises with speed; higher lags less.
        d_cutoff: Hz, the cutoff of the speed estimate itself.
        max_jump: a hand whose joints moved further than this many of its sizes (mean over
            joints) since the previous frame is another hand: its track restarts.
    """

    enabled: bool = True
    min_cutoff: float = DEFAULT_MIN_CUTOFF
    beta: float = DEFAULT_BETA
    d_cutoff: float = DEFAULT_D_CUTOFF
    max_jump: float = 1.0

    def __post_init__(self) -> None:
        for f in fields(self):
            if f.name in SMOOTHING_LIMITS:
                check_smoothing_value(f.name, getattr(self, f.name))


def check_smoothing_value(name: str, value: float) -> float:
    """``value`` if it is a finite number within ``SMOOTHING_LIMITS[name]``, else a ``ValueError`` naming both."""
    low, high = SMOOTHING_LIMITS[name]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"smoothing {name}: must be a finite number, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"smoothing {name}: {value} is outside {low} to {high}")
    return float(value)


def _alpha(cutoff: npt.NDArray[np.float64] | float, dt: float) -> npt.NDArray[np.float64]:
    """Smoothing factor of a first-order low-pass filter at ``cutoff`` Hz for a step of ``dt`` s."""
    r = 2.0 * np.pi * np.asarray(cutoff, np.float64) * dt
    return r / (r + 1.0)


@dataclass
class OneEuroFilter:
    """One Euro filter state for one track: (K, D) values whose first two columns are image-plane pixels.

    The speed that sets each row's cutoff is the length of its first two columns' velocity
    divided by ``scale`` (pixels per size); the other columns take the same cutoff.
    """

    config: SmoothingConfig
    value: npt.NDArray[np.float64]  # (K, D) filtered values of the previous frame
    time: float  # seconds, timestamp of the previous frame
    speed: npt.NDArray[np.float64] = field(init=False)  # (K, D) filtered derivative, units per second

    def __post_init__(self) -> None:
        self.value = np.array(self.value, np.float64)
        self.speed = np.zeros_like(self.value)

    def __call__(self, x: npt.NDArray[np.floating], time: float, scale: float) -> npt.NDArray[np.float64]:
        """Filter the (K, D) values ``x`` of the frame at ``time`` s (after the previous one)."""
        x = np.asarray(x, np.float64)
        dt = time - self.time
        if dt <= 0:
            raise ValueError(f"timestamps must increase: {time} after {self.time}")
        cfg = self.config
        # A value that was unknown (NaN world points) restarts from the new one, column by column.
        known = np.isfinite(self.value) & np.isfinite(x)
        previous = np.where(known, self.value, x)
        velocity = np.where(known, (x - previous) / dt, 0.0)
        self.speed = self.speed + _alpha(cfg.d_cutoff, dt) * (velocity - self.speed)
        speed = np.hypot(self.speed[:, 0], self.speed[:, 1]) / max(scale, 1e-6)  # (K,) sizes per second
        a = _alpha(cfg.min_cutoff + cfg.beta * speed, dt)[:, None]  # (K, 1): one cutoff per joint
        self.value = previous + a * (x - previous)
        self.time = time
        return self.value


def _stack(points: Keypoints) -> npt.NDArray[np.float64]:
    """(K, 8): pixel x, y | normalised x, y, z | world x, y, z."""
    return np.concatenate([points.pixel, points.normalised, points.world], axis=1).astype(np.float64)


def _unstack(points: Keypoints, values: npt.NDArray[np.float64]) -> Keypoints:
    f32: FloatArray = values.astype(np.float32)
    return replace(points, pixel=f32[:, :2].copy(), normalised=f32[:, 2:5].copy(), world=f32[:, 5:8].copy())


@dataclass
class _Track:
    points: Keypoints  # the filtered keypoints of the track's last frame
    filter: OneEuroFilter


def _jump(track: _Track, points: Keypoints) -> float:
    """Mean joint displacement since the track's last frame, in sizes; inf when they cannot be the same hand."""
    before = track.points
    if before.skeleton != points.skeleton or before.image_size != points.image_size:
        return math.inf
    if {before.handedness, points.handedness} == {"Left", "Right"}:
        return math.inf
    moved = float(np.linalg.norm(before.pixel - points.pixel, axis=1).mean())
    return moved / max(points.extent(), 1.0)


class KeypointSmoother:
    """Steadies the keypoints of one stream of frames; one per stream (it keeps per-track state).

    Not thread-safe: call it from the thread that processes the frames.
    """

    def __init__(self, config: SmoothingConfig | None = None) -> None:
        self.config = config or SmoothingConfig()
        self._tracks: list[_Track] = []
        self._time: float | None = None

    def reset(self) -> None:
        """Forget every track (a new stream or video)."""
        self._tracks = []
        self._time = None

    def __call__(self, hands: list[Keypoints], timestamp: float) -> list[Keypoints]:
        """The keypoints of the frame at ``timestamp`` seconds, filtered, in the same order as ``hands``."""
        if not self.config.enabled:
            return list(hands)
        if self._time is not None and timestamp <= self._time:
            self._tracks = []  # time went backwards or stood still: a new stream
        self._time = timestamp
        previous = self._match(hands)
        tracks = []
        out = []
        for points, track in zip(hands, previous, strict=True):
            if track is None:
                track = _Track(points, OneEuroFilter(self.config, _stack(points), timestamp))
                filtered = points
            else:
                filtered = _unstack(points, track.filter(_stack(points), timestamp, points.extent()))
                track.points = filtered
            tracks.append(track)
            out.append(filtered)
        self._tracks = tracks  # a track without a hand this frame is forgotten
        return out

    def _match(self, hands: list[Keypoints]) -> list[_Track | None]:
        """For each hand, the track it continues (None: a new one); cheapest pairs first, one hand per track."""
        pairs = sorted(
            (_jump(track, points), h, t) for h, points in enumerate(hands) for t, track in enumerate(self._tracks)
        )
        assigned: list[_Track | None] = [None] * len(hands)
        used: set[int] = set()
        for cost, h, t in pairs:
            if cost > self.config.max_jump:
                break
            if assigned[h] is None and t not in used:
                assigned[h] = self._tracks[t]
                used.add(t)
        return assigned


def steadied(
    detect: Callable[[RGBImage], list[Keypoints]], fps: float, config: SmoothingConfig | None = None
) -> Callable[[RGBImage], list[Keypoints]]:
    """``detect`` for the frames of one video in order, its keypoints steadied: call n is at n / ``fps`` s.

    Clips made from files go through the same filter as the webcam's, so a motion model sees the
    same kind of paths when it learns and when it spots live.
    """
    smoother = KeypointSmoother(config)
    calls = [0]

    def detect_steadily(rgb: RGBImage) -> list[Keypoints]:
        found = smoother(detect(rgb), calls[0] / fps)
        calls[0] += 1
        return found

    return detect_steadily

"""Live spotting: per-frame keypoints in, one event per gesture out, when the gesture ends.

Per frame the spotter only measures how fast the root joint moves (in skeleton sizes per second,
over the last 0.1 s, so one jittery detection does not count; since the frame before where frames
come further apart); the classifier runs once per motion, when it ends:

* the hand starts moving faster than ``start_speed``: a motion begins;
* it ends when the hand has been slower than ``stop_speed`` for ``still_s``, is lost for longer
  than ``max_gap_s``, or has moved for ``window_s`` (then a new motion needs the hand to slow
  down first, so a hand that keeps waving fires once, not once per window);
* the motion's frames (from ``pre_s`` before it began) become a ``Clip``; a label other than
  idle or unknown fires a ``SpotEvent``, and nothing fires for ``refractory_s`` after it.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from core.motion.clip import MIN_SPOTTED_FRAMES, Clip, ClipError
from core.motion.features import IDLE_LABEL, skeleton_size
from core.skeletons import Skeleton
from core.types import UNKNOWN_LABEL, FloatArray, Keypoints, Prediction


class ClipClassifier(Protocol):
    skeleton: Skeleton

    def predict_clip(self, clip: Clip) -> Prediction: ...


@dataclass(frozen=True)
class SpotConfig:
    """When a motion starts and ends; speeds in skeleton sizes per second."""

    # A swipe peaks at 1.2-8 hand sizes a second; a held hand's jitter stays under 0.3. A casual move that
    # passes 1.0 is classified too, and idle or unknown fires nothing (bench/people/motion_spotting.py: 1.5 missed
    # 5 slow swipes of 75).
    start_speed: float = 1.0
    stop_speed: float = 0.5
    still_s: float = 0.15  # slower than stop_speed this long: the motion has ended
    max_gap_s: float = 0.3  # hand lost this long: the motion has ended
    window_s: float = 3.0  # the longest gesture; a longer motion is classified on its last window_s
    min_motion_s: float = 0.25  # shorter motions are twitches, never classified
    pre_s: float = 0.2  # frames kept before the motion began (its start is measured 0.1 s late)
    refractory_s: float = 0.5  # no second event this soon after one
    speed_lag_s: float = 0.1  # speed is measured over this span
    min_frames: int = MIN_SPOTTED_FRAMES  # a slow stream's motion: its duration is vouched for above, not its frames


@dataclass(frozen=True)
class SpotEvent:
    """A gesture found in the stream.

    Attributes:
        label, confidence: the classifier's answer for the motion (never idle or unknown).
        start, end: seconds (stream timestamps) of the motion's first and last frame.
        trail: (M, 2) float32 root positions over the motion, normalised unmirrored image
            coordinates, oldest first: the path to draw on the video.
        prediction: the full ``Prediction`` (all class probabilities).
    """

    label: str
    confidence: float
    start: float
    end: float
    trail: FloatArray
    prediction: Prediction


class Spotter:
    """Feed it every frame of one stream (``push``); not thread-safe: one per stream."""

    def __init__(self, model: ClipClassifier, config: SpotConfig = SpotConfig()) -> None:
        self.model, self.config = model, config
        self.skeleton = model.skeleton
        self._roots = list(self.skeleton.root_joints)
        keep = config.window_s + config.pre_s + 0.5
        self._frames: deque[tuple[float, np.ndarray | None, tuple[int, int]]] = deque()
        self._keep_s = keep
        self.reset()

    def reset(self) -> None:
        self._frames.clear()
        self._moving_since: float | None = None
        self._still_since: float | None = None
        self._lost_since: float | None = None
        self._wait_for_still = False
        self._quiet_until = -np.inf

    def push(self, keypoints: Keypoints | None, t: float) -> SpotEvent | None:
        """Add one frame (its detection, or None) at stream time ``t`` seconds; an event when a gesture ends."""
        if self._frames and t <= self._frames[-1][0]:
            self.reset()  # time went backwards: a new stream
        if keypoints is not None and keypoints.skeleton != self.skeleton:
            raise ValueError(f"a {keypoints.skeleton.name} pushed to a spotter for {self.skeleton.name}")
        points = None if keypoints is None else keypoints.normalised
        size = (640, 480) if keypoints is None else keypoints.image_size
        self._frames.append((t, points, size))
        while self._frames and self._frames[0][0] < t - self._keep_s:
            self._frames.popleft()
        return self._update(t, self._speed(t))

    def finish(self, t: float, rate: float) -> list[SpotEvent]:
        """The events of a stream that ended at ``t`` seconds mid-gesture: "no hand" pushed ``rate`` times a
        second for as long as the spotter waits before it ends a lost motion (and a few frames more)."""
        ticks = int((self.config.max_gap_s + self.config.still_s) * rate) + 3
        return [e for k in range(1, ticks) if (e := self.push(None, t + k / rate)) is not None]

    def trail(self, seconds: float = 1.0) -> FloatArray:
        """(M, 2) root positions of the last ``seconds`` (frames with a detection), to draw live."""
        return np.array([p[self._roots, :2].mean(axis=0) for t, p, _ in self._frames
                         if p is not None and t >= self._frames[-1][0] - seconds],
                        dtype=np.float32).reshape(-1, 2)  # fmt: skip

    def _speed(self, t: float) -> float | None:
        """Root speed in skeleton sizes per second over the last ``speed_lag_s``; None when the hand is lost."""
        now = self._frames[-1]
        if now[1] is None:
            return None
        past = next((f for f in self._frames if f[0] >= t - self.config.speed_lag_s and f[1] is not None), None)
        if past is None or past[0] >= t:
            # none seen within the lag: frames further apart than it (a slow tab at 8 a second) or a short gap; the
            # last one where the hand was seen, if that was lately (without it a slow stream never moved)
            past = next((f for f in itertools.islice(reversed(self._frames), 1, None) if f[1] is not None), None)
            if past is None or t - past[0] > self.config.max_gap_s:
                return 0.0
        a, b = self._pixels(past[1], past[2]), self._pixels(now[1], now[2])
        size = float(skeleton_size(b[None], self.skeleton, now[2])[0])
        step = np.linalg.norm(b[self._roots].mean(axis=0) - a[self._roots].mean(axis=0))
        return float(step / max(size, 1e-6) / (t - past[0]))

    @staticmethod
    def _pixels(points: np.ndarray, size: tuple[int, int]) -> np.ndarray:
        return points[:, :2] * np.array(size, dtype=np.float32)

    def _update(self, t: float, speed: float | None) -> SpotEvent | None:
        c = self.config
        if self._moving_since is None:
            if speed is not None and speed < c.stop_speed:
                self._wait_for_still = False
            if speed is not None and speed > c.start_speed and not self._wait_for_still and t >= self._quiet_until:
                self._moving_since, self._still_since, self._lost_since = t - c.speed_lag_s, None, None
            return None
        if speed is None:
            self._lost_since = self._lost_since if self._lost_since is not None else t
            ended = t - self._lost_since > c.max_gap_s
        else:
            self._lost_since = None
            self._still_since = (self._still_since if self._still_since is not None else t) \
                if speed < c.stop_speed else None  # fmt: skip
            ended = self._still_since is not None and t - self._still_since >= c.still_s
        too_long = t - self._moving_since >= c.window_s
        if not (ended or too_long):
            return None
        start = max(self._moving_since, t - c.window_s)
        self._moving_since, self._wait_for_still = None, too_long and not ended
        if t - start < c.min_motion_s:
            return None
        event = self._classify(start - c.pre_s, t)
        if event is not None:
            self._quiet_until = t + c.refractory_s
        return event

    def _classify(self, start: float, end: float) -> SpotEvent | None:
        frames = [f for f in self._frames if start <= f[0] <= end]
        present = np.array([p is not None for _, p, _ in frames])
        if not present.any():
            return None
        k = self.skeleton.num_joints
        points = np.stack([p if p is not None else np.zeros((k, 3), np.float32) for _, p, _ in frames])
        size = next(s for _, p, s in frames if p is not None)
        try:
            clip = Clip(points, present, np.array([t for t, _, _ in frames]), self.skeleton, size, None, "stream",
                        self.config.min_frames)  # fmt: skip
        except ClipError:
            return None  # too few frames or the hand mostly lost: not a gesture to judge
        prediction = self.model.predict_clip(clip)
        if prediction.label in (IDLE_LABEL, UNKNOWN_LABEL):
            return None
        trail = points[present][:, self._roots, :2].mean(axis=1).astype(np.float32)
        return SpotEvent(prediction.label, prediction.score, float(frames[0][0]), float(frames[-1][0]), trail,
                         prediction)  # fmt: skip

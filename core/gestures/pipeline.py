"""Frame → hands → features → prediction, with temporal smoothing and per-stage timings.

One ``Pipeline`` per stream (it owns a tracker, and trackers keep per-stream state).
``process`` runs on the frame thread (e.g. the WebRTC callback); ``set_classifier``
and ``reset`` may be called from another thread (the UI after training): the
classifier and smoothing state are guarded by a lock, held only for short updates,
never while MediaPipe runs.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from core.gestures.features import FeatureConfig, hand_features
from core.keypoints.smoothing import KeypointSmoother
from core.types import FloatArray, Keypoints, Prediction, RGBImage, make_prediction

TIMING_KEYS = ("landmarks", "features", "classifier")


class HandSource(Protocol):
    """Anything that finds hands in a frame: ``core.keypoints.landmarks.HandTracker``, a CPM model, a test fake."""

    def process(self, rgb: RGBImage) -> list[Keypoints]: ...


class Classifier(Protocol):
    """What the pipeline needs from a gesture classifier (``core.gestures.classifier.GestureClassifier`` fits)."""

    classes: list[str]
    feature_config: FeatureConfig
    threshold: float  # top probability below this → UNKNOWN_LABEL

    def predict_proba(self, X: FloatArray) -> FloatArray:
        """(N, D) float32 features → (N, len(classes)) float32 probabilities, rows summing to 1."""
        ...

    # Optional (``GestureClassifier`` has both): ``class_distances(X) -> (N, C) | None``, each row's distance to
    # each class's nearest example in radii, and ``decide(probabilities, distances) -> list[Prediction]``, the
    # "unknown" decision on smoothed rows. Without them, the top probability below ``threshold`` is unknown.


@dataclass(frozen=True)
class FrameResult:
    """What one frame produced.

    Attributes:
        hands: hands found, in the tracker's order (pixel space of the processed frame).
        predictions: one per hand, aligned with ``hands``; None entries when no classifier is set.
        timings_ms: stage → milliseconds: "landmarks", "features", "classifier" from ``process``;
            whoever draws adds "draw" (the dict is deliberately mutable for that).
        frame_index: 0-based count of frames this pipeline processed since creation or ``reset``.
    """

    hands: list[Keypoints]
    predictions: list[Prediction | None]
    timings_ms: dict[str, float] = field(default_factory=dict)
    frame_index: int = 0


@dataclass
class _Track:
    """Smoothing state of one hand followed across frames."""

    handedness: str
    centre: npt.NDArray[np.float64]  # normalised (x, y) of the keypoints' box centre
    history: deque[FloatArray]  # last few probability vectors of this hand
    distances: deque[FloatArray]  # their distances to each class's examples (core.gestures.familiarity), if any
    classes: tuple[str, ...]  # the classifier's classes the history was computed with
    missed: int = 0  # consecutive frames without a matching hand


# Matching cost = centre distance (in frame widths/heights) + penalty when handedness disagrees.
# MediaPipe's handedness flickers now and then, so a mismatch costs rather than forbids.
_HANDEDNESS_PENALTY = 0.3
_MAX_MATCH_COST = 0.35
_MAX_MISSED = 2  # keep a track through short dropouts (a blurred frame) before forgetting it


def _centre(hand: Keypoints) -> npt.NDArray[np.float64]:
    width, height = hand.image_size
    x0, y0, x1, y1 = hand.bbox()
    return np.array([(x0 + x1) / 2 / max(width, 1), (y0 + y1) / 2 / max(height, 1)])


def _match_cost(track: _Track, hand: Keypoints) -> float:
    cost = float(np.linalg.norm(track.centre - _centre(hand)))
    known = {track.handedness, hand.handedness} <= {"Left", "Right"}
    if known and track.handedness != hand.handedness:
        cost += _HANDEDNESS_PENALTY
    return cost


def match_hands(tracks: list[_Track], hands: list[Keypoints]) -> list[int | None]:
    """Greedy assignment: for each hand, the index of its track or None for a new hand.

    Pairs are taken cheapest first, so two hands never share a track.
    """
    pairs = sorted((_match_cost(track, hand), h, t) for h, hand in enumerate(hands) for t, track in enumerate(tracks))
    assigned: list[int | None] = [None] * len(hands)
    used: set[int] = set()
    for cost, h, t in pairs:
        if cost > _MAX_MATCH_COST:
            break
        if assigned[h] is None and t not in used:
            assigned[h] = t
            used.add(t)
    return assigned


def _class_distances(classifier: Classifier, features: FloatArray) -> FloatArray | None:
    measure = getattr(classifier, "class_distances", None)  # a classifier without examples may lack it
    return None if measure is None else measure(features)


def _decide(classifier: Classifier, probabilities: FloatArray, distances: FloatArray | None) -> list[Prediction]:
    decide = getattr(classifier, "decide", None)
    if decide is None:
        return [make_prediction(p, tuple(classifier.classes), classifier.threshold) for p in probabilities]
    return decide(probabilities, distances)


# Frames whose class probabilities Live, videos and ``python -m core live`` average per hand: a label
# that does not flicker, a fifth of a second behind at 25 fps (bench/people/fewshot.py scores with it too).
STREAM_SMOOTHING_FRAMES = 5


class Pipeline:
    """Hands and (smoothed) gesture predictions for a stream of frames.

    Args:
        tracker: finds hands; one per stream (see ``core.keypoints.landmarks.HandTracker``).
        classifier: optional; without one, predictions are None.
        smoothing: number of recent frames whose class probabilities are averaged per
            hand (1 = no smoothing), so the label does not flicker.
        smoother: optional keypoint filter (``core.keypoints.smoothing``): the hands returned,
            drawn and classified are its steadied ones. Replace ``smoother`` from the frame thread only.
    """

    def __init__(
        self,
        tracker: HandSource,
        classifier: Classifier | None = None,
        smoothing: int = STREAM_SMOOTHING_FRAMES,
        smoother: KeypointSmoother | None = None,
    ) -> None:
        if smoothing < 1:
            raise ValueError(f"smoothing must be >= 1 frame, got {smoothing}")
        self.tracker = tracker
        self.smoothing = smoothing
        self.smoother = smoother
        self._classifier = classifier
        self._lock = threading.Lock()
        self._tracks: list[_Track] = []
        self._frame_index = 0

    @property
    def classifier(self) -> Classifier | None:
        return self._classifier

    def set_classifier(self, classifier: Classifier | None) -> None:
        """Swap the classifier (e.g. after training) from any thread; smoothing restarts."""
        with self._lock:
            self._classifier = classifier
            self._tracks = []

    def reset(self) -> None:
        """Forget smoothing state and restart frame numbering (a new stream or video)."""
        with self._lock:
            self._tracks = []
            self._frame_index = 0
            if self.smoother is not None:
                self.smoother.reset()

    def process(self, rgb: RGBImage, frame_index: int | None = None, timestamp: float | None = None) -> FrameResult:
        """Find hands in an (H, W, 3) uint8 RGB unmirrored frame and classify them.

        ``frame_index`` overrides the pipeline's own count (e.g. the file's index when
        every n-th frame of a video is processed); ``timestamp`` (seconds, for the smoother)
        defaults to the clock, right for a live stream, not for a file's frames.
        """
        start = time.perf_counter()
        hands = self.tracker.process(rgb)
        if self.smoother is not None:
            hands = self.smoother(hands, time.monotonic() if timestamp is None else timestamp)
        timings = {"landmarks": (time.perf_counter() - start) * 1000.0}
        predictions = self.classify(hands, timings)
        with self._lock:
            index = self._frame_index if frame_index is None else frame_index
            self._frame_index = index + 1
        return FrameResult(hands=hands, predictions=predictions, timings_ms=timings, frame_index=index)

    def classify(self, hands: list[Keypoints], timings: dict[str, float] | None = None) -> list[Prediction | None]:
        """Smoothed predictions for hands of the next frame (also usable with hands from elsewhere).

        ``timings`` (if given) receives "features" and "classifier" in milliseconds.
        """
        timings = {} if timings is None else timings
        classifier = self._classifier  # one reference for the whole frame, even if swapped meanwhile
        if classifier is None or not hands:
            timings.update(features=0.0, classifier=0.0)
            if not hands:
                with self._lock:
                    self._age_tracks([], [], None)  # every track missed this frame
            return [None] * len(hands)
        start = time.perf_counter()
        features = np.stack([hand_features(hand, classifier.feature_config) for hand in hands]).astype(np.float32)
        mid = time.perf_counter()
        probabilities = np.asarray(classifier.predict_proba(features), dtype=np.float32)  # (N, C)
        distances = _class_distances(classifier, features)  # (N, C) or None
        classes = tuple(classifier.classes)
        with self._lock:
            smoothed, near = self._smooth(hands, probabilities, distances, classes)
        predictions: list[Prediction | None] = list(_decide(classifier, smoothed, near))
        timings.update(features=(mid - start) * 1000.0, classifier=(time.perf_counter() - mid) * 1000.0)
        return predictions

    def _smooth(
        self, hands: list[Keypoints], probabilities: FloatArray, distances: FloatArray | None, classes: tuple[str, ...]
    ) -> tuple[FloatArray, FloatArray | None]:
        """Append each hand's probabilities (and distances) to its track; (N, C) per-hand averages of both. Lock held."""
        assigned = match_hands(self._tracks, hands)
        tracks = self._age_tracks(assigned, hands, classes)
        averaged, near = [], []
        for i, (track, probs) in enumerate(zip(tracks, probabilities, strict=True)):
            track.history.append(probs)
            averaged.append(np.mean(np.stack(track.history), axis=0))
            if distances is not None:
                track.distances.append(distances[i])
                near.append(np.mean(np.stack(track.distances), axis=0))
        return np.asarray(averaged, np.float32), None if distances is None else np.asarray(near, np.float32)

    def _age_tracks(
        self, assigned: list[int | None], hands: list[Keypoints], classes: tuple[str, ...] | None
    ) -> list[_Track]:
        """Update matched tracks, start new ones, drop those missing too long. Returns one track per hand."""
        per_hand: list[_Track] = []
        for hand, index in zip(hands, assigned, strict=True):
            track = self._tracks[index] if index is not None else None
            if track is None or track.classes != classes:  # a new hand, or a new model: start afresh
                track = _Track(hand.handedness, _centre(hand), deque(maxlen=self.smoothing),
                               deque(maxlen=self.smoothing), classes or ())  # fmt: skip
            track.handedness, track.centre, track.missed = hand.handedness, _centre(hand), 0
            per_hand.append(track)
        kept = {id(t) for t in per_hand}
        for track in self._tracks:
            if id(track) not in kept:
                track.missed += 1
        self._tracks = per_hand + [t for t in self._tracks if id(t) not in kept and t.missed <= _MAX_MISSED]
        return per_hand

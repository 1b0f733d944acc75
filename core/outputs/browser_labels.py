"""Live on the browser path (issue 46): a tab's label event, checked, as the ``FrameResult`` the outputs publish.

The tab sends each hand's answer when its label changes, and its new numbers a few times a second while the label
stays (``frontend/src/events.js``)::

    {"kind": "labels", "model_version": str, "fps": number, "frame_size": [width, height],
     "hands": [{"handedness": "Left" | "Right" | "Unknown", "label": a class name | "unknown",
                "class_index": int, "known": bool,
                "probabilities": C numbers 0..1 summing to 1 (the model's classes, in order),
                "distance": radii | null, "like_untaught": bool, "untaught_distance": radii | null,
                "normalised": 21 × [x, y, z]}]}      # unmirrored, as core/types.py

Nothing in it is trusted: ``label_result`` checks every field and raises ``ValueError`` naming it, and an event
of another model than the page's (a tab still running the model from before a training) is refused too.
``EventGate`` limits how many events a session handles a second, so one tab cannot busy the server.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.data.imports.browser_take import MAX_HANDS, POINT_BOUNDS, TakeError, frame_size_of, points_21, tab_keypoints
from core.gestures.pipeline import FrameResult
from core.types import HANDEDNESS_VALUES, UNKNOWN_LABEL, Keypoints, Prediction


@dataclass(frozen=True)
class LabelEvent:
    """A checked label event: the frame's hands and predictions, and the tab's frames a second."""

    result: FrameResult
    fps: float
    model_version: str


def label_result(value: Mapping, classes: Sequence[str], frame_index: int = 0, model_version: str | None = None,
                 ) -> LabelEvent:  # fmt: skip
    """The ``FrameResult`` of a label event for a model of ``classes`` (version ``model_version``, the one the page
    sends the tab; None: any); ``ValueError`` naming the bad field."""
    fps, version = value.get("fps"), value.get("model_version")
    if type(fps) not in (int, float) or not 0 <= fps <= 1000:
        raise TakeError(f"fps: expected a number from 0 to 1000, got {fps!r:.60}")
    if not isinstance(version, str) or len(version) > 100:
        raise TakeError("model_version: expected a short text")
    if model_version is not None and version != model_version:
        raise TakeError(f"model_version: the labels came from a model this page no longer runs ({version!r:.40})")
    size = frame_size_of(value.get("frame_size"))
    hands = value.get("hands")
    if not isinstance(hands, list) or len(hands) > MAX_HANDS:
        raise TakeError(f"hands: expected a list of at most {MAX_HANDS} hands")
    parsed = [_hand(hand, f"hands[{h}]", classes, size) for h, hand in enumerate(hands)]
    result = FrameResult(hands=[k for k, _ in parsed], predictions=[p for _, p in parsed], frame_index=frame_index)
    return LabelEvent(result, float(fps), version)


def _hand(hand: object, where: str, classes: Sequence[str], size: tuple[int, int]) -> tuple[Keypoints, Prediction]:
    if not isinstance(hand, Mapping):
        raise TakeError(f"{where}: expected an object")
    handedness, label = hand.get("handedness"), hand.get("label")
    if handedness not in HANDEDNESS_VALUES:
        raise TakeError(f"{where}.handedness: expected one of {HANDEDNESS_VALUES}")
    if label != UNKNOWN_LABEL and label not in classes:
        raise TakeError(f"{where}.label: {label!r:.60} is not a gesture of this model")
    probabilities = _probabilities(hand.get("probabilities"), f"{where}.probabilities", len(classes))
    index, known = hand.get("class_index"), hand.get("known")
    if type(index) is not int or not 0 <= index < len(classes):
        raise TakeError(f"{where}.class_index: expected a class number below {len(classes)}, got {index!r:.20}")
    if type(known) is not bool or label != (classes[index] if known else UNKNOWN_LABEL):
        raise TakeError(f"{where}.known: {known!r:.10} does not match label {label!r:.60} of class {index}")
    score = probabilities[index]  # the answered class's probability (core.types.Prediction.score)
    normalised = points_21(hand.get("normalised"), f"{where}.normalised", POINT_BOUNDS["normalised"])
    keypoints = tab_keypoints(normalised, None, handedness, score, size)
    like_untaught = hand.get("like_untaught", False)
    if type(like_untaught) is not bool:
        raise TakeError(f"{where}.like_untaught: expected true or false")
    shares = dict(zip(classes, probabilities, strict=True))
    return keypoints, Prediction(label, score, shares, _distance(hand.get("distance"), f"{where}.distance"),
                                 like_untaught and label == UNKNOWN_LABEL,
                                 _distance(hand.get("untaught_distance"), f"{where}.untaught_distance"))  # fmt: skip


def _probabilities(values: object, where: str, count: int) -> list[float]:
    """``count`` probabilities, each 0..1 and their sum 1 (within the tab's rounding to 4 places)."""
    if not isinstance(values, list) or len(values) != count:
        got = f"{len(values)} values" if isinstance(values, list) else f"{type(values).__name__}"
        raise TakeError(f"{where}: expected {count} probabilities (one per gesture of this model), got {got}")
    if not all(type(v) in (int, float) and 0.0 <= v <= 1.0 for v in values):  # NaN fails both comparisons
        raise TakeError(f"{where}: expected numbers from 0 to 1, got {[v for v in values][:8]!r:.80}")
    if abs(math.fsum(values) - 1.0) > 1e-4 * count + 1e-3:
        raise TakeError(f"{where}: they sum to {math.fsum(values):.4f}, not 1")
    return [float(v) for v in values]


def _distance(distance: object, where: str) -> float | None:
    if distance is None:
        return None
    if type(distance) not in (int, float) or not math.isfinite(distance) or distance < 0:
        raise TakeError(f"{where}: expected a distance in radii or null")
    return float(distance)


class EventGate:
    """At most ``rate`` events a second per session (a burst of ``burst``): a token bucket on the monotonic clock.

    ``admit`` says whether to handle an event; a refused one is counted in ``dropped``, and ``pause`` is how
    long the session's script should rest before its next rerun, so that a tab sending a thousand events a
    second costs the server a few reruns a second, not a thousand."""

    def __init__(self, rate: float = 10.0, burst: float = 20.0) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.last, self.dropped = burst, time.monotonic(), 0

    def admit(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        self.dropped += 1
        return False

    @property
    def pause(self) -> float:
        """Seconds until the next event would be admitted."""
        return max(0.0, (1.0 - self.tokens) / self.rate)

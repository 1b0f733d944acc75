"""Messages built from a frame's result: one format for OSC and one for WebSocket JSON (``docs/outputs.md``).

The video thread only copies what it needs into a ``FrameMessage`` (a few attribute reads); encoding to
JSON text or OSC arguments happens on each output's own thread (``to_json``, ``to_osc``).

Coordinates are those of ``core.types``: keypoints are *normalised* (x, y in [0, 1] of the unmirrored
camera frame, x = 0 at the left of the camera's image; z MediaPipe's relative depth). A selfie view's x
is ``1 - x``. Handedness is the person's real hand ("Unknown" for a body).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from core.types import FloatArray

if TYPE_CHECKING:
    from core.gestures.pipeline import FrameResult
    from core.motion.spotting import SpotEvent

FORMAT_VERSION = 1  # the "v" of every JSON message; raised only when a field changes meaning or goes away
OSC_GESTURE = "/handteach/gesture"  # hand index, handedness, label, confidence, frame, t
OSC_KEYPOINTS = "/handteach/keypoints"  # hand index, then x0 y0 z0 x1 y1 z1 ... (K×3 floats)
OSC_NONE = "/handteach/none"  # frame, t: no hand (or body) in the frame
OSC_MOTION = "/handteach/motion"  # label, confidence, start, end: a motion gesture that just ended
_DECIMALS = 4  # keypoints in JSON: 1e-4 of the frame is a tenth of a pixel at 1000 px


@dataclass(frozen=True)
class HandMessage:
    """One hand (or body) of a frame.

    Attributes:
        index: its place in the frame's hands (0 first), as the pipeline returned them.
        handedness: "Left", "Right" (the person's real hand) or "Unknown".
        skeleton: the skeleton's name ("hand", "body", "fingertip"): how many keypoints and which.
        label: the gesture, ``core.types.UNKNOWN_LABEL`` below the threshold, None without a model.
        confidence: the top class's probability (0.0 without a model).
        keypoints: (K, 3) float32 normalised, unmirrored; None when keypoints are not sent.
    """

    index: int
    handedness: str
    skeleton: str
    label: str | None
    confidence: float
    keypoints: FloatArray | None = None


@dataclass(frozen=True)
class FrameMessage:
    """What one frame sends: its index, its time in seconds (a file: its own time; live: the sender's clock)."""

    frame: int
    t: float
    hands: tuple[HandMessage, ...]


@dataclass(frozen=True)
class MotionMessage:
    """A motion gesture (``core.motion.spotting.SpotEvent``) that ended: stream seconds of its first and last frame."""

    label: str
    confidence: float
    start: float
    end: float


Message = FrameMessage | MotionMessage


def frame_message(result: FrameResult, t: float, keypoints: bool = False) -> FrameMessage:
    """A ``FrameMessage`` of ``result`` at ``t`` seconds; the arrays are referenced, not copied (never written to)."""
    hands = tuple(
        HandMessage(
            index=i,
            handedness=hand.handedness,
            skeleton=hand.skeleton.name,
            label=None if prediction is None else prediction.label,
            confidence=0.0 if prediction is None else float(prediction.score),
            keypoints=hand.normalised if keypoints else None,
        )
        for i, (hand, prediction) in enumerate(zip(result.hands, result.predictions, strict=True))
    )
    return FrameMessage(frame=int(result.frame_index), t=float(t), hands=hands)


def motion_message(event: SpotEvent) -> MotionMessage:
    return MotionMessage(event.label, float(event.confidence), float(event.start), float(event.end))


class ChangeFilter:
    """For "on change only": passes a frame when the hands' (handedness, label) list differs from the last passed.

    A hand appearing or leaving is a change, so "no hand" is sent once when the last hand goes.
    Not thread-safe: one per producer thread.
    """

    def __init__(self) -> None:
        self._last: tuple[tuple[str, str | None], ...] | None = None

    def changed(self, message: FrameMessage) -> bool:
        key = tuple((hand.handedness, hand.label) for hand in message.hands)
        if key == self._last:
            return False
        self._last = key
        return True


def to_json(message: Message) -> str:
    """One JSON object (text) of ``docs/outputs.md``'s WebSocket format, version ``FORMAT_VERSION``."""
    if isinstance(message, MotionMessage):
        payload: dict = {"v": FORMAT_VERSION, "type": "motion", "label": message.label,
                         "confidence": round(message.confidence, 4),
                         "start": round(message.start, 3), "end": round(message.end, 3)}  # fmt: skip
    else:
        payload = {"v": FORMAT_VERSION, "type": "frame", "frame": message.frame, "t": round(message.t, 3),
                   "hands": [_hand_json(hand) for hand in message.hands]}  # fmt: skip
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def _hand_json(hand: HandMessage) -> dict:
    out: dict = {"index": hand.index, "handedness": hand.handedness, "skeleton": hand.skeleton,
                 "label": hand.label, "confidence": round(hand.confidence, 4)}  # fmt: skip
    if hand.keypoints is not None:
        out["keypoints"] = np.round(hand.keypoints.astype(np.float64), _DECIMALS).tolist()
    return out


def to_osc(message: Message) -> list[tuple[str, list]]:
    """(address, arguments) pairs of ``docs/outputs.md``'s OSC format, in the order they are sent.

    OSC has no null: without a model the label is "" and the confidence 0.
    """
    if isinstance(message, MotionMessage):
        return [(OSC_MOTION, [message.label, message.confidence, message.start, message.end])]
    if not message.hands:
        return [(OSC_NONE, [message.frame, message.t])]
    out: list[tuple[str, list]] = []
    for hand in message.hands:
        out.append((OSC_GESTURE, [hand.index, hand.handedness, hand.label or "", hand.confidence,
                                  message.frame, message.t]))  # fmt: skip
        if hand.keypoints is not None:
            out.append((OSC_KEYPOINTS, [hand.index, *hand.keypoints.astype(np.float64).ravel().tolist()]))
    return out

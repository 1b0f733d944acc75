"""The answer a webcam page shows, and the same answer drawn on the video.

The frame thread classifies every frame (25-30 a second); the page's card refreshes from a fragment twice a
second. Drawing each frame's own answer made the video and the card disagree most of the time a hand moved
("unknown 0.59" on the video beside "claw 61%" on the card: two frames half a second apart). So the card
*publishes* what it shows (``AnswerBoard.publish``, from the page's fragment): the latest frame's predictions.
From then on every frame draws that published answer on its hands, until the card publishes the next one; the
skeleton still follows every frame. A page that stops asking (no card on it, a tab in the background) gets each
frame's own answer drawn again after ``HOLD_SECONDS``.

Used from two threads: ``frame`` from the frame thread, ``publish`` / ``latest`` from the page's.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from core.gestures.pipeline import FrameResult
from core.types import Keypoints, Prediction
from core.viz.draw import label_text

# Longer than the card's refresh (0.5 s) and a slow rerun on a busy machine: the page still asks within it.
HOLD_SECONDS = 1.5


@dataclass(frozen=True)
class ShownHand:
    """One hand's answer as the card shows it and the video draws it."""

    hand: Keypoints  # the hand it was decided for (pixel space of its unmirrored frame)
    prediction: Prediction | None  # None: no model

    @property
    def handedness(self) -> str:
        return self.hand.handedness

    @property
    def text(self) -> str:
        """The label drawn on the video for this hand, e.g. "claw 61% (Right)" (``core.viz.draw.label_text``)."""
        return label_text(self.hand, self.prediction)


class AnswerBoard:
    """The published answer of one stream (see the module docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest: tuple[ShownHand, ...] = ()  # the latest frame's own answer
        self._published: tuple[ShownHand, ...] | None = None
        self._published_at = float("-inf")  # monotonic seconds

    def frame(self, result: FrameResult, now: float) -> FrameResult:
        """``result`` as the video draws it: its hands with the published answer (each frame's own when stale)."""
        latest = tuple(ShownHand(h, p) for h, p in zip(result.hands, result.predictions, strict=True))
        with self._lock:
            self._latest = latest
            published = self._published if now - self._published_at <= HOLD_SECONDS else None
        if published is None:
            return result
        drawn = [_published_for(hand, i, result.hands, published) for i, hand in enumerate(result.hands)]
        return replace(result, hands=[d.hand for d in drawn], predictions=[d.prediction for d in drawn])

    def publish(self, now: float) -> tuple[ShownHand, ...]:
        """The latest frame's answer, from now on drawn on every frame: what the card shows."""
        with self._lock:
            self._published, self._published_at = self._latest, now
            return self._latest

    def latest(self) -> tuple[ShownHand, ...]:
        """The latest frame's own answer (what the card would show if it asked now), publishing nothing."""
        with self._lock:
            return self._latest

    def clear(self) -> None:
        """A stream ended: nothing is shown."""
        with self._lock:
            self._latest, self._published, self._published_at = (), None, float("-inf")


def _published_for(hand: Keypoints, index: int, hands: list[Keypoints], published: tuple[ShownHand, ...]) -> ShownHand:
    """The published answer of the hand at ``index`` of this frame, drawn where the hand is now.

    A hand is the published hand of its side when only one has that side; else the one at its place when as
    many hands were published as are seen now. A hand that was not there when the card asked gets no
    label (its side only) until the card asks again: the card does not show it either.
    """
    same_side = [s for s in published if s.handedness == hand.handedness]
    if len(same_side) == 1:
        return ShownHand(hand, same_side[0].prediction)
    if len(published) == len(hands):
        # MediaPipe's side flickers now and then: the published side is drawn, as the card says it
        return ShownHand(replace(hand, handedness=published[index].handedness), published[index].prediction)
    return ShownHand(hand, None)

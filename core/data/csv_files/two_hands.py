"""Logs whose rows alternate between two hands: the other hand stored under the gesture's label.

kinivi's logger (and tools built on it) writes one row for every hand MediaPipe sees while a number
key is held. With the other hand in view, resting on the desk or raised, a gesture's rows alternate
A B A B: the gesture, then the other hand, both under the gesture's name. Found in a real log of
``bench/people/fewshot.py``'s kinivi people (``AdiDecodes``: the first rows of "ILoveYou" and "Attack" are half
the other hand). A model taught on them learns that the other hand is every gesture. handteach's
Record drops frames with a second hand (``ExtractConfig.hands_per_frame``); an import cannot, as a row
does not say which frame it came from, so it says which gestures look like this.

The test: between consecutive rows of one gesture one hand moves a little, a feature distance far below
``JUMP`` (the ASL video's finger-spelling hand: at most 0.70 from frame to frame, 2.65 between any two
of its letters), while a resting other hand is a different, mirrored shape, far above it (the two-hand
logs: 4.6-5.6). A gesture whose consecutive rows jump this far at least ``SHARE`` of the time
alternates. Real single-hand logs jump so far at most 11% of the time (a moving sign's fast frames,
where its runs meet); the two-hand runs, every time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.gestures.features import FeatureConfig, keypoints_to_features
from core.types import FloatArray

JUMP = 2.5  # features are wrist-relative and scaled by the hand's size
SHARE = 0.3  # of a gesture's consecutive rows
MIN_ROWS = 6
_FEATURES = FeatureConfig(use_depth=False)


@dataclass
class TwoHandCheck:
    """Fed a log's rows in file order, one (class name, (21, 2) user-view points) at a time."""

    _last: dict[str, FloatArray] = field(default_factory=dict)
    _pairs: dict[str, int] = field(default_factory=dict)
    _jumps: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, points: FloatArray) -> None:
        try:
            row = keypoints_to_features(np.asarray(points, np.float32)[None, :, :2], _FEATURES)[0]
        except ValueError:  # a degenerate hand: every point on the wrist; nothing to compare
            return
        last = self._last.get(name)
        if last is not None:
            self._pairs[name] = self._pairs.get(name, 0) + 1
            self._jumps[name] = self._jumps.get(name, 0) + int(np.linalg.norm(row - last) > JUMP)
        self._last[name] = row

    def alternating(self) -> tuple[str, ...]:
        """Gestures whose consecutive rows alternate between two hands, in the order first seen."""
        return tuple(
            name for name, pairs in self._pairs.items() if pairs + 1 >= MIN_ROWS and self._jumps[name] >= SHARE * pairs
        )


def two_hands_text(names: tuple[str, ...]) -> str:
    """What to tell a person whose import holds such gestures ("" when none)."""
    if not names:
        return ""
    return (f"Rows of {', '.join(names)} alternate between two hands: the logger wrote a row for each hand in view, "
            "so the other hand is stored as that gesture too. Log them again with one hand in view, or the model "
            "will learn that the other hand is that gesture.")  # fmt: skip

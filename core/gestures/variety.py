"""How varied a gesture's samples are: what a recording shows of the ways the hand will be held later.

``bench/people/fewshot.py`` found that ten still frames of one moment teach less than ten of a hand that turns a
little: a model taught that way misses the same person later. The Record page shows this summary so a
person can see it, and the hint names what to vary next.

All from each sample's keypoints, in the frame's pixels (x by width, y by height, z by width):

* **tilt**: the angle in the image plane of wrist → middle-finger knuckle (joints 0 → 9);
* **turn**: the angle between the palm's normal (wrist, index and little-finger knuckles: 0, 5, 17) and
  the camera's axis: the hand turned towards or away from the camera (needs depth; 2D samples have none);
* **distance**: the hand's reach (its largest wrist-to-joint distance) over the frame's shorter side.

Spreads are between the 10th and the 90th percentile, so one odd frame does not count as variety.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.types import Keypoints

# What a take should show at least: the few-shot augmentation turns samples ±30° (core.gestures.train_config),
# and a hand seen 1.25× nearer or farther is an ordinary step towards or away from a webcam.
GOOD_TILT_DEG = 20.0
GOOD_TURN_DEG = 20.0
GOOD_DISTANCE_RATIO = 1.25
MIN_SAMPLES = 3


@dataclass(frozen=True)
class Variety:
    """Spreads over a gesture's samples. ``turn_deg`` is None when fewer than ``MIN_SAMPLES`` have depth."""

    samples: int
    tilt_deg: float
    turn_deg: float | None
    distance_ratio: float

    def missing(self) -> list[str]:
        """What to vary more, in the words the page uses ("tilt", "turn", "distance")."""
        out = [] if self.tilt_deg >= GOOD_TILT_DEG else ["tilt"]
        out += [] if self.turn_deg is None or self.turn_deg >= GOOD_TURN_DEG else ["turn"]
        return out + ([] if self.distance_ratio >= GOOD_DISTANCE_RATIO else ["distance"])


def _spread(values: np.ndarray) -> float:
    low, high = np.percentile(values, [10, 90])
    return float(high - low)


def sample_variety(hands: Sequence[Keypoints]) -> Variety | None:
    """``Variety`` of 21-point hands, or None for fewer than ``MIN_SAMPLES`` (nothing to say yet)."""
    hands = [h for h in hands if h.skeleton.num_joints == 21]
    if len(hands) < MIN_SAMPLES:
        return None
    xy = np.stack([h.pixel for h in hands]).astype(np.float64)  # (N, 21, 2)
    axis = xy[:, 9] - xy[:, 0]
    angles = np.arctan2(axis[:, 1], axis[:, 0])
    mean = np.angle(np.exp(1j * angles).mean())  # circular: 179° and -179° are 2° apart
    tilt = np.degrees(np.angle(np.exp(1j * (angles - mean))))
    short = np.array([min(h.image_size) for h in hands], dtype=np.float64)
    reach = np.linalg.norm(xy - xy[:, :1], axis=2).max(axis=1) / short
    reach = reach[reach > 0]
    ratio = float(np.percentile(reach, 90) / np.percentile(reach, 10)) if len(reach) >= MIN_SAMPLES else 1.0
    return Variety(len(hands), _spread(tilt), _turn_spread(hands), ratio)


def _turn_spread(hands: Sequence[Keypoints]) -> float | None:
    deep = [h for h in hands if h.has_depth and np.ptp(h.normalised[:, 2]) > 0]
    if len(deep) < MIN_SAMPLES:
        return None
    width = np.array([h.image_size[0] for h in deep], dtype=np.float64)[:, None]
    height = np.array([h.image_size[1] for h in deep], dtype=np.float64)[:, None]
    n = np.stack([h.normalised for h in deep]).astype(np.float64)
    points = np.stack([n[..., 0] * width, n[..., 1] * height, n[..., 2] * width], axis=2)
    normal = np.cross(points[:, 5] - points[:, 0], points[:, 17] - points[:, 0])
    length = np.linalg.norm(normal, axis=1)
    normal, length = normal[length > 0], length[length > 0]
    if len(normal) < MIN_SAMPLES:
        return None
    facing = np.degrees(np.arccos(np.clip(np.abs(normal[:, 2]) / length, 0.0, 1.0)))  # 0: palm or back to camera
    return _spread(facing)


_SHOWN = {"tilt": "tilted", "turn": "turned", "distance": "near and far"}  # what a take shows, in a child's words
_ASKS = {"tilt": "tilt your hand left and right", "turn": "turn it a little towards and away from you",
         "distance": "move it nearer and farther"}  # fmt: skip


def _listed(words: list[str]) -> str:
    return ", ".join(words[:-1]) + f" and {words[-1]}" if len(words) > 1 else words[0]


def variety_text(variety: Variety | None) -> str:
    """One plain line for the Record page, in words and no degrees ("" with too few samples to judge): "Your 10
    samples show your hand tilted, but not turned or near and far. Next take: …"."""
    if variety is None:
        return ""
    measured = ["tilt", *([] if variety.turn_deg is None else ["turn"]), "distance"]
    missing = variety.missing()
    shown = [_SHOWN[m] for m in measured if m not in missing]
    start = f"Your {variety.samples} samples show your hand"
    if not missing:
        return f"{start} {_listed(shown)}: good, it will know this gesture held in other ways too."
    if not shown:
        line = f"{start} held the same way each time."
    else:
        line = f"{start} {_listed(shown)}, but not {' or '.join(_SHOWN[m] for m in missing)}."
    return f"{line} Next take: {', '.join(_ASKS[m] for m in missing)}."

"""How far to trust a heatmap network's joints on one hand: its own confidence, and how well it agrees with MediaPipe.

The CPM panel on Live used to caption every pose "the stages sharpen the beliefs", even where the CPM crossed
fingers MediaPipe had right. It now says how sure the network is (``sure_joints``: each joint's peak belief in
the last stage) and, where MediaPipe's keypoints of the same hand are at hand, how far apart the two skeletons
are (``agreement``), in pixels and in the hand's size as PCK measures it (``core.cpm.evaluation.metrics``).

Thresholds, measured on 94 photos with a hand MediaPipe finds (every 4th of ``hagrid_380``, every 20th of
``asl_letters``), a joint "far" when it is more than ``FAR`` of the hand's size from MediaPipe's:

* ``SURE_PEAK`` 0.6: the shipped CPM is unsure (peak below it) of 2.8% of the joints, and 44% of those are far
  against 0.9% of the joints it is sure of; the unsure ones hold 59% of the far joints. The shipped ResNet-deconv:
  6.0% unsure, 21% of them far against 1.3%, 51% of the far joints. (At 0.3, the rings the pose tiles drew
  before, 0.1% of the CPM's joints were unsure: nearly every hand read "sure of 21 of 21".)
* ``DISAGREE_JOINTS`` 3: a hand with 3 or more far joints is one the panel calls a disagreement: 5 of the 94
  (mean distance 9-29% of the hand's size, e.g. index and middle drawn along the hair in ``call_00004``); the
  median hand's mean distance is 3.4% of its size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.cpm.evaluation.metrics import normalised_errors
from core.skeletons import HAND_21
from core.types import FloatArray, Keypoints

SURE_PEAK = 0.6  # a joint whose last-stage peak belief is below this: the network is unsure of it (drawn as a ring)
FAR = 0.2  # a joint further from MediaPipe's than this share of the hand's size is far off (PCK@0.2's radius)
DISAGREE_JOINTS = 3  # this many far joints or more: the two skeletons disagree on the hand


def sure_joints(confidence: FloatArray) -> int:
    """How many of the (K,) peak beliefs in [0, 1] reach ``SURE_PEAK``."""
    return int((np.asarray(confidence) >= SURE_PEAK).sum())


@dataclass(frozen=True)
class Agreement:
    """A network's joints against MediaPipe's on the same hand, in pixels of the frame both were found in."""

    mean_px: float  # mean distance from each network joint to MediaPipe's same joint
    hand_px: float  # the hand's size: the longest side of the box around MediaPipe's keypoints
    far: int  # joints further than FAR × hand_px from MediaPipe's
    joints: int  # joints compared (21)

    @property
    def share(self) -> float:
        """``mean_px`` as a share of the hand's size (PCK's mean normalised error)."""
        return self.mean_px / self.hand_px

    @property
    def agrees(self) -> bool:
        return self.far < DISAGREE_JOINTS


def agreement(points_px: FloatArray, mediapipe: Keypoints) -> Agreement:
    """How far (21, 2) joints in frame px are from ``mediapipe``'s keypoints of the same hand (same frame).

    ``ValueError`` when the points are not the hand skeleton's 21 (x, y) pairs or not all finite.
    """
    points = np.asarray(points_px, np.float32)
    if points.shape != (HAND_21.num_joints, 2) or not np.isfinite(points).all():
        raise ValueError(f"expected ({HAND_21.num_joints}, 2) finite joint positions, got shape {points.shape}")
    if mediapipe.skeleton != HAND_21:
        raise ValueError(f"MediaPipe's keypoints must be a hand's, got a {mediapipe.skeleton.name} skeleton")
    errors = normalised_errors(points[None], mediapipe.pixel[None])[0]  # (21,) distance / hand size
    distances = np.linalg.norm(points - mediapipe.pixel, axis=1)
    size = float(np.ptp(mediapipe.pixel, axis=0).max())
    return Agreement(float(distances.mean()), max(size, 1e-6), int((errors > FAR).sum()), len(points))

"""Data that crosses module boundaries: hands, predictions, joint names.

Coordinate spaces used throughout handteach:

* **pixel**: x right, y down, in pixels of the *unmirrored* camera frame or image
  (what a camera or a photo file holds, not the mirrored preview a browser shows).
* **normalised**: pixel divided by image width/height, so in [0, 1] inside the frame;
  ``z`` is MediaPipe's relative depth (same scale as x, smaller is nearer the camera).
* **world**: MediaPipe's metric 3D points in metres, origin near the hand's centre.
* **user view**: the frame mirrored left-right, i.e. what the user sees in a selfie
  preview. Features live in this space so that 👉 (pointing to the user's right)
  points towards +x.

Handedness is always the person's real hand ("Left" / "Right"), assuming the
input frame is unmirrored. MediaPipe's own label assumes a mirrored input, so
``core.landmarks`` swaps it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]  # the float arrays that cross modules: points, features, belief maps
RGBImage = npt.NDArray[np.uint8]  # (H, W, 3) uint8 RGB frames and crops

NUM_JOINTS = 21

JOINT_NAMES: tuple[str, ...] = (
    "wrist",
    "thumb_cmc", "thumb_mcp", "thumb_ip", "thumb_tip",
    "index_mcp", "index_pip", "index_dip", "index_tip",
    "middle_mcp", "middle_pip", "middle_dip", "middle_tip",
    "ring_mcp", "ring_pip", "ring_dip", "ring_tip",
    "pinky_mcp", "pinky_pip", "pinky_dip", "pinky_tip",
)  # fmt: skip

# Bones as (parent, child) joint indices, MediaPipe's topology.
SKELETON_EDGES: tuple[tuple[int, int], ...] = (
    (0, 1), (1, 2), (2, 3), (3, 4),
    (0, 5), (5, 6), (6, 7), (7, 8),
    (5, 9), (9, 10), (10, 11), (11, 12),
    (9, 13), (13, 14), (14, 15), (15, 16),
    (13, 17), (0, 17), (17, 18), (18, 19), (19, 20),
)  # fmt: skip

HANDEDNESS_VALUES = ("Left", "Right", "Unknown")
KEYPOINT_BACKENDS = ("mediapipe", "cpm")  # the detectors a project can take its keypoints from


@dataclass(frozen=True)
class Hand:
    """One detected hand.

    Attributes:
        pixel: (21, 2) float32, pixel space of the unmirrored frame.
        normalised: (21, 3) float32, normalised space (x, y in [0, 1], z relative depth).
        world: (21, 3) float32, metres; NaN when unknown (e.g. imported from a 2D CSV).
        handedness: the person's real hand, one of ``HANDEDNESS_VALUES``.
        score: handedness confidence in [0, 1].
        image_size: (width, height) in pixels of the frame the hand was found in.
    """

    pixel: npt.NDArray[np.float32]
    normalised: npt.NDArray[np.float32]
    world: npt.NDArray[np.float32]
    handedness: str
    score: float
    image_size: tuple[int, int]

    def __post_init__(self) -> None:
        if self.pixel.shape != (NUM_JOINTS, 2):
            raise ValueError(f"Hand.pixel must have shape (21, 2), got {self.pixel.shape}")
        if self.normalised.shape != (NUM_JOINTS, 3):
            raise ValueError(f"Hand.normalised must have shape (21, 3), got {self.normalised.shape}")
        if self.world.shape != (NUM_JOINTS, 3):
            raise ValueError(f"Hand.world must have shape (21, 3), got {self.world.shape}")
        if self.handedness not in HANDEDNESS_VALUES:
            raise ValueError(f"handedness must be one of {HANDEDNESS_VALUES}, got {self.handedness!r}")

    @property
    def has_depth(self) -> bool:
        """True when z and world points are real measurements, not placeholders."""
        return bool(np.isfinite(self.world).all())

    def bbox(self, margin: float = 0.0) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) pixel box around the keypoints, grown by ``margin`` × its size."""
        x0, y0 = self.pixel.min(axis=0)
        x1, y1 = self.pixel.max(axis=0)
        dx, dy = (x1 - x0) * margin, (y1 - y0) * margin
        return float(x0 - dx), float(y0 - dy), float(x1 + dx), float(y1 + dy)

    def extent(self) -> float:
        """Longest side of the keypoint box, in pixels: how big the hand appears."""
        return float((self.pixel.max(axis=0) - self.pixel.min(axis=0)).max())


UNKNOWN_LABEL = "unknown"


@dataclass(frozen=True)
class Prediction:
    """Classifier output for one hand.

    Attributes:
        label: the class name, or ``UNKNOWN_LABEL`` when the top probability is
            below the model's confidence threshold.
        score: probability of the top class (even when ``label`` is unknown).
        probabilities: class name → probability, summing to 1, ordered by the model's classes.
    """

    label: str
    score: float
    probabilities: dict[str, float] = field(default_factory=dict)

    def top(self, k: int = 3) -> list[tuple[str, float]]:
        """The k most probable classes, best first."""
        return sorted(self.probabilities.items(), key=lambda kv: kv[1], reverse=True)[:k]


def make_prediction(
    probabilities: npt.NDArray[np.floating], classes: tuple[str, ...] | list[str], threshold: float
) -> Prediction:
    """(C,) probabilities → ``Prediction``; label is UNKNOWN_LABEL when the top one is below ``threshold``.

    The one thresholding rule: the classifier applies it per row, the pipeline to smoothed rows.
    """
    best = int(np.argmax(probabilities))
    score = float(probabilities[best])
    label = classes[best] if score >= threshold else UNKNOWN_LABEL
    return Prediction(label, score, {name: float(p) for name, p in zip(classes, probabilities, strict=True)})

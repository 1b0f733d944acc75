"""Data that crosses module boundaries: keypoints (of any ``core.skeletons`` layout) and predictions.

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
``core.keypoints.landmarks`` swaps it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from core.gestures.catalog import shown_name
from core.skeletons import HAND_21, Skeleton

FloatArray = npt.NDArray[np.float32]  # the float arrays that cross modules: points, features, belief maps
IntArray = npt.NDArray[np.int64]  # row and class indices: splits, labels as class numbers
RGBImage = npt.NDArray[np.uint8]  # (H, W, 3) uint8 RGB frames and crops

HANDEDNESS_VALUES = ("Left", "Right", "Unknown")
KEYPOINT_BACKENDS = ("mediapipe", "cpm", "resnet-deconv")  # the detectors a project can take its keypoints from
# Our heatmap networks (core.cpm, core.resdeconv): hand models placing 21 joints in a box MediaPipe finds, so never
# a body project's backend.
NETWORK_BACKENDS = ("cpm", "resnet-deconv")
NETWORK_TITLES = {"cpm": "CPM", "resnet-deconv": "ResNet-deconv"}  # each network's name in messages


@dataclass(frozen=True)
class Keypoints:
    """One detected hand or body: K keypoints of ``skeleton``.

    Attributes:
        pixel: (K, 2) float32, pixel space of the unmirrored frame.
        normalised: (K, 3) float32, normalised space (x, y in [0, 1], z relative depth).
        world: (K, 3) float32, metres; NaN when unknown (e.g. imported from a 2D CSV).
        handedness: the person's real hand, one of ``HANDEDNESS_VALUES``; "Unknown" for a body.
        score: the detector's confidence in [0, 1] (handedness confidence for a hand).
        image_size: (width, height) in pixels of the frame the keypoints were found in.
        skeleton: the layout of the K keypoints (``HAND_21`` unless said otherwise).
        visibility: (K,) float32 in [0, 1], how likely each point is in view and unoccluded
            (MediaPipe Pose gives it); None when the detector gives none (hands).
    """

    pixel: FloatArray
    normalised: FloatArray
    world: FloatArray
    handedness: str
    score: float
    image_size: tuple[int, int]
    skeleton: Skeleton = HAND_21
    visibility: FloatArray | None = None

    def __post_init__(self) -> None:
        k = self.skeleton.num_joints
        for name, dims in (("pixel", 2), ("normalised", 3), ("world", 3)):
            shape = getattr(self, name).shape
            if shape != (k, dims):
                raise ValueError(
                    f"Keypoints.{name} of a {self.skeleton.name} must have shape ({k}, {dims}), got {shape}"
                )
        if self.visibility is not None and self.visibility.shape != (k,):
            raise ValueError(f"Keypoints.visibility must have shape ({k},), got {self.visibility.shape}")
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
        score: probability of the class answered (even when ``label`` is unknown): the top one, unless the
            hand lay among the person's own examples of another (``core.gestures.familiarity``).
        probabilities: class name → probability, summing to 1, ordered by the model's classes.
    """

    label: str
    score: float
    probabilities: dict[str, float] = field(default_factory=dict)
    # How far the hand lies from the nearest taught example of the class answered, in the model's radii
    # (``core.gestures.familiarity``; 1 = the edge of what counts as known at this tolerance); None for a
    # model without examples (the starter, body poses, older models), whose "unknown" is the threshold's.
    distance: float | None = None
    # For an unknown hand of a model that keeps starter hands: it lay nearer the starter's hands of signs the
    # project does not know than the top class's (own or starter) hands, so the card says so rather than "far".
    like_untaught: bool = False
    # How far the nearest of the starter set's hands of signs the project does not know lies, in the same radii as
    # ``distance``; None without such hands (or from an older tab). "Very sure" needs them well further than the
    # class's own examples (``core.gestures.sureness``).
    untaught_distance: float | None = None

    def top(self, k: int = 3) -> list[tuple[str, float]]:
        """The k most probable classes, best first."""
        return sorted(self.probabilities.items(), key=lambda kv: kv[1], reverse=True)[:k]

    @property
    def by_examples(self) -> bool:
        """Known because the hand lies within the reach of the person's own examples of the class (``distance`` ≤ 1):
        the examples decided, not the network's probability (which may be low: 38% with bars 38 / 34 / 29)."""
        return self.label != UNKNOWN_LABEL and self.distance is not None and self.distance <= 1.0

    def short_text(self) -> str:
        """The answer as the video draws it and the Labels line writes it, its number only where it decided:
        "thumbs up 93%" (the model's confidence), "ok, like your examples" (``by_examples``), "ok, closest sign"
        (further than the examples reach, but nearer the class's hands than any sign not taught), "unknown" (the
        card says which gesture was closest and why it did not count). The gesture's name as the pages show it
        (``shown_name``: "thumbs up", not the stored "thumbs_up"). ``frontend/src/events.js``'s answerText."""
        if self.label == UNKNOWN_LABEL:
            return self.label
        name = shown_name(self.label)
        if self.distance is None:
            return f"{name} {self.score:.0%}"
        return f"{name}, {'like your examples' if self.by_examples else 'closest sign'}"


def make_prediction(
    probabilities: npt.NDArray[np.floating],
    classes: tuple[str, ...] | list[str],
    threshold: float,
    known: bool | None = None,
    distance: float | None = None,
    like_untaught: bool = False,
    index: int | None = None,
    untaught_distance: float | None = None,
) -> Prediction:
    """(C,) probabilities → ``Prediction``; label is UNKNOWN_LABEL when the top one is below ``threshold``, or,
    where the model decided ``known`` (``core.gestures.familiarity``), when it is not known. ``index``: the
    class the model answers where that is not the top one (the person's own examples chose it); ``untaught_distance``:
    the nearest hand of a sign not taught, in radii (inf: none).

    The one labelling rule: the classifier applies it per row, the pipeline to smoothed rows.
    """
    best = int(np.argmax(probabilities)) if index is None else index
    score = float(probabilities[best])
    accepted = score >= threshold if known is None else known
    label = classes[best] if accepted else UNKNOWN_LABEL
    ratio = _finite(distance)
    shares = {name: float(p) for name, p in zip(classes, probabilities, strict=True)}
    untaught = _finite(untaught_distance)
    return Prediction(label, score, shares, ratio, like_untaught and label == UNKNOWN_LABEL, untaught)


def _finite(distance: float | None) -> float | None:
    return None if distance is None or not np.isfinite(distance) else round(float(distance), 3)

"""MediaPipe Hands' graph on onnxruntime: palm detection, the hand's rotated region, 21 landmarks, tracking.

The same networks as ``mp.solutions.hands`` in mediapipe 0.10.21 (``core.keypoints.models``), with the steps of its
CPU graph (``hand_landmark_tracking_cpu``) done by ``core.keypoints.mp_graph``: on a frame that needs it the palm
detector (192 px letterboxed, 2016 SSD anchors, weighted NMS) gives up to ``max_num_hands`` palms; each palm's
region is turned so that the wrist (palm keypoint 0) lies below the middle finger's base (keypoint 2), shifted half
its height towards the fingers and widened 2.6 times to a square; the landmark network reads that region (224 px)
and says whether a hand is there, its 21 points, its world points and which hand it is. In video mode each hand's
points give the next frame's region (wrist and knuckles, turned the same way, twice their extent, shifted a tenth
towards the wrist), and the palm detector runs only while fewer hands than asked are followed; a region found again
by it replaces the followed one it overlaps. One ``OnnxHands`` per stream; use it from one thread at a time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from core.keypoints import mp_graph as g
from core.keypoints.onnx_session import run, session

PALM_ANCHORS = g.AnchorSpec(input_size=192, strides=(8, 16, 16, 16))
PALM_DECODE = g.DecodeSpec(num_keypoints=7, scale=192.0)
PALM_SIZE, LANDMARK_SIZE = 192, 224
PALM_SCALE, PALM_SHIFT_Y = 2.6, -0.5  # palm_detection_detection_to_roi
TRACK_SCALE, TRACK_SHIFT_Y = 2.0, -0.1  # hand_landmark_landmarks_to_roi
NORMALIZE_Z = 0.4  # hand_landmark_cpu's TensorsToLandmarksCalculator
# the wrist, the thumb's first three joints and the first two of each finger: the region from landmarks
_ROI_JOINTS = (0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18)
HANDEDNESS_LABELS = ("Left", "Right")  # the model's handedness.txt: its score is the first label's probability


@dataclass(frozen=True)
class HandResult:
    """One hand as MediaPipe's graph gives it: normalised (21, 3) points, world points, its label as MediaPipe
    names it (as if the image were mirrored), that label's score, and the region it was read in."""

    landmarks: g.FloatArray
    world: g.FloatArray
    label: str
    score: float
    rect: g.NormRect


def landmarks_rect(landmarks: g.FloatArray, image_size: tuple[int, int]) -> g.NormRect:
    """HandLandmarksToRectCalculator: the region around the wrist and knuckles, turned so that the wrist lies below
    the mean of the index, middle and ring fingers' bases (the middle one counted twice)."""
    points = landmarks[list(_ROI_JOINTS), :2].astype(np.float64)
    width, height = image_size
    end = ((points[4] + points[8]) / 2 + points[6]) / 2  # joints 5 and 13, then 9, in the partial list
    rotation = g.rotation_between(points[0], end, image_size)
    centre = (points.max(axis=0) + points.min(axis=0)) / 2
    offsets = (points - centre) * (width, height)
    cos, sin = math.cos(-rotation), math.sin(-rotation)
    turned = np.column_stack([offsets[:, 0] * cos - offsets[:, 1] * sin, offsets[:, 0] * sin + offsets[:, 1] * cos])
    low, high = turned.min(axis=0), turned.max(axis=0)
    mid = (low + high) / 2
    cos, sin = math.cos(rotation), math.sin(rotation)
    x_center = mid[0] * cos - mid[1] * sin + width * centre[0]
    y_center = mid[0] * sin + mid[1] * cos + height * centre[1]
    size = (high - low) / (width, height)
    return g.NormRect(x_center / width, y_center / height, float(size[0]), float(size[1]), rotation)


class OnnxHands:
    """MediaPipe Hands on onnxruntime, configured as ``core.keypoints.landmarks.TrackerConfig`` says."""

    def __init__(self, static_image_mode: bool, max_num_hands: int, model_complexity: int,
                 min_detection_confidence: float, min_tracking_confidence: float, threads: int = 1) -> None:  # fmt: skip
        if model_complexity not in (0, 1):
            raise ValueError(f"model_complexity must be 0 or 1, got {model_complexity!r}")
        kind = "full" if model_complexity == 1 else "lite"
        self._palm = session(f"palm_detection_{kind}", threads)
        self._landmark = session(f"hand_landmark_{kind}", threads)
        self._anchors = g.ssd_anchors(PALM_ANCHORS)
        self.static_image_mode, self.max_num_hands = static_image_mode, max_num_hands
        self.min_detection_confidence, self.min_tracking_confidence = min_detection_confidence, min_tracking_confidence
        self._followed: list[g.NormRect] = []  # regions from the previous frame's hands (video mode)

    def palms(self, rgb: npt.NDArray[np.uint8]) -> list[g.Detection]:
        """PalmDetectionCpu: the palms found, best first, in the image's normalised coordinates."""
        tensor, padding = g.image_to_tensor(rgb, None, PALM_SIZE, (0.0, 1.0), zero_border=True)
        boxes, scores = run(self._palm, tensor)
        found = g.decode_detections(boxes[0], scores[0], self._anchors, PALM_DECODE, self.min_detection_confidence)
        return [g.remove_letterbox(d, padding) for d in g.weighted_nms(found)]

    def palm_rect(self, palm: g.Detection, image_size: tuple[int, int]) -> g.NormRect:
        rect = g.detection_rect(palm, image_size, start=0, end=2)
        return g.transform_rect(rect, image_size, PALM_SCALE, PALM_SHIFT_Y)

    def landmarks(self, rgb: npt.NDArray[np.uint8], rect: g.NormRect) -> HandResult | None:
        """HandLandmarkCpu on one region: the hand, or None when the network's presence score is not above
        ``min_tracking_confidence``."""
        tensor, padding = g.image_to_tensor(rgb, rect, LANDMARK_SIZE, (0.0, 1.0), zero_border=False)
        raw, presence, handedness, world = run(self._landmark, tensor)
        if not float(presence.reshape(-1)[0]) > self.min_tracking_confidence:
            return None
        points = raw.reshape(21, 3) / np.array([LANDMARK_SIZE, LANDMARK_SIZE, LANDMARK_SIZE * NORMALIZE_Z])
        first = float(handedness.reshape(-1)[0])
        label, score = (HANDEDNESS_LABELS[0], first) if first >= 1.0 - first else (HANDEDNESS_LABELS[1], 1.0 - first)
        score = float(np.float32(score))  # a float32 as mediapipe's result holds it: a cached photo reads back equal
        return HandResult(
            g.project_landmarks(points.astype(np.float32), padding, rect),
            g.rotate_world(world.reshape(21, 3).astype(np.float32), rect.rotation),
            label,
            score,
            rect,
        )

    def find(self, rgb: npt.NDArray[np.uint8]) -> list[HandResult]:
        """The hands in one (H, W, 3) uint8 RGB frame, in MediaPipe's order."""
        image_size = (rgb.shape[1], rgb.shape[0])
        followed = [] if self.static_image_mode else self._followed
        regions: list[list[g.NormRect]] = []
        if len(followed) < self.max_num_hands:
            palms = self.palms(rgb)[: self.max_num_hands]
            regions.append([self.palm_rect(p, image_size) for p in palms])
        regions.append(followed)
        hands = [hand for rect in g.associate(regions) if (hand := self.landmarks(rgb, rect)) is not None]
        if not self.static_image_mode:
            self._followed = [
                g.transform_rect(landmarks_rect(h.landmarks, image_size), image_size, TRACK_SCALE, TRACK_SHIFT_Y)
                for h in hands
            ]
        return hands

    def close(self) -> None:
        self._followed = []  # the sessions are shared by the process (core.keypoints.onnx_session)

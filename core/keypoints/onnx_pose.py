"""MediaPipe Pose's graph on onnxruntime: person detection, the aligned region, 33 landmarks with visibility.

The same networks as ``mp.solutions.pose`` at model complexity 1 in mediapipe 0.10.21 (``core.keypoints.models``),
with the steps of its CPU graph (``pose_landmark_cpu``) done by ``core.keypoints.mp_graph``: the detector (224 px
letterboxed, values in [-1, 1], 2254 SSD anchors, weighted NMS) finds the person, whose region is centred on the
hips' keypoint, turned so the shoulders' keypoint lies above it, and 1.25 times twice their distance wide; the
landmark network reads that region (256 px) and gives 33 points and two alignment points, each point refined by
the mean of its heatmap around it (7 × 7 cells) where that heatmap is sure. In video mode the alignment points give
the next frame's region (smoothed over time) and the detector runs again only once the person is lost; with
``smooth`` the points are filtered too, as MediaPipe's ``PoseLandmarkFiltering`` does (``core.keypoints.pose_filters``). One ``OnnxPose``
per stream; use it from one thread at a time.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from core.keypoints import mp_graph as g
from core.keypoints.onnx_session import run, session
from core.keypoints.pose_result import PoseResult

DETECT_ANCHORS = g.AnchorSpec(input_size=224, strides=(8, 16, 32, 32, 32))
DETECT_DECODE = g.DecodeSpec(num_keypoints=4, scale=224.0)
DETECT_SIZE, LANDMARK_SIZE = 224, 256
ROI_SCALE = 1.25  # pose_detection_to_roi and pose_landmarks_to_roi
NUM_LANDMARKS, NUM_ALL = 33, 39  # 33 points, 2 alignment points, 4 unused
# RefineLandmarksFromHeatmapCalculator as mediapipe 0.10.21's compiled graph sets it: a 9-cell kernel (the .pbtxt
# in MediaPipe's repository says 7; its points match 0.10.21's to 0.01 px with 9 only)
HEATMAP_KERNEL, HEATMAP_MIN_CONFIDENCE = 9, 0.5


def _sigmoid(x: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    return (1.0 / (1.0 + np.exp(-x))).astype(np.float32)


def alignment_rect(centre: npt.ArrayLike, scale_point: npt.ArrayLike, image_size: tuple[int, int]) -> g.NormRect:
    """AlignmentPointsRectsCalculator then RectTransformationCalculator: a square around ``centre`` whose side is
    1.25 × twice its distance to ``scale_point``, turned so ``scale_point`` lies straight above."""
    width, height = image_size
    cx, cy = float(centre[0]) * width, float(centre[1]) * height
    sx, sy = float(scale_point[0]) * width, float(scale_point[1]) * height
    side = math.hypot(sx - cx, sy - cy) * 2.0
    rotation = g.rotation_between(centre, scale_point, image_size)
    rect = g.NormRect(cx / width, cy / height, side / width, side / height, rotation)
    return g.transform_rect(rect, image_size, ROI_SCALE)


def refine_from_heatmap(points: g.FloatArray, heatmap: g.FloatArray) -> g.FloatArray:
    """Each point (normalised to the tensor) moved to the confidence-weighted mean cell of its heatmap's 9 × 9 cells
    around it, where the surest of those cells reaches 0.5 (the heatmap is (rows, cols, points) of logits). A point
    below the heatmap's last row is still refined, on the rows that remain, as MediaPipe's calculator does."""
    rows, cols = heatmap.shape[:2]
    half = (HEATMAP_KERNEL - 1) // 2
    refined = points.copy()
    for index in range(points.shape[0]):
        col, row = int(points[index, 0] * cols), int(points[index, 1] * rows)
        if col < 0 or col >= cols or row < 0 or col >= rows:  # MediaPipe compares the column twice
            continue
        r0, r1, c0, c1 = max(0, row - half), min(rows, row + half + 1), max(0, col - half), min(cols, col + half + 1)
        confidence = _sigmoid(heatmap[r0:r1, c0:c1, index])
        total = float(confidence.sum())
        if confidence.size == 0 or confidence.max() < HEATMAP_MIN_CONFIDENCE or total <= 0:
            continue
        grid_rows, grid_cols = np.mgrid[r0:r1, c0:c1]
        refined[index, 0] = float((grid_cols * confidence).sum()) / cols / total
        refined[index, 1] = float((grid_rows * confidence).sum()) / rows / total
    return refined


class OnnxPose:
    """MediaPipe Pose on onnxruntime, configured as ``core.keypoints.pose.PoseConfig`` says."""

    def __init__(self, static_image_mode: bool, min_detection_confidence: float, min_tracking_confidence: float,
                 smooth: bool = True, threads: int = 1) -> None:  # fmt: skip
        self._detector = session("pose_detection", threads)
        self._landmark = session("pose_landmark_full", threads)
        self._anchors = g.ssd_anchors(DETECT_ANCHORS)
        self.static_image_mode = static_image_mode
        self.min_detection_confidence, self.min_tracking_confidence = min_detection_confidence, min_tracking_confidence
        self._followed: g.NormRect | None = None
        self._filters = None
        if not static_image_mode:
            from core.keypoints.pose_filters import PoseFilters

            self._filters = PoseFilters(smooth_points=smooth)

    def detect(self, rgb: npt.NDArray[np.uint8]) -> list[g.Detection]:
        """PoseDetectionCpu: the people found, best first, in the image's normalised coordinates."""
        tensor, padding = g.image_to_tensor(rgb, None, DETECT_SIZE, (-1.0, 1.0), zero_border=True)
        boxes, scores = run(self._detector, tensor)
        found = g.decode_detections(boxes[0], scores[0], self._anchors, DETECT_DECODE, self.min_detection_confidence)
        return [g.remove_letterbox(d, padding) for d in g.weighted_nms(found)]

    def landmarks(self, rgb: npt.NDArray[np.uint8], rect: g.NormRect) -> PoseResult | None:
        """PoseLandmarkByRoiCpu on one region: the person, or None when the presence score is not above
        ``min_tracking_confidence``."""
        tensor, padding = g.image_to_tensor(rgb, rect, LANDMARK_SIZE, (0.0, 1.0), zero_border=False)
        raw, presence, _segmentation, heatmap, world = run(self._landmark, tensor)
        if not float(presence.reshape(-1)[0]) > self.min_tracking_confidence:
            return None
        raw = raw.reshape(NUM_ALL, 5)
        points = (raw[:, :3] / np.float32(LANDMARK_SIZE)).astype(np.float32)
        points[:, :2] = refine_from_heatmap(points[:, :2], heatmap[0])
        projected = g.project_landmarks(points, padding, rect)
        turned = g.rotate_world(world.reshape(NUM_ALL, 3).astype(np.float32), rect.rotation)
        return PoseResult(projected[:NUM_LANDMARKS], _sigmoid(raw[:NUM_LANDMARKS, 3]), turned[:NUM_LANDMARKS],
                          projected[NUM_LANDMARKS : NUM_LANDMARKS + 2, :2])  # fmt: skip

    def find(self, rgb: npt.NDArray[np.uint8]) -> PoseResult | None:
        """The person in one (H, W, 3) uint8 RGB frame, or None."""
        image_size = (rgb.shape[1], rgb.shape[0])
        rect = None if self.static_image_mode else self._followed
        if rect is None:
            people = self.detect(rgb)
            if not people:
                self._lost()
                return None
            rect = alignment_rect(people[0].keypoints[0], people[0].keypoints[1], image_size)
        person = self.landmarks(rgb, rect)
        if person is None:
            self._lost()
            return None
        if self._filters is not None:
            person = self._filters.apply(person, image_size)
        if not self.static_image_mode:
            self._followed = alignment_rect(person.alignment[0], person.alignment[1], image_size)
        return person

    def _lost(self) -> None:
        self._followed = None
        if self._filters is not None:
            self._filters.reset()

    def close(self) -> None:
        self._followed = None  # the sessions are shared by the process (core.keypoints.onnx_session)

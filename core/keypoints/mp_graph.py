"""MediaPipe's graph calculators that surround its hand and pose networks, in numpy and OpenCV.

Each function does what the calculator of the same role in MediaPipe 0.10.21's CPU graphs does, with the constants
of its graph (``palm_detection_cpu``, ``hand_landmark_cpu``, ``hand_landmark_landmarks_to_roi``,
``pose_detection_cpu``, ``pose_landmark_by_roi_cpu``): SSD anchors, the detectors' box and keypoint decoding,
weighted non-maximum suppression, letterbox removal, a detection's rotated region and its expansion, the crop of a
rotated region into a tensor (OpenCV's perspective warp, as MediaPipe's CPU converter does it), and landmarks
projected back from the crop. Rectangles are MediaPipe's normalised ones: centre, size as fractions of the image,
rotation in radians.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class NormRect:
    """MediaPipe's NormalizedRect: centre and size as fractions of the image's width and height, rotation in radians."""

    x_center: float
    y_center: float
    width: float
    height: float
    rotation: float = 0.0


@dataclass(frozen=True)
class Detection:
    """One detector box: ``box`` (xmin, ymin, width, height) and ``keypoints`` (K, 2), normalised; its score."""

    box: FloatArray
    keypoints: FloatArray
    score: float


@dataclass(frozen=True)
class AnchorSpec:
    """SsdAnchorsCalculatorOptions with fixed anchor size and one aspect ratio (MediaPipe's palm and pose detectors)."""

    input_size: int
    strides: tuple[int, ...]
    offset: float = 0.5


@dataclass(frozen=True)
class DecodeSpec:
    """TensorsToDetectionsCalculatorOptions of a detector whose boxes come x-first (``reverse_output_order``)."""

    num_keypoints: int
    scale: float  # x_scale = y_scale = w_scale = h_scale: the input size
    score_clipping: float = 100.0


def ssd_anchors(spec: AnchorSpec) -> FloatArray:
    """(N, 2) anchor centres; layers of equal stride share a grid, two anchors per layer per cell (the aspect ratio 1
    and the interpolated scale), all of size 1 (``fixed_anchor_size``)."""
    centres = []
    layer = 0
    while layer < len(spec.strides):
        stride, repeats = spec.strides[layer], 0
        while layer < len(spec.strides) and spec.strides[layer] == stride:
            repeats += 2
            layer += 1
        cells = math.ceil(spec.input_size / stride)
        ys, xs = np.meshgrid(np.arange(cells), np.arange(cells), indexing="ij")
        grid = np.stack([(xs + spec.offset) / cells, (ys + spec.offset) / cells], axis=-1).reshape(-1, 1, 2)
        centres.append(np.repeat(grid, repeats, axis=1).reshape(-1, 2))
    return np.concatenate(centres).astype(np.float32)


def decode_detections(raw_boxes: FloatArray, raw_scores: FloatArray, anchors: FloatArray, spec: DecodeSpec,
                      min_score: float) -> list[Detection]:  # fmt: skip
    """The detections scoring at least ``min_score``: sigmoid of the clipped logit, boxes and keypoints from anchors."""
    logits = np.clip(raw_scores.reshape(-1).astype(np.float64), -spec.score_clipping, spec.score_clipping)
    scores = 1.0 / (1.0 + np.exp(-logits))
    kept = np.flatnonzero(scores >= min_score)
    raw = raw_boxes.reshape(len(anchors), -1)[kept] / np.float32(spec.scale)
    centre = raw[:, 0:2] + anchors[kept]
    size = raw[:, 2:4]
    keypoints = raw[:, 4 : 4 + 2 * spec.num_keypoints].reshape(-1, spec.num_keypoints, 2) + anchors[kept][:, None]
    found = []
    for i, score in enumerate(scores[kept]):
        if size[i, 0] < 0 or size[i, 1] < 0:
            continue
        box = np.array([*(centre[i] - size[i] / 2), *size[i]], dtype=np.float32)
        found.append(Detection(box, keypoints[i].astype(np.float32), float(score)))
    return found


def _iou(a: FloatArray, b: FloatArray) -> float:
    """Intersection over union of two (xmin, ymin, width, height) boxes."""
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    if x1 <= x0 or y1 <= y0:
        return 0.0
    inter = (x1 - x0) * (y1 - y0)
    return float(inter / (a[2] * a[3] + b[2] * b[3] - inter))


def weighted_nms(detections: list[Detection], min_suppression: float = 0.3) -> list[Detection]:
    """MediaPipe's WEIGHTED non-maximum suppression: each kept box and its keypoints are the score-weighted mean of the
    boxes overlapping the best remaining one by more than ``min_suppression`` IoU; the best one's score stays."""
    remaining = sorted(detections, key=lambda d: d.score, reverse=True)
    kept = []
    while remaining:
        best = remaining[0]
        overlaps = [d for d in remaining if _iou(d.box, best.box) > min_suppression]
        rest = [d for d in remaining if _iou(d.box, best.box) <= min_suppression]
        weights = np.array([d.score for d in overlaps], dtype=np.float32)
        corners = np.array([[*d.box[:2], *(d.box[:2] + d.box[2:])] for d in overlaps], dtype=np.float32)
        mean_corners = (weights[:, None] * corners).sum(axis=0) / weights.sum()
        mean_keypoints = (weights[:, None, None] * np.stack([d.keypoints for d in overlaps])).sum(
            axis=0
        ) / weights.sum()
        box = np.array([*mean_corners[:2], *(mean_corners[2:] - mean_corners[:2])], dtype=np.float32)
        kept.append(Detection(box, mean_keypoints.astype(np.float32), best.score))
        if len(rest) == len(remaining):
            break
        remaining = rest
    return kept


def remove_letterbox(detection: Detection, padding: tuple[float, float, float, float]) -> Detection:
    """A detection on a letterboxed tensor in the original image's normalised coordinates."""
    left, top, right, bottom = padding
    scale = np.array([1 - left - right, 1 - top - bottom], dtype=np.float32)
    offset = np.array([left, top], dtype=np.float32)
    box = np.concatenate([(detection.box[:2] - offset) / scale, detection.box[2:] / scale]).astype(np.float32)
    return Detection(box, ((detection.keypoints - offset) / scale).astype(np.float32), detection.score)


def normalize_radians(angle: float) -> float:
    return angle - 2 * math.pi * math.floor((angle + math.pi) / (2 * math.pi))


def rotation_between(start: npt.ArrayLike, end: npt.ArrayLike, image_size: tuple[int, int],
                     target: float = math.pi / 2) -> float:  # fmt: skip
    """The rotation that turns the vector from ``start`` to ``end`` (normalised points) to ``target``."""
    width, height = image_size
    x0, y0 = float(start[0]) * width, float(start[1]) * height
    x1, y1 = float(end[0]) * width, float(end[1]) * height
    return normalize_radians(target - math.atan2(-(y1 - y0), x1 - x0))


def detection_rect(detection: Detection, image_size: tuple[int, int], start: int, end: int) -> NormRect:
    """DetectionsToRectsCalculator: the box as a rectangle turned by the rotation from keypoint ``start`` to ``end``."""
    x, y, w, h = (float(v) for v in detection.box)
    rotation = rotation_between(detection.keypoints[start], detection.keypoints[end], image_size)
    return NormRect(x + w / 2, y + h / 2, w, h, rotation)


def transform_rect(rect: NormRect, image_size: tuple[int, int], scale: float, shift_y: float = 0.0) -> NormRect:
    """RectTransformationCalculator with ``square_long``: shifted along its own axis, squared on its long side
    in pixels, then scaled."""
    width, height = image_size
    x_center, y_center = rect.x_center, rect.y_center
    if rect.rotation == 0.0:
        y_center += rect.height * shift_y
    else:
        x_center += -height * rect.height * shift_y * math.sin(rect.rotation) / width
        y_center += height * rect.height * shift_y * math.cos(rect.rotation) / height
    long_side = max(rect.width * width, rect.height * height)
    return NormRect(x_center, y_center, long_side / width * scale, long_side / height * scale, rect.rotation)


def rect_iou(a: NormRect, b: NormRect) -> float:
    """IoU of two rectangles as upright boxes (rotation ignored), as MediaPipe's association of regions does."""
    box = lambda r: np.array([r.x_center - r.width / 2, r.y_center - r.height / 2, r.width, r.height])  # noqa: E731
    return _iou(box(a), box(b))


def associate(groups: list[list[NormRect]], min_similarity: float = 0.5) -> list[NormRect]:
    """AssociationNormRectCalculator: the rectangles of every group in turn, a later one replacing any earlier one it
    overlaps by more than ``min_similarity`` IoU."""
    result: list[NormRect] = []
    for group in groups:
        for rect in group:
            result = [kept for kept in result if rect_iou(rect, kept) <= min_similarity]
            result.append(rect)
    return result


def image_to_tensor(rgb: npt.NDArray[np.uint8], rect: NormRect | None, size: int, value_range: tuple[float, float],
                    zero_border: bool) -> tuple[FloatArray, tuple[float, float, float, float]]:  # fmt: skip
    """ImageToTensorCalculator with ``keep_aspect_ratio`` on a square tensor: the (rotated) region, widened to the
    tensor's aspect, warped by OpenCV's perspective warp into (1, size, size, 3) floats in ``value_range``; and the
    letterbox padding (left, top, right, bottom) as fractions of the tensor."""
    height, width = rgb.shape[:2]
    rect = rect or NormRect(0.5, 0.5, 1.0, 1.0)
    roi_w, roi_h = rect.width * width, rect.height * height
    horizontal = vertical = 0.0
    if roi_h / roi_w < 1.0:  # the tensor is taller than the region: pad above and below
        vertical = (1.0 - (roi_h / roi_w)) / 2.0
        roi_h = roi_w
    else:
        horizontal = (1.0 - roi_w / roi_h) / 2.0
        roi_w = roi_h
    corners = cv2.boxPoints(((rect.x_center * width, rect.y_center * height), (roi_w, roi_h),
                             math.degrees(rect.rotation)))  # fmt: skip
    target = np.array([[0, size], [0, 0], [size, 0], [size, size]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    border = cv2.BORDER_CONSTANT if zero_border else cv2.BORDER_REPLICATE
    crop = cv2.warpPerspective(rgb, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=border)
    low, high = value_range
    tensor = crop.astype(np.float32) * np.float32((high - low) / 255.0) + np.float32(low)
    return tensor[None], (horizontal, vertical, horizontal, vertical)


def project_landmarks(points: FloatArray, padding: tuple[float, float, float, float], rect: NormRect) -> FloatArray:
    """(N, 3) landmarks normalised to the tensor, letterbox removed, in the image's normalised coordinates
    (LandmarkLetterboxRemovalCalculator, then LandmarkProjectionCalculator: z scaled as x)."""
    left, top, right, bottom = padding
    x = (points[:, 0] - left) / (1 - left - right) - 0.5
    y = (points[:, 1] - top) / (1 - top - bottom) - 0.5
    z = points[:, 2] / (1 - left - right)
    cos, sin = math.cos(rect.rotation), math.sin(rect.rotation)
    return np.column_stack([
        (cos * x - sin * y) * rect.width + rect.x_center,
        (sin * x + cos * y) * rect.height + rect.y_center,
        z * rect.width,
    ]).astype(np.float32)  # fmt: skip


def rotate_world(points: FloatArray, rotation: float) -> FloatArray:
    """WorldLandmarkProjectionCalculator: world landmarks turned by the region's rotation about z."""
    cos, sin = math.cos(rotation), math.sin(rotation)
    x, y = points[:, 0], points[:, 1]
    return np.column_stack([cos * x - sin * y, sin * x + cos * y, points[:, 2]]).astype(np.float32)

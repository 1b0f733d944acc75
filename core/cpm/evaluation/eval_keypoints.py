"""PCK of a keypoint backend (MediaPipe, the CPM or the ResNet-deconv) against annotated hand keypoints.

Crop modes:

* ``gt``: the backend is given the annotated hand box (MediaPipe runs on a square
  crop around it, a network on its standard crop of it): keypoint accuracy alone.
* ``detect``: MediaPipe finds hands on the whole image; each annotated hand is
  matched to the detected hand lying inside its box. A network then works on the
  matched hand's box: detection and keypoints together.

A network backend ("cpm", "resnet-deconv") runs ``CPMEstimator`` on the given checkpoint, else that
network's shipped weights.

PCK is over the hands a backend returned keypoints for (``detected`` gives their
share); the error of a joint is divided by the longest side of the annotated box.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from core.cpm.architectures import DEFAULT_DIRS
from core.cpm.evaluation.annotations import GroundTruthHand
from core.cpm.evaluation.metrics import normalised_errors, summary
from core.io import crops as cropping
from core.io.images import read_image
from core.types import NETWORK_BACKENDS as NETWORKS  # our heatmap networks (``CPMEstimator`` runs either)
from core.types import FloatArray

MP_CROP_MARGIN = 0.5  # MediaPipe's palm detector wants context around the hand
MP_CROP_SIZE = 256


def _match(detected: list[FloatArray], box: cropping.Box) -> FloatArray | None:
    """The detected (21, 2) hand with most keypoints inside ``box`` grown by 25 % (at least half), or None."""
    x0, y0, x1, y1 = box
    dx, dy = 0.25 * (x1 - x0), 0.25 * (y1 - y0)
    best, best_share = None, 0.5
    for points in detected:
        inside = (
            (points[:, 0] >= x0 - dx)
            & (points[:, 0] <= x1 + dx)
            & (points[:, 1] >= y0 - dy)
            & (points[:, 1] <= y1 + dy)
        )
        if inside.mean() >= best_share:
            best, best_share = points, inside.mean()
    return best


class _Detector:
    """MediaPipe static mode, one result per image (cached: several hands share an image)."""

    def __init__(self) -> None:
        from core.keypoints.landmarks import HandTracker, TrackerConfig

        self.tracker = HandTracker(TrackerConfig(static_image_mode=True, max_num_hands=4, model_complexity=1))
        self.cache: dict[Path, tuple[list[FloatArray], float, int]] = {}

    def hands(self, path: Path, rgb: npt.NDArray[np.uint8]) -> tuple[list[FloatArray], float]:
        """Detected (21, 2) keypoint arrays and the seconds spent per detected hand."""
        if path not in self.cache:
            t0 = time.perf_counter()
            found = [h.pixel for h in self.tracker.process(rgb)]
            self.cache[path] = (found, time.perf_counter() - t0, max(1, len(found)))
        found, seconds, count = self.cache[path]
        return found, seconds / count

    def on_crop(self, rgb: npt.NDArray[np.uint8], box: cropping.Box) -> tuple[FloatArray | None, float]:
        """MediaPipe on a square crop around ``box``; keypoints mapped back to image px."""
        matrix = cropping.crop_matrix(cropping.window_from_box(box, MP_CROP_MARGIN), MP_CROP_SIZE)
        crop = cropping.warp(rgb, matrix, MP_CROP_SIZE)
        t0 = time.perf_counter()
        found = self.tracker.process(crop)
        seconds = time.perf_counter() - t0
        if not found:
            return None, seconds
        centre = np.array([(MP_CROP_SIZE - 1) / 2] * 2, np.float32)
        nearest = min(found, key=lambda h: float(np.linalg.norm(h.pixel.mean(axis=0) - centre)))
        return cropping.points_from_crop(nearest.pixel, matrix), seconds


def _predict(
    hand: GroundTruthHand, rgb, backend: str, crop: str, detector: _Detector, cpm, hand_found: list[bool]
) -> tuple[FloatArray | None, float]:
    """Keypoints (21, 2) image px (None: not found) and seconds spent; network calls append their has_hand."""
    box = hand.bbox
    if crop == "detect":
        found, seconds = detector.hands(hand.image, rgb)
        matched = _match(found, box)
        if matched is None or backend == "mediapipe":
            return matched, seconds
        box = cropping.keypoint_box(matched)
    elif backend == "mediapipe":
        return detector.on_crop(rgb, box)
    t0 = time.perf_counter()
    result = cpm.estimate(rgb, box)
    seconds = time.perf_counter() - t0
    hand_found.append(result.has_hand)
    return result.keypoints_px, seconds


def evaluate_keypoints(
    hands: list[GroundTruthHand],
    backend: str = "cpm",
    crop: str = "gt",
    checkpoint_dir: str | Path | None = None,
    flip_test: bool | None = None,
    on_hand: Callable[[GroundTruthHand, FloatArray | None], None] | None = None,
) -> dict[str, float]:
    """PCK@0.05/0.1/0.2, mean normalised error, detected share and ms per hand of ``backend`` on ``hands``.

    ``checkpoint_dir``: a network backend's weights (None: that network's shipped weights).
    """
    if backend not in ("mediapipe", *NETWORKS) or crop not in ("gt", "detect"):
        raise ValueError(
            f"backend must be mediapipe|{'|'.join(NETWORKS)} and crop gt|detect, got {backend!r}, {crop!r}"
        )
    from core.cpm.estimator import CPMEstimator

    network = backend in NETWORKS
    cpm = CPMEstimator(checkpoint_dir or DEFAULT_DIRS[backend], flip_test=flip_test) if network else None
    detector = _Detector() if backend == "mediapipe" or crop == "detect" else None
    scored: list[tuple[GroundTruthHand, FloatArray]] = []
    seconds: list[float] = []
    has_hand: list[bool] = []
    images: dict[Path, npt.NDArray[np.uint8]] = {}
    for hand in hands:
        rgb = images.setdefault(hand.image, read_image(hand.image))
        points, spent = _predict(hand, rgb, backend, crop, detector, cpm, has_hand)
        seconds.append(spent)
        if on_hand:
            on_hand(hand, points)
        if points is not None:
            scored.append((hand, points))
    errors = _errors(scored)
    out = summary(errors)
    out["detected"] = len(scored) / max(1, len(hands))
    if has_hand:  # a network: share of scored hands whose crop it judged to hold a hand
        out["has_hand"] = float(np.mean(has_hand))
    out["ms_per_hand"] = 1000 * float(np.median(seconds)) if seconds else float("nan")
    out["hands"] = len(hands)
    return out


def evaluate_both(
    hands: list[GroundTruthHand],
    crop: str = "gt",
    checkpoint_dir: str | Path | None = None,
    flip_test: bool | None = None,
    network: str = "cpm",
) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """``network`` and MediaPipe as ``evaluate`` does, and both again on the same hands: those MediaPipe returned
    keypoints for.

    MediaPipe's PCK counts only the hands it finds (on crops it misses about one in twenty, mostly hard
    ones) while a network answers for every crop, so the like-for-like comparison is on the hands both answered.

    Returns:
        ({network: metrics, "mediapipe": metrics}, {"hands": n, f"{network}_pck_0.2": ..., "mediapipe_pck_0.2": ...,
        ...}), e.g. "cpm_pck_0.2".
    """
    if network not in NETWORKS:
        raise ValueError(f"network must be one of {', '.join(NETWORKS)}, got {network!r}")
    answers: dict[str, list[FloatArray | None]] = {network: [], "mediapipe": []}
    results = {
        backend: evaluate_keypoints(
            hands, backend, crop, checkpoint_dir, flip_test, on_hand=_collector(answers[backend])
        )
        for backend in answers
    }
    both = [
        i
        for i, (a, b) in enumerate(zip(answers[network], answers["mediapipe"], strict=True))
        if a is not None and b is not None
    ]
    same: dict[str, float] = {"hands": float(len(both))}
    for backend, points in answers.items():
        errors = _errors([(hands[i], points[i]) for i in both])  # type: ignore[misc]  # not None in both
        same.update({f"{backend}_{key}": value for key, value in summary(errors).items()})
    return results, same


def _collector(into: list[FloatArray | None]) -> Callable[[GroundTruthHand, FloatArray | None], None]:
    return lambda _hand, points: into.append(points)


def _errors(scored: list[tuple[GroundTruthHand, FloatArray]]) -> FloatArray:
    """(N, 21) normalised errors of (hand, predicted (21, 2) px) pairs: over the longest side of each annotated box."""
    if not scored:
        return np.full((0, 21), np.nan, np.float32)
    hands = [hand for hand, _ in scored]
    sizes = np.array([max(h.bbox[2] - h.bbox[0], h.bbox[3] - h.bbox[1]) for h in hands])
    refs, visible = np.array([h.keypoints for h in hands]), np.array([h.visible for h in hands])
    return normalised_errors(np.array([points for _, points in scored]), refs, visible, sizes)

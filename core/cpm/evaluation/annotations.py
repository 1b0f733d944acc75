"""Hand keypoint ground truth from COCO-style JSON files (mmpose's hand datasets).

Read formats:

* **COCO hand** (FreiHAND, OneHand10K, CMU Panoptic, RHD): ``images`` + ``annotations``
  with ``keypoints`` as 63 numbers or 21 × [x, y, v], and ``bbox`` [x, y, w, h].
* **COCO-WholeBody**: ``lefthand_kpts`` / ``righthand_kpts`` with ``*_box`` and ``*_valid``.
* **InterHand2.6M** (``*_data.json`` beside ``*_camera.json`` and ``*_joint_3d.json``):
  3D joints projected with the camera, reordered from tip-first to wrist-first.

Joint order is ours (``core.skeletons.HAND_21.joint_names``). RHD lists each finger tip-first;
``joint_order="auto"`` detects that per file (finger bases nearer the wrist than tips).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from core.skeletons import HAND_21
from core.types import FloatArray

# tip-first (RHD, InterHand) → wrist, then each finger base → tip
TIP_FIRST = [0, 4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9, 16, 15, 14, 13, 20, 19, 18, 17]
INTERHAND = [20, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12, 19, 18, 17, 16]


class AnnotationError(ValueError):
    """An annotation file or entry that cannot be evaluated; the message names it."""


@dataclass(frozen=True)
class GroundTruthHand:
    """One annotated hand."""

    image: Path
    keypoints: FloatArray  # (21, 2) image px, our joint order
    visible: npt.NDArray[np.bool_]  # (21,)
    bbox: tuple[float, float, float, float]  # (x0, y0, x1, y1) image px: annotated box, else the keypoints' box
    entry: str  # "file: annotation id N (image.jpg)", for messages


def _points(raw: object, where: str) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    arr = np.asarray(raw, dtype=np.float64).reshape(-1) if raw is not None else np.zeros(0)
    if arr.size != HAND_21.num_joints * 3:
        raise AnnotationError(f"{where}: expected 21 keypoints × [x, y, v] (63 numbers), got {arr.size} numbers")
    triples = arr.reshape(HAND_21.num_joints, 3)
    return triples[:, :2].astype(np.float32), triples[:, 2] > 0


def _box(xywh: object, points: FloatArray, visible: npt.NDArray[np.bool_]) -> tuple[float, float, float, float]:
    if xywh is not None and len(xywh) == 4 and xywh[2] > 0 and xywh[3] > 0:
        x, y, w, h = (float(v) for v in xywh)
        return x, y, x + w, y + h
    pts = points[visible]
    return (*pts.min(axis=0).tolist(), *pts.max(axis=0).tolist())


def _image_path(images: dict, image_id: object, folder: Path, where: str) -> Path:
    if image_id not in images:
        raise AnnotationError(f"{where}: image_id {image_id} is not in the file's images")
    path = folder / images[image_id]["file_name"]
    if not path.is_file():
        raise AnnotationError(f"{where}: image {path} not found")
    return path


def _coco_hands(data: dict, source: Path, folder: Path) -> list[GroundTruthHand]:
    images = {img["id"]: img for img in data.get("images", [])}
    hands = []
    for ann in data["annotations"]:
        where = f"{source.name}: annotation id {ann.get('id')} (image_id {ann.get('image_id')})"
        sides = [("lefthand", "left"), ("righthand", "right")] if "lefthand_kpts" in ann else [("", "")]
        for prefix, label in sides:
            if prefix and not ann.get(f"{prefix}_valid"):
                continue
            raw = ann.get(f"{prefix}_kpts" if prefix else "keypoints")
            here = f"{where} {label} hand" if label else where
            points, visible = _points(raw, here)
            if visible.sum() < 2:
                continue  # nothing to score
            path = _image_path(images, ann.get("image_id"), folder, here)
            box = _box(ann.get(f"{prefix}_box" if prefix else "bbox"), points, visible)
            hands.append(GroundTruthHand(path, points, visible, box, here))
    return hands


def _interhand_hands(data: dict, source: Path, folder: Path) -> list[GroundTruthHand]:
    stem = source.name.removesuffix("_data.json")
    try:
        cameras = json.loads((source.parent / f"{stem}_camera.json").read_text())
        joints = json.loads((source.parent / f"{stem}_joint_3d.json").read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise AnnotationError(
            f"{source}: InterHand2.6M needs {stem}_camera.json and {stem}_joint_3d.json beside it ({exc})"
        ) from exc
    images = {img["id"]: img for img in data["images"]}
    hands = []
    for ann in data["annotations"]:
        where = f"{source.name}: annotation id {ann.get('id')}"
        img = images.get(ann["image_id"])
        if img is None:
            raise AnnotationError(f"{where}: image_id {ann['image_id']} is not in the file's images")
        cam = {k: np.asarray(v[img["camera"]], np.float64) for k, v in cameras[str(img["capture"])].items()}
        world = np.asarray(joints[str(img["capture"])][str(img["frame_idx"])]["world_coord"], np.float64)  # (42, 3) mm
        in_cam = (cam["camrot"] @ (world - cam["campos"]).T).T
        pixel = in_cam[:, :2] / in_cam[:, 2:] * cam["focal"] + cam["princpt"]  # (42, 2)
        valid = np.asarray(ann["joint_valid"], np.float64).reshape(-1) > 0
        for offset, label in ((0, "right"), (21, "left")):
            order = [offset + j for j in INTERHAND]
            if valid[order].sum() >= HAND_21.num_joints // 2:
                pts, vis = pixel[order].astype(np.float32), valid[order]
                path = _image_path(images, ann["image_id"], folder, f"{where} {label} hand")
                hands.append(GroundTruthHand(path, pts, vis, _box(None, pts, vis), f"{where} {label} hand"))
    return hands


def _tip_first_votes(hands: list[GroundTruthHand]) -> float:
    """Share of hands whose finger 'bases' (our order) lie farther from the wrist than the 'tips'."""
    votes = []
    bases, tips = np.array([1, 5, 9, 13, 17]), np.array([4, 8, 12, 16, 20])
    for hand in hands:
        both = hand.visible[bases] & hand.visible[tips]
        if hand.visible[0] and both.any():
            d = np.linalg.norm(hand.keypoints - hand.keypoints[0], axis=1)
            votes.append(d[bases[both]].sum() > d[tips[both]].sum())
    return float(np.mean(votes)) if votes else 0.0


def load_annotations(
    path: str | Path, images_dir: str | Path | None = None, joint_order: str = "auto"
) -> list[GroundTruthHand]:
    """Every annotated hand in a COCO-style hand keypoint file (see the module docstring)."""
    source = Path(path)
    folder = Path(images_dir) if images_dir else source.parent
    try:
        data = json.loads(source.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise AnnotationError(f"{source}: cannot read annotations ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("annotations"), list):
        raise AnnotationError(f'{source}: not a COCO-style file (no "annotations" list)')
    is_interhand = source.name.endswith("_data.json") and "joint_valid" in (data["annotations"] or [{}])[0]
    hands = _interhand_hands(data, source, folder) if is_interhand else _coco_hands(data, source, folder)
    if joint_order not in ("auto", "standard", "tip-first"):
        raise AnnotationError(f"joint_order must be auto, standard or tip-first, got {joint_order!r}")
    if joint_order == "tip-first" or (joint_order == "auto" and not is_interhand and _tip_first_votes(hands) > 0.5):
        hands = [GroundTruthHand(h.image, h.keypoints[TIP_FIRST], h.visible[TIP_FIRST], h.bbox, h.entry) for h in hands]
    return hands

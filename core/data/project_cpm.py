"""A project's CPM wiring (the store meets the CPM here, so ``core/cpm`` never imports the database).

Which CPM weights a project uses: its own fine-tuned copy when it has one, else the shipped
default; checking costs a file lookup and no torch import, so MediaPipe projects can ask too.

The user's own hand crops, with MediaPipe's keypoints in crop pixels: the data to fine-tune the CPM on.

Every sample recorded from the webcam or a photo stores a JPEG crop of the hand, made by
``core.io.crops.hand_crop`` from the frame (``core.data.extract.make_sample``). Its keypoints are
mapped into that crop with the very same box and affine (``hand_crop_box`` with the crop
margin and the frame size of the hand, then ``crop_transform`` to the crop's side), so
they land on the joints. Only MediaPipe samples qualify: the CPM learns from MediaPipe.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.data.store import Sample, Store
from core.io.crops import THUMBNAIL_MARGIN, crop_transform, decode_jpeg, hand_crop_box, points_to_crop
from core.skeletons import HAND_21
from core.types import Keypoints

if TYPE_CHECKING:
    from core.cpm.training.finetune import UserCrop  # torch; only the annotation needs it

TEACHER_BACKEND = "mediapipe"  # samples whose keypoints come from the CPM itself would teach it its own errors
MIN_CROPS = 5  # ``finetune`` holds out every fifth crop, so it needs at least five

FINETUNED_FOLDER = "cpm"  # inside the project's folder, beside the gesture model
_CONFIG_FILE = "config.json"  # core.cpm.checkpoint.CONFIG_FILE (not imported here: it imports torch)
DEFAULT_DIR = Path(__file__).resolve().parents[1] / "cpm" / "weights"  # core.cpm.checkpoint.DEFAULT_DIR, likewise


def project_cpm_dir(store: Store, project: str) -> Path:
    """Where ``project``'s fine-tuned CPM checkpoint lives (it may not exist; nor may its parents)."""
    # Looking must not create folders: inference on a read-only data dir asks here too.
    return store.project_dir(project, create=False) / FINETUNED_FOLDER


def has_finetuned(store: Store, project: str) -> bool:
    return (project_cpm_dir(store, project) / _CONFIG_FILE).is_file()


def finetuned_checkpoint(store: Store, project: str) -> Path | None:
    """``project``'s fine-tuned checkpoint folder, or None when it uses the shipped weights."""
    return project_cpm_dir(store, project) if has_finetuned(store, project) else None


def checkpoint_stamp(checkpoint: Path | None) -> float:
    """When ``checkpoint`` was last written (0.0 for None, the shipped weights): a new fine-tune changes it."""
    return (checkpoint / _CONFIG_FILE).stat().st_mtime if checkpoint is not None else 0.0


def project_checkpoint(store: Store, project: str) -> Path:
    """The checkpoint folder to load for ``project``: fine-tuned if present, else the shipped weights."""
    return finetuned_checkpoint(store, project) or DEFAULT_DIR


@dataclass(frozen=True)
class CropCounts:
    """How many samples of a project can teach the CPM, and why the others cannot."""

    usable: int  # MediaPipe samples with a crop
    no_image: int  # samples without a crop (CSV imports)
    other_backend: int  # samples whose keypoints are not MediaPipe's

    def explain(self) -> str:
        """The message shown when there are fewer than ``MIN_CROPS`` usable crops."""
        skipped = []
        if self.no_image:
            skipped.append(f"{self.no_image} without an image")
        if self.other_backend:
            skipped.append(f"{self.other_backend} with keypoints from the CPM, not MediaPipe")
        why = f" ({'; '.join(skipped)})" if skipped else ""
        return (
            f"Fine-tuning the CPM needs at least {MIN_CROPS} hand crops, this project has {self.usable}{why}: "
            "record at least 5 webcam or photo samples first; CSV imports have no images."
        )


def crop_keypoints(hand: Keypoints, crop_side: int) -> np.ndarray:
    """(21, 2) float32 keypoints of ``hand`` in the pixels of its stored (crop_side × crop_side) crop."""
    if hand.skeleton != HAND_21:  # the CPM is a hand model
        raise ValueError(f"expected hand keypoints, got {hand.skeleton.name} keypoints")
    box = hand_crop_box(hand, hand.image_size, THUMBNAIL_MARGIN)  # the stored crops' box
    return points_to_crop(hand.pixel, crop_transform(box, crop_side))


def _usable(sample: Sample) -> bool:
    return sample.crop_jpeg is not None and sample.backend == TEACHER_BACKEND


def count_crops(store: Store, project: str) -> CropCounts:
    """Usable and skipped samples of ``project`` (reads the crops' presence, not the images)."""
    samples = store.list_samples(project, with_crops=True)
    no_image = sum(s.crop_jpeg is None for s in samples)
    other = sum(s.crop_jpeg is not None and s.backend != TEACHER_BACKEND for s in samples)
    return CropCounts(usable=len(samples) - no_image - other, no_image=no_image, other_backend=other)


def _spread(by_class: dict[str, list[Sample]], max_crops: int | None) -> list[Sample]:
    """Round-robin over classes, each class's samples evenly spaced in time; at most ``max_crops``.

    Interleaving classes also spreads ``finetune``'s held-out crops (every fifth) over the classes.
    """
    total = sum(len(v) for v in by_class.values())
    limit = total if max_crops is None else min(total, max_crops)
    quota = {name: 0 for name in by_class}
    for _ in range(limit):  # fair share: one more crop for the class with the fewest so far that has any left
        name = min((n for n in by_class if quota[n] < len(by_class[n])), key=lambda n: quota[n])
        quota[name] += 1
    picked = {}
    for name, samples in by_class.items():
        rows = np.linspace(0, len(samples) - 1, quota[name]).round().astype(int) if quota[name] else []
        picked[name] = [samples[i] for i in rows]
    order = []
    for rank in range(max(quota.values(), default=0)):
        order += [picked[name][rank] for name in by_class if rank < len(picked[name])]
    return order


def _to_crop(sample: Sample) -> UserCrop | None:
    try:
        rgb = decode_jpeg(sample.crop_jpeg or b"")
        if rgb.shape[0] != rgb.shape[1]:
            return None
        points = crop_keypoints(sample.hand, rgb.shape[0])
    except ValueError:  # an undecodable crop or a degenerate hand: skip it
        return None
    return rgb, points


def user_crops(store: Store, project: str, max_crops: int | None = None) -> list[UserCrop]:
    """(RGB crop (S, S, 3) uint8, keypoints (21, 2) float32 in crop px) of the project's MediaPipe samples.

    Args:
        max_crops: at most this many, spread over the classes (and over each class's recording);
            None: all of them.

    Raises:
        ValueError: fewer than ``MIN_CROPS`` usable crops; the message says what to record.
    """
    if max_crops is not None and max_crops < MIN_CROPS:
        raise ValueError(f"max_crops must be at least {MIN_CROPS}, got {max_crops}")
    samples = store.list_samples(project, with_crops=True)
    by_class: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        if _usable(sample):
            by_class[sample.class_name].append(sample)
    crops = [c for c in (_to_crop(s) for s in _spread(dict(by_class), max_crops)) if c is not None]
    if len(crops) < MIN_CROPS:
        counts = count_crops(store, project)
        raise ValueError(CropCounts(len(crops), counts.no_image, counts.other_backend).explain())
    return crops

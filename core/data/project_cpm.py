"""A project's CPM wiring (the store meets the CPM here, so ``core/cpm`` never imports the database).

Which keypoint network a project uses: the ResNet-deconv (``core.resdeconv``) for a "resnet-deconv" project, else
the CPM (a MediaPipe project's belief-map panel and fine-tuning use the CPM too). Which weights: the project's own
fine-tuned copy when it has one of that network, else the network's shipped default; checking costs a file lookup
and no torch import, so MediaPipe projects can ask too.

The user's own hand crops, with MediaPipe's keypoints in crop pixels: the data to fine-tune the CPM on.

Every sample recorded from the webcam or a photo stores a JPEG crop of the hand, made by
``core.io.crops.hand_crop`` from the frame (``core.data.imports.extract.make_sample``). A MediaPipe sample's
keypoints are mapped into that crop with the very same box and affine (``hand_crop_box`` with the crop
margin and the frame size of the hand, then ``crop_transform`` to the crop's side), so
they land on the joints. The network learns from MediaPipe, never from its own keypoints (they would teach
it its own errors): a sample whose keypoints came from a network (every sample of a cpm or resnet-deconv
project) is labelled by MediaPipe on its stored crop instead, when ``user_crops`` gathers it. That takes
about 28 ms a crop on a busy 2-core CPU (200 crops of a cpm project: 5.6 s), so nothing is cached.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.cpm.architectures import CONFIG_FILE, DEFAULT_DIRS, FORMAT_ARCHS, WEIGHTS_FILE
from core.data.saved_models.model_files import current_folder
from core.data.store import Sample, Store
from core.io.capped import parse_json, read_capped
from core.io.crops import THUMBNAIL_MARGIN, crop_transform, decode_jpeg, hand_crop_box, points_to_crop
from core.io.limits import LIMITS
from core.skeletons import HAND_21
from core.types import NETWORK_TITLES as TITLES
from core.types import Keypoints

if TYPE_CHECKING:
    from core.cpm.training.finetune import UserCrop  # torch; only the annotation needs it
    from core.keypoints.landmarks import HandTracker

TEACHER_BACKEND = "mediapipe"  # other samples' keypoints come from a network: MediaPipe labels their crops
MIN_CROPS = 5  # ``finetune`` holds out every fifth crop, so it needs at least five

FINETUNED_FOLDER = "cpm"  # inside the project's folder, beside the gesture model
DEFAULT_DIR = DEFAULT_DIRS["cpm"]  # core.cpm.checkpoint.DEFAULT_DIR


class MissingWeightsError(ValueError):
    """A network's weights folder without its two files (e.g. the ResNet-deconv before its weights ship)."""


def network_of_backend(backend: str) -> str:
    """The network a project of ``backend`` runs and fine-tunes: "resnet-deconv" for its own, else the CPM."""
    return "resnet-deconv" if backend == "resnet-deconv" else "cpm"


def project_network(store: Store, project: str) -> str:
    """``network_of_backend`` of ``project``'s backend."""
    return network_of_backend(store.project_backend(project))


def default_checkpoint(network: str) -> Path:
    """The shipped weights folder of ``network`` (``core.types.NETWORK_BACKENDS``)."""
    return DEFAULT_DIRS[network]


def require_weights(folder: Path, network: str) -> Path:
    """``folder`` when it holds config.json and model.safetensors; else ``MissingWeightsError`` naming it.

    Says so before torch loads anything: a missing default is a setup problem (weights not installed), not a crash.
    """
    missing = [name for name in (CONFIG_FILE, WEIGHTS_FILE) if not (folder / name).is_file()]
    if missing:
        shipped = " (the default weights are not installed yet)" if folder == DEFAULT_DIRS[network] else ""
        raise MissingWeightsError(
            f"the {TITLES[network]} weights are missing: {folder} has no {' and no '.join(missing)}{shipped}"
        )
    return folder


def checkpoint_network(folder: Path) -> str | None:
    """The network whose weights ``folder`` holds, by its config.json's format tag; None when that says none.

    A small read, no torch: a project's fine-tuned folder of another network is not the project's.
    """
    try:
        path = folder / CONFIG_FILE
        data = parse_json(read_capped(path, LIMITS.model_json_bytes, ValueError), path, ValueError)
    except (OSError, ValueError):
        return None
    return FORMAT_ARCHS.get(data.get("format")) if isinstance(data, dict) else None


def project_cpm_dir(store: Store, project: str) -> Path:
    """Where ``project``'s fine-tuned CPM checkpoint lives (it may not exist; nor may its parents)."""
    # Looking must not create folders: inference on a read-only data dir asks here too.
    if store.shared:  # this server's copy of the current one (core.data.saved_models.model_files)
        return current_folder(store, project, FINETUNED_FOLDER)
    return store.project_dir(project, create=False) / FINETUNED_FOLDER


def has_finetuned(store: Store, project: str) -> bool:
    """Whether ``project`` has fine-tuned weights of its own network (``finetuned_checkpoint``)."""
    return finetuned_checkpoint(store, project) is not None


def finetuned_checkpoint(store: Store, project: str) -> Path | None:
    """``project``'s fine-tuned checkpoint folder, or None when it uses the shipped weights.

    A folder holding the other network's weights does not count (a ResNet-deconv project never runs a CPM, nor a
    CPM or MediaPipe project a ResNet-deconv); one whose config.json cannot be read does, so loading it says why.
    """
    folder = project_cpm_dir(store, project)
    if not (folder / CONFIG_FILE).is_file():
        return None
    found = checkpoint_network(folder)
    return folder if found is None or found == project_network(store, project) else None


def checkpoint_stamp(checkpoint: Path | None) -> float:
    """When ``checkpoint`` was last written (0.0 for None, the shipped weights): a new fine-tune changes it."""
    return (checkpoint / CONFIG_FILE).stat().st_mtime if checkpoint is not None else 0.0


def project_checkpoint(store: Store, project: str) -> Path:
    """The checkpoint folder to load for ``project``: fine-tuned if present, else its network's shipped weights."""
    return finetuned_checkpoint(store, project) or default_checkpoint(project_network(store, project))


@dataclass(frozen=True)
class CropCounts:
    """How many samples of a project can teach the CPM, and why the others cannot.

    ``count_crops`` reads no image, so it cannot know ``no_hand``; ``labelled_crops`` does.
    """

    usable: int  # samples with a crop (those from a network: where MediaPipe found the hand, once labelled)
    no_image: int  # samples without a crop (CSV imports)
    relabelled: int = 0  # of ``usable``: keypoints from a network, so MediaPipe labels their crops
    no_hand: int = 0  # samples from a network whose crop MediaPipe found no hand in (skipped)
    network: str = "cpm"  # the network the crops would fine-tune (``core.types.NETWORK_BACKENDS``)

    def explain(self) -> str:
        """The message shown when there are fewer than ``MIN_CROPS`` usable crops."""
        skipped = []
        if self.no_image:
            skipped.append(f"{self.no_image} without an image")
        if self.no_hand:
            skipped.append(f"{self.no_hand} where MediaPipe found no hand in the crop")
        why = f" ({'; '.join(skipped)})" if skipped else ""
        return (
            f"Fine-tuning the {TITLES[self.network]} needs at least {MIN_CROPS} hand crops, "
            f"this project has {self.usable}{why}: "
            "record at least 5 webcam or photo samples first; CSV imports have no images."
        )


def crop_keypoints(hand: Keypoints, crop_side: int) -> np.ndarray:
    """(21, 2) float32 keypoints of ``hand`` in the pixels of its stored (crop_side × crop_side) crop."""
    if hand.skeleton != HAND_21:  # the CPM is a hand model
        raise ValueError(f"expected hand keypoints, got {hand.skeleton.name} keypoints")
    box = hand_crop_box(hand, hand.image_size, THUMBNAIL_MARGIN)  # the stored crops' box
    return points_to_crop(hand.pixel, crop_transform(box, crop_side))


def _relabel(sample: Sample) -> bool:
    """Whether MediaPipe must label ``sample``'s crop: its keypoints came from a network."""
    return sample.backend != TEACHER_BACKEND


def count_crops(store: Store, project: str) -> CropCounts:
    """Usable and skipped samples of ``project`` (reads the crops' presence, not the images; runs no MediaPipe)."""
    samples = store.list_samples(project, with_crops=True)
    with_crop = [s for s in samples if s.crop_jpeg is not None]
    return CropCounts(
        usable=len(with_crop),
        no_image=len(samples) - len(with_crop),
        relabelled=sum(map(_relabel, with_crop)),
        network=project_network(store, project),
    )


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


def _teacher() -> HandTracker:
    """The one MediaPipe tracker that labels a batch of crops: static images, the app's defaults."""
    from core.keypoints.landmarks import HandTracker, TrackerConfig

    return HandTracker(TrackerConfig(static_image_mode=True))


def _to_crop(sample: Sample, tracker: HandTracker | None) -> tuple[UserCrop | None, bool]:
    """(the crop and its teacher's keypoints, or None; whether None means MediaPipe found no hand in the crop).

    A MediaPipe sample's stored keypoints are the teacher's; a network's sample's crop is labelled by MediaPipe.
    An undecodable or non-square crop, or a degenerate hand, gives None.
    """
    try:
        rgb = decode_jpeg(sample.crop_jpeg or b"")
        if rgb.shape[0] != rgb.shape[1]:
            return None, False
        points = crop_keypoints(sample.hand, rgb.shape[0])
    except ValueError:  # an undecodable crop or a degenerate hand: skip it
        return None, False
    if not _relabel(sample):
        return (rgb, points), False
    from core.cpm.training.labels import teacher_keypoints

    assert tracker is not None, "a network's sample needs the tracker"
    taught = teacher_keypoints(tracker, rgb, points)
    return (None, True) if taught is None else ((rgb, taught), False)


def labelled_crops(store: Store, project: str, max_crops: int | None = None) -> tuple[list[UserCrop], CropCounts]:
    """``user_crops`` and their counts: ``usable`` crops returned, ``relabelled`` of them labelled by MediaPipe on the
    crop, ``no_hand`` samples skipped because MediaPipe found no hand in theirs.

    Samples are picked by ``_spread``; one that gives no crop is dropped and the pick made again from the rest, so
    ``max_crops`` crops come back whenever the project has that many. Each crop is read (and labelled) once.
    """
    if max_crops is not None and max_crops < MIN_CROPS:
        raise ValueError(f"max_crops must be at least {MIN_CROPS}, got {max_crops}")
    samples = store.list_samples(project, with_crops=True)
    by_class: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        if sample.crop_jpeg is not None:
            by_class[sample.class_name].append(sample)
    results: dict[int, UserCrop | None] = {}  # by id(sample): the samples live until the end
    no_hand = 0
    relabel = any(_relabel(s) for group in by_class.values() for s in group)
    with _teacher() if relabel else contextlib.nullcontext() as tracker:
        while True:
            picked = _spread(dict(by_class), max_crops)
            for sample in picked:
                if id(sample) not in results:
                    results[id(sample)], missed = _to_crop(sample, tracker)
                    no_hand += missed
            failed = {id(s) for s in picked if results[id(s)] is None}
            if not failed:
                break
            kept = {name: [s for s in group if id(s) not in failed] for name, group in by_class.items()}
            by_class = defaultdict(list, {name: group for name, group in kept.items() if group})
    crops = [crop for crop in (results[id(s)] for s in picked) if crop is not None]
    counts = CropCounts(
        usable=len(crops),
        no_image=sum(s.crop_jpeg is None for s in samples),
        relabelled=sum(map(_relabel, picked)),
        no_hand=no_hand,
        network=project_network(store, project),
    )
    if len(crops) < MIN_CROPS:
        raise ValueError(counts.explain())
    return crops, counts


def user_crops(store: Store, project: str, max_crops: int | None = None) -> list[UserCrop]:
    """(RGB crop (S, S, 3) uint8, keypoints (21, 2) float32 in crop px) of the project's samples with a crop.

    The keypoints are MediaPipe's: a MediaPipe sample's own, else MediaPipe's on the crop
    (``core.cpm.training.labels.teacher_keypoints``; a crop where it finds no hand is skipped). Deterministic: the
    same samples give the same crops.

    Args:
        max_crops: at most this many, spread over the classes (and over each class's recording);
            None: all of them.

    Raises:
        ValueError: fewer than ``MIN_CROPS`` usable crops; the message says what to record and what was skipped.
    """
    return labelled_crops(store, project, max_crops)[0]

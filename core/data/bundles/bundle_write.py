"""Export a whole project as one ``.handteach`` file (the layout: ``core.data.bundles.bundle_format``).

The samples (or clips) are read once, in one pass of the store's batched reader, the crops streamed
straight into the zip; the Scratch game, if any, as it was saved; the model files are copied byte for byte, each
checked against the checksum its JSON names, so a model saved halfway through the export is refused rather than
torn. The file is written beside its target and renamed into place (``core.io.atomic``): a failed export leaves
the old file, if any.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from core.classes.access import check_copy_out
from core.data.bundles.bundle_format import (
    BUNDLE_LIMITS,
    CLIP_ARRAYS,
    CLIP_COLUMN_NAMES,
    CLIP_COLUMNS,
    CROPS,
    FORMAT_NAME,
    GAME,
    GAME_VERSION,
    MANIFEST,
    MODEL_FOLDERS,
    SAMPLE_ARRAYS,
    SAMPLE_COLUMN_NAMES,
    SAMPLE_COLUMNS,
    BundleError,
    BundleLimits,
    fixed_info,
    npy_bytes,
    sha256,
)
from core.data.clips import iter_clips
from core.data.project_games import load_game
from core.data.saved_models.model_files import current_folder
from core.data.saved_models.project_folders import UnusableNameError
from core.data.store import Store
from core.gestures.catalog import GestureClass, validate_name
from core.io.atomic import atomic_path
from core.io.capped import parse_json, read_capped
from core.skeletons import Skeleton


@dataclass(frozen=True)
class ExportReport:
    """What ``export_project`` wrote."""

    path: Path
    project: str
    samples: int
    clips: int
    classes: int
    models: tuple[str, ...]  # the model folders included: "model", "motion", "cpm"
    bytes: int


class _Members:
    """Writes members into the zip and keeps each one's byte count and SHA-256 for the manifest."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.entries: dict[str, dict[str, object]] = {}

    def add(self, name: str, data: bytes) -> None:
        self.archive.writestr(fixed_info(name), data)
        self.entries[name] = {"bytes": len(data), "sha256": sha256(data)}

    def open_stream(self, name: str) -> _Stream:
        return _Stream(self, name, self.archive.open(fixed_info(name), "w"))


class _Stream:
    """One member written piece by piece (the crops), hashed as it goes."""

    def __init__(self, members: _Members, name: str, handle: IO[bytes]) -> None:
        self.members, self.name, self.handle = members, name, handle
        self.digest, self.size = hashlib.sha256(), 0

    def write(self, data: bytes) -> int:
        """Append ``data``; returns the member's size after it."""
        self.handle.write(data)
        self.digest.update(data)
        self.size += len(data)
        return self.size

    def close(self) -> None:
        self.handle.close()
        self.members.entries[self.name] = {"bytes": self.size, "sha256": self.digest.hexdigest()}


def _changed(project: str, what: str) -> BundleError:
    return BundleError(f"project {project!r}: {what} changed while it was being exported; export it again")


def _write_samples(members: _Members, store: Store, project: str, skeleton: Skeleton,
                   classes: set[str]) -> tuple[Counter[str], int]:  # fmt: skip
    """The samples' columns, arrays and crops; returns samples per class (and 0 clip frames)."""
    k = skeleton.num_joints
    columns: dict[str, list] = {name: [] for name in SAMPLE_COLUMN_NAMES}
    values: dict[str, list] = {name: [] for name in SAMPLE_ARRAYS}
    crops, offsets = members.open_stream(CROPS), [0]
    for sample in store.iter_samples(project, with_crops=True):
        if sample.class_name not in classes:
            raise _changed(project, "its classes")
        hand = sample.hand
        for name, value in zip(columns, (sample.class_name, hand.handedness, sample.source_kind, sample.source_name,
                                         sample.backend, hand.visibility is not None, sample.crop_jpeg is not None),
                               strict=True):  # fmt: skip
            columns[name].append(value)
        row = (hand.pixel, hand.normalised, hand.world, np.zeros(k) if hand.visibility is None else hand.visibility,
               hand.score, hand.image_size, -1 if sample.frame is None else sample.frame, sample.created_at)  # fmt: skip
        for name, value in zip(values, row, strict=False):  # crop_offsets is filled below
            values[name].append(value)
        offsets.append(crops.write(sample.crop_jpeg or b""))
    crops.close()
    values["samples/crop_offsets.npy"] = offsets
    n = len(offsets) - 1
    for name, (dtype, shape) in SAMPLE_ARRAYS.items():
        members.add(name, npy_bytes(np.asarray(values[name], dtype=dtype).reshape(shape(n, k, 0)), dtype))
    members.add(SAMPLE_COLUMNS, _json(columns))
    return Counter(columns["class"]), 0


def _write_clips(members: _Members, store: Store, project: str, skeleton: Skeleton,
                 classes: set[str]) -> tuple[Counter[str], int]:  # fmt: skip
    """The clips' columns and arrays (their frames end to end); returns clips per class and their frames."""
    columns: dict[str, list] = {name: [] for name in CLIP_COLUMN_NAMES}
    frames, sizes, created, points, present, times = [], [], [], [], [], []
    for stored in iter_clips(store, project):
        clip = stored.clip
        if stored.class_name not in classes:
            raise _changed(project, "its classes")
        for name, value in zip(columns, (stored.class_name, stored.source_kind, clip.source, stored.backend),
                               strict=True):  # fmt: skip
            columns[name].append(value)
        frames.append(clip.num_frames)
        sizes.append(clip.image_size)
        created.append(stored.created_at)
        points.append(clip.points)
        present.append(clip.present)
        times.append(clip.timestamps)
    m, t, k = len(frames), sum(frames), skeleton.num_joints
    arrays = {"clips/frames.npy": frames, "clips/image_size.npy": sizes, "clips/created_at.npy": created,
              "clips/points.npy": _joined(points, (0, k, 3)), "clips/present.npy": _joined(present, (0,)),
              "clips/timestamps.npy": _joined(times, (0,))}  # fmt: skip
    for name, (dtype, shape) in CLIP_ARRAYS.items():
        members.add(name, npy_bytes(np.asarray(arrays[name], dtype=dtype).reshape(shape(m, k, t)), dtype))
    members.add(CLIP_COLUMNS, _json(columns))
    return Counter(columns["class"]), t


def _joined(parts: list[np.ndarray], empty: tuple[int, ...]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(empty)


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")


def _model_files(folder: Path, description: str, limits: BundleLimits) -> dict[str, bytes]:
    """A model folder's description and the weights it names (a CPM: ``model.safetensors``), by file name."""
    text = read_capped(folder / description, limits.model_bytes, BundleError)
    files = {description: text}
    if description == MODEL_FOLDERS["cpm"]:
        files["model.safetensors"] = read_capped(folder / "model.safetensors", limits.model_bytes, BundleError)
        return files
    named = parse_json(text, folder / description, BundleError, "model description")  # deep nesting: named too
    try:
        weights, checksum = named.get("weights_file", "model.safetensors"), named["weights_sha256"]
    except (KeyError, AttributeError) as exc:
        raise BundleError(f"{folder / description}: not a model description ({type(exc).__name__})") from None
    if not isinstance(weights, str) or "/" in weights or weights.startswith("."):
        raise BundleError(f"{folder / description}: names an odd weights file {weights!r}")
    files[weights] = read_capped(folder / weights, limits.model_bytes, BundleError)
    if sha256(files[weights]) != checksum:  # the model was saved again between the two reads
        raise _changed(folder.parent.name, f"its model ({folder.name}/)")
    return files


def _model_folders(store: Store, project: str) -> dict[str, Path]:
    """Where each of the project's models may be: its folder's, or on a shared store this server's copy of its rows
    (``core.data.saved_models.model_files``); none for a name too long for a folder (an older handteach's): it holds no model."""
    if store.shared:
        return {sub: current_folder(store, project, sub) for sub in MODEL_FOLDERS}
    try:
        folder = store.project_dir(project, create=False)
    except UnusableNameError:
        return {}
    return {sub: folder / sub for sub in MODEL_FOLDERS}


def _write_models(members: _Members, folders: dict[str, Path], limits: BundleLimits) -> tuple[str, ...]:
    found = []
    for sub, folder in folders.items():
        if (folder / MODEL_FOLDERS[sub]).is_file():
            for name, data in _model_files(folder, MODEL_FOLDERS[sub], limits).items():
                members.add(f"{sub}/{name}", data)
            found.append(sub)
    return tuple(found)


def export_project(store: Store, project: str, path: str | os.PathLike[str],
                   limits: BundleLimits = BUNDLE_LIMITS) -> ExportReport:  # fmt: skip
    """Write ``project`` whole (classes, samples with their crops or clips, models) to ``path``.

    Works on a read-only store. Raises ``NotFoundError`` for an unknown project, ``BundleError`` when the
    project changed while being read or the folder of ``path`` does not exist.
    """
    project = validate_name(project, "project name")
    check_copy_out(store, project)
    target = Path(path)
    skeleton, motion = store.project_skeleton(project), store.project_is_motion(project)
    classes: list[GestureClass] = store.list_classes(project)
    if not target.parent.is_dir():
        raise BundleError(f"{target.parent}: no such folder")
    names = {c.name for c in classes}
    with atomic_path(target) as tmp, zipfile.ZipFile(tmp, "w", allowZip64=False) as archive:
        members = _Members(archive)
        write = _write_clips if motion else _write_samples
        counts, frames = write(members, store, project, skeleton, names)
        models = _write_models(members, _model_folders(store, project), limits)
        game = load_game(store, project)
        if game is not None:
            members.add(GAME, game.data)
        manifest = {
            "format": FORMAT_NAME, "format_version": 1 if game is None else GAME_VERSION,
            "name": project, "created_at": store.project_created_at(project), "exported_at": time.time(),
            "skeleton": skeleton.name, "backend": store.project_backend(project), "motion": motion,
            "classes": [{"name": c.name, "emoji": c.emoji, "mirror": c.mirror} for c in classes],
            "counts": {"samples": 0 if motion else counts.total(), "clips": counts.total() if motion else 0,
                       "clip_frames": frames,
                       "per_class": {c.name: counts[c.name] for c in classes}},
            "models": list(models),
            "members": members.entries,
        }  # fmt: skip
        archive.writestr(fixed_info(MANIFEST), json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
    total = counts.total()
    return ExportReport(target, project, 0 if motion else total, total if motion else 0, len(classes), models,
                        target.stat().st_size)  # fmt: skip

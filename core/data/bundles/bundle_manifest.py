"""A project file's ``manifest.json`` (``core.data.bundles.bundle_format``), parsed and checked field by field.

Nothing in it is trusted: the format and its version first (a newer file says so), then the project
(name, skeleton, backend, motion), its classes (the store's own rules: ``class_rows``), the counts
within ``BundleLimits.rows``, and every member's byte count and SHA-256. ``check_listed`` then holds
the zip's members to the list.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.data.bundles.bundle_format import (
    CLIP_ARRAYS,
    CLIP_COLUMNS,
    CROPS,
    FORMAT_NAME,
    FORMAT_VERSION,
    MANIFEST,
    MODEL_FOLDERS,
    SAMPLE_ARRAYS,
    SAMPLE_COLUMNS,
    BundleError,
    BundleLimits,
)
from core.data.project_names import class_rows
from core.data.sql.schema import stored_skeleton
from core.gestures.catalog import GestureClass, validate_name
from core.io import capped
from core.io.limits import LIMITS
from core.skeletons import HAND_21, Skeleton
from core.types import KEYPOINT_BACKENDS, NETWORK_BACKENDS


@dataclass(frozen=True)
class Manifest:
    """What a project file says it holds (every field checked)."""

    name: str
    created_at: float  # Unix seconds, the project's creation
    exported_at: float
    skeleton: Skeleton
    backend: str
    motion: bool
    classes: tuple[GestureClass, ...]
    samples: int  # N (a motion project: 0)
    clips: int  # M (a static project: 0)
    clip_frames: int  # the clips' frames together
    per_class: dict[str, int]
    models: tuple[str, ...]  # folders of MODEL_FOLDERS
    members: dict[str, tuple[int, str]]  # every member but the manifest: (bytes, SHA-256 hex)


def parse_json(data: bytes, where: str) -> Any:
    """JSON text, NaN and infinities refused; ``BundleError`` naming ``where`` for anything unreadable."""
    return capped.parse_json(data, where, BundleError, "JSON")


def _field(m: dict[str, Any], key: str, kind: type, where: str) -> Any:
    value = m.get(key)
    ok = type(value) is kind or (kind is float and type(value) is int)
    if not ok or (kind is float and not math.isfinite(value)):
        raise BundleError(f"{where}: {key!r} must be {kind.__name__ if kind is not float else 'a number'}, "
                          f"got {value!r}"[:300])  # fmt: skip
    return value


def _count(counts: dict[str, Any], key: str, where: str, limit: int) -> int:
    value = _field(counts, key, int, where)
    if not 0 <= value <= limit:
        raise BundleError(f"{where}: {key!r} = {value:,}, must be from 0 to {limit:,}")
    return value


def _classes(value: object, where: str) -> tuple[GestureClass, ...]:
    if not isinstance(value, list) or not all(isinstance(c, dict) for c in value):
        raise BundleError(f"{where}: 'classes' must be a list of objects")
    try:
        classes = [GestureClass(_field(c, "name", str, where), _field(c, "emoji", str, where),
                                _field(c, "mirror", str, where)) for c in value]  # fmt: skip
        rows = class_rows(classes)  # names, emoji and mirrors as the store checks them
    except ValueError as exc:
        raise BundleError(f"{where}: {exc}") from None
    return tuple(GestureClass(*row) for row in rows)


def _members(value: object, where: str) -> dict[str, tuple[int, str]]:
    if not isinstance(value, dict):
        raise BundleError(f"{where}: 'members' must be an object")
    members = {}
    for name, entry in value.items():
        size = entry.get("bytes") if isinstance(entry, dict) else None
        digest = entry.get("sha256") if isinstance(entry, dict) else None
        if type(size) is not int or size < 0 or not isinstance(digest, str) or not re.fullmatch("[0-9a-f]{64}", digest):
            raise BundleError(f"{where}: member {name!r} needs a byte count and a SHA-256")
        members[name] = (size, digest)
    return members


def parse_manifest(data: bytes, where: str, limits: BundleLimits) -> Manifest:
    """The checked manifest; ``BundleError`` naming ``where`` and the field otherwise."""
    m = parse_json(data, where)
    if not isinstance(m, dict) or m.get("format") != FORMAT_NAME:
        found = m.get("format") if isinstance(m, dict) else type(m).__name__
        raise BundleError(f"{where}: not a handteach project (format {found!r}, expected {FORMAT_NAME!r})"[:300])
    version = m.get("format_version")
    if type(version) is not int or version < 1:
        raise BundleError(f"{where}: format version {version!r} is not one handteach knows"[:300])
    if version > FORMAT_VERSION:
        raise BundleError(f"{where}: made by a newer handteach (format {version}, this one reads up to "
                          f"{FORMAT_VERSION}); update handteach to open it")  # fmt: skip
    try:
        name = validate_name(_field(m, "name", str, where), "project name")
        skeleton = stored_skeleton(_field(m, "skeleton", str, where))
    except ValueError as exc:
        raise BundleError(f"{where}: {exc}") from None
    backend, motion = _field(m, "backend", str, where), _field(m, "motion", bool, where)
    if backend not in KEYPOINT_BACKENDS or (backend in NETWORK_BACKENDS and skeleton != HAND_21):
        raise BundleError(f"{where}: keypoint backend {backend!r} is not one a {skeleton.name} project can have"[:300])
    classes = _classes(m.get("classes"), where)
    counts = _field(m, "counts", dict, where)
    per_class = counts.get("per_class")
    names = [c.name for c in classes]
    if not isinstance(per_class, dict) or sorted(per_class) != sorted(names):
        raise BundleError(f"{where}: 'per_class' must give a count for each class")
    per_class = {n: _count(per_class, n, where, limits.rows) for n in names}
    rows = _count(counts, "clips" if motion else "samples", where, limits.rows)
    frames = _count(counts, "clip_frames", where, limits.rows * LIMITS.clip_frames) if motion else 0
    models = m.get("models")
    if not isinstance(models, list) or not set(models) <= set(MODEL_FOLDERS) or len(set(models)) != len(models):
        raise BundleError(f"{where}: 'models' must list some of {', '.join(MODEL_FOLDERS)}")
    return Manifest(name, float(_field(m, "created_at", float, where)), float(_field(m, "exported_at", float, where)),
                    skeleton, backend, motion, classes, 0 if motion else rows, rows if motion else 0, frames,
                    per_class, tuple(models), _members(m.get("members"), where))  # fmt: skip


def check_listed(path: Path, sizes: dict[str, int], manifest: Manifest) -> None:
    """The members (name → size from the central directory) are exactly the manifest's, of its sizes, with those
    the project's kind needs and only its models."""
    present = set(sizes) - {MANIFEST}
    listed = set(manifest.members)
    if present != listed:
        odd = sorted(present - listed) or sorted(listed - present)
        how = "not listed in" if present - listed else "listed in the manifest but missing from"
        raise BundleError(f"{path}: {', '.join(odd[:3])}: {how} the file")
    kind = {CLIP_COLUMNS, *CLIP_ARRAYS} if manifest.motion else {SAMPLE_COLUMNS, CROPS, *SAMPLE_ARRAYS}
    other = {SAMPLE_COLUMNS, CROPS, *SAMPLE_ARRAYS} if manifest.motion else {CLIP_COLUMNS, *CLIP_ARRAYS}
    missing, foreign = sorted(kind - present), sorted(other & present)
    if missing or foreign:
        what = "a motion project" if manifest.motion else "a project of single-frame samples"
        raise BundleError(f"{path}: {what} needs {', '.join(missing[:3])}" if missing
                          else f"{path}: {what} cannot hold {', '.join(foreign[:3])}")  # fmt: skip
    for name, (size, _) in manifest.members.items():
        if sizes[name] != size:
            raise BundleError(f"{path}: member {name!r}: {sizes[name]:,} bytes, the manifest says {size:,}")
    folders = {name.split("/")[0] for name in present if name.split("/")[0] in MODEL_FOLDERS}
    if folders != set(manifest.models):
        raise BundleError(f"{path}: the manifest lists the models {sorted(manifest.models)}, the file holds "
                          f"{sorted(folders)}")  # fmt: skip

"""Reading a ``.handteach`` file (``core.data.bundles.bundle_format``), trusting nothing in it.

``open_project_file`` checks, in this order and before decompressing anything: the file's size, its
zip end record (member count and central directory size, before ``zipfile`` parses the directory),
every member's name (no absolute path, no ``..``, no link, no folder, no duplicate, only names the
format has) and its sizes from the central directory (per kind of member, in total, and the
compression ratio: a zip bomb is refused here); then the manifest (format, version, project,
classes, counts) and that the members are exactly those it lists, of the sizes it gives. Each
member read is checked against the manifest's SHA-256; arrays must have exactly the dtype and shape
the counts imply, and every sample or clip passes the store's own checks. Any problem raises
``BundleError`` naming the file (and member) and the problem. ``core.data.bundles.bundle_import`` stores
what passes.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import struct
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, overload

import numpy as np
from PIL import Image

from core.data.bundles.bundle_format import (
    BUNDLE_LIMITS,
    CLIP_ARRAYS,
    CLIP_COLUMN_NAMES,
    CLIP_COLUMNS,
    CROPS,
    MANIFEST,
    SAMPLE_ARRAYS,
    SAMPLE_COLUMN_NAMES,
    SAMPLE_COLUMNS,
    BundleError,
    BundleLimits,
    member_limit,
    member_problem,
    read_npy,
    sha256,
)
from core.data.bundles.bundle_manifest import Manifest, check_listed, parse_json, parse_manifest
from core.data.clips import StoredClip
from core.data.sql.schema import Sample, check_source_name, sample_to_row
from core.gestures.catalog import validate_name
from core.io.capped import checked_size
from core.io.crops import check_crop_mode
from core.motion.clip import Clip
from core.skeletons import Skeleton
from core.types import Keypoints

_END_RECORD = b"PK\x05\x06"
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError)


def _check_end_record(path: Path, limits: BundleLimits) -> None:
    """The file is a zip of at most ``limits.members`` members: read from its end record, 22 bytes near its end."""
    size = checked_size(path, limits.file_bytes, BundleError)  # a regular file of a project file's size
    with open(path, "rb") as handle:
        head = handle.read(4)
        handle.seek(max(0, size - 22 - 0xFFFF))  # the record, then a comment of up to 65,535 bytes
        tail = handle.read(22 + 0xFFFF)
    at = tail.rfind(_END_RECORD)
    if at < 0 or len(tail) - at < 22:
        if head == b"PK\x03\x04":
            raise BundleError(f"{path}: a zip archive cut short (truncated): its central directory, at the end, "
                              "is missing")  # fmt: skip
        raise BundleError(f"{path}: not a handteach project file (a .handteach file is a zip archive)")
    entries, directory = struct.unpack_from("<HI", tail, at + 10)
    if entries > limits.members:
        raise BundleError(f"{path}: {entries:,} members, a project file has at most {limits.members}")
    if directory > limits.central_directory_bytes:
        raise BundleError(f"{path}: a central directory of {directory:,} bytes, over the limit of "
                          f"{limits.central_directory_bytes:,}")  # fmt: skip


def _checked_members(path: Path, archive: zipfile.ZipFile, limits: BundleLimits) -> dict[str, zipfile.ZipInfo]:
    """Every member's name, kind and sizes (from the central directory: nothing is decompressed). A name this
    format lacks is held to the largest member's bound here, and refused once the manifest's version is known."""
    infos: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in archive.infolist():
        where = f"{path}: member {info.filename!r}"
        problem = member_problem(info)
        if problem is not None:
            raise BundleError(f"{where}: {problem}")
        if info.filename in infos:
            raise BundleError(f"{where}: appears twice")
        limit = member_limit(info.filename, limits) or limits.array_bytes
        if info.file_size > limit:
            raise BundleError(f"{where}: {info.file_size:,} bytes, over the limit of {limit:,}")
        if info.file_size > limits.ratio_floor and info.file_size > limits.ratio * info.compress_size:
            ratio = info.file_size / max(info.compress_size, 1)
            raise BundleError(f"{where}: compressed {ratio:,.0f} to 1 (over {limits.ratio:.0f} to 1): a zip bomb")
        total += info.file_size
        infos[info.filename] = info
    if total > limits.total_bytes:
        raise BundleError(f"{path}: {total:,} bytes decompressed, over the limit of {limits.total_bytes:,}")
    if MANIFEST not in infos:
        raise BundleError(f"{path}: no {MANIFEST}: not a handteach project file")
    return infos


class _Samples(Sequence[Sample]):
    """A file's samples, each built from its columns and arrays when asked for (flat memory beyond the arrays)."""

    def __init__(self, cols: dict[str, list[Any]], arrays: dict[str, np.ndarray], skeleton: Skeleton) -> None:
        self.cols, self.a, self.skeleton = cols, arrays, skeleton

    def __len__(self) -> int:
        return len(self.cols["class"])

    @overload
    def __getitem__(self, i: int) -> Sample: ...
    @overload
    def __getitem__(self, i: slice) -> list[Sample]: ...
    def __getitem__(self, i: int | slice) -> Sample | list[Sample]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        cols, a = self.cols, self.a
        width, height = (int(v) for v in a["samples/image_size.npy"][i])
        visibility = a["samples/visibility.npy"][i] if cols["has_visibility"][i] else None
        hand = Keypoints(a["samples/pixel.npy"][i], a["samples/normalised.npy"][i], a["samples/world.npy"][i],
                         cols["handedness"][i], float(a["samples/score.npy"][i]), (width, height), self.skeleton,
                         visibility)  # fmt: skip
        frame = int(a["samples/frame.npy"][i])
        return Sample(hand, cols["class"][i], cols["source_kind"][i], cols["source_name"][i],
                      None if frame == -1 else frame, float(a["samples/created_at.npy"][i]), None,
                      cols["backend"][i])  # fmt: skip


def _json_columns(data: bytes, where: str, names: tuple[str, ...], rows: int) -> dict[str, list[Any]]:
    value = parse_json(data, where)
    if not isinstance(value, dict) or sorted(value) != sorted(names):
        raise BundleError(f"{where}: expected an object of the columns {', '.join(names)}")
    for name in names:
        column = value[name]
        kind = bool if name.startswith("has_") else str
        if not isinstance(column, list) or len(column) != rows or not all(type(v) is kind for v in column):
            raise BundleError(f"{where}: column {name!r} must list {rows} {kind.__name__} values")
    return value


class ProjectFile:
    """An open project file whose directory and manifest passed (see the module docstring)."""

    def __init__(self, path: Path, archive: zipfile.ZipFile, limits: BundleLimits) -> None:
        self.path, self.archive, self.limits = path, archive, limits
        self._offsets, self._has_crops = np.zeros(1, np.int64), []  # set by samples(), which crops() follows
        self.infos = _checked_members(path, archive, limits)
        self.manifest = parse_manifest(self._bytes(MANIFEST), f"{path}: {MANIFEST}", limits)  # a newer file says so
        unknown = sorted(name for name in self.infos if member_limit(name, limits) is None)
        if unknown:
            raise BundleError(f"{path}: member {unknown[0]!r}: not part of a handteach project file")
        check_listed(path, {n: i.file_size for n, i in self.infos.items()}, self.manifest)

    def _bytes(self, name: str) -> bytes:
        info = self.infos[name]
        try:
            with self.archive.open(info) as handle:
                data = handle.read(info.file_size + 1)
        except _DAMAGED as exc:
            raise BundleError(f"{self.path}: member {name!r} is damaged ({exc})") from None
        if len(data) != info.file_size:
            raise BundleError(f"{self.path}: member {name!r} holds {len(data):,} bytes, its header says "
                              f"{info.file_size:,}")  # fmt: skip
        return data

    def read(self, name: str) -> bytes:
        """A member's bytes, checked against the manifest's SHA-256."""
        data = self._bytes(name)
        if sha256(data) != self.manifest.members[name][1]:
            raise BundleError(f"{self.path}: member {name!r}: its checksum differs from the manifest's "
                              "(damaged or altered)")  # fmt: skip
        return data

    def model_members(self, folder: str) -> list[str]:
        return sorted(name for name in self.manifest.members if name.startswith(f"{folder}/"))

    def _arrays(self, specs: dict, rows: int, frames: int) -> dict[str, np.ndarray]:
        k = self.manifest.skeleton.num_joints
        return {name: read_npy(self.read(name), f"{self.path}: member {name!r}", dtype, shape(rows, k, frames))
                for name, (dtype, shape) in specs.items()}  # fmt: skip

    def samples(self) -> Sequence[Sample]:
        """Every sample (without its crop), in order, each checked as the store would (``sample_to_row``).

        Each is built when asked for from the file's arrays (``_Samples``): 238,020 samples held as objects
        took about twice the memory of the arrays they come from."""
        m = self.manifest
        cols = _json_columns(self.read(SAMPLE_COLUMNS), f"{self.path}: member {SAMPLE_COLUMNS!r}",
                             SAMPLE_COLUMN_NAMES, m.samples)  # fmt: skip
        a = self._arrays(SAMPLE_ARRAYS, m.samples, 0)
        self._check_offsets(a["samples/crop_offsets.npy"], cols["has_crop"])
        samples, names = _Samples(cols, a, m.skeleton), {c.name for c in m.classes}
        for i in range(len(samples)):
            try:
                if cols["class"][i] not in names:
                    raise ValueError(f"class {cols['class'][i]!r} is not one of the project's")
                sample_to_row(samples[i])  # the store's own checks, before anything is stored
            except ValueError as exc:
                raise BundleError(f"{self.path}: sample {i}: {exc}") from None
        _check_counts(self.path, Counter(cols["class"]), m)
        self._offsets, self._has_crops = a["samples/crop_offsets.npy"], cols["has_crop"]
        return samples

    def _check_offsets(self, offsets: np.ndarray, has_crop: list[bool]) -> None:
        lengths = np.diff(offsets)
        where = f"{self.path}: member 'samples/crop_offsets.npy'"
        if offsets[0] != 0 or offsets[-1] != self.infos[CROPS].file_size or (lengths < 0).any():
            raise BundleError(f"{where}: offsets must rise from 0 to the size of {CROPS}")
        if (lengths > self.limits.crop_bytes).any():
            raise BundleError(f"{where}: a crop of {int(lengths.max()):,} bytes, over {self.limits.crop_bytes:,}")
        if (lengths[~np.asarray(has_crop, dtype=bool)] != 0).any():
            raise BundleError(f"{where}: bytes given to a sample without a crop")

    def crops(self, samples: Sequence[Sample], check_images: bool = True) -> Iterator[Sample]:
        """``samples`` (from ``samples()``) with their crops, streamed from the file; with ``check_images`` each
        must be a JPEG whose header gives a sensible size. The member's checksum is checked after the last
        crop, so a caller storing them inside a transaction rolls back on a mismatch."""
        digest, where = hashlib.sha256(), f"{self.path}: member {CROPS!r}"
        lengths = np.diff(self._offsets)
        try:
            with self.archive.open(self.infos[CROPS]) as handle:
                for i, sample in enumerate(samples):
                    data = handle.read(int(lengths[i]))
                    digest.update(data)
                    if len(data) != lengths[i]:
                        raise BundleError(f"{where}: ends before the crop of sample {i}")
                    crop = data if self._has_crops[i] else None
                    if crop is not None and check_images:
                        _check_crop(crop, f"{where}: the crop of sample {i}", self.limits.crop_side)
                    yield replace(sample, crop_jpeg=crop)
        except BundleError:
            raise
        except _DAMAGED as exc:
            raise BundleError(f"{where}: damaged ({exc})") from None
        if digest.hexdigest() != self.manifest.members[CROPS][1]:
            raise BundleError(f"{where}: its checksum differs from the manifest's (damaged or altered)")

    def clips(self) -> list[StoredClip]:
        """Every clip, in order, each a valid ``Clip`` of the project's skeleton."""
        m = self.manifest
        cols = _json_columns(self.read(CLIP_COLUMNS), f"{self.path}: member {CLIP_COLUMNS!r}", CLIP_COLUMN_NAMES,
                             m.clips)  # fmt: skip
        a = self._arrays(CLIP_ARRAYS, m.clips, m.clip_frames)
        frames = a["clips/frames.npy"]
        if (frames < 1).any() or int(frames.sum()) != m.clip_frames:
            raise BundleError(f"{self.path}: member 'clips/frames.npy': clip lengths must be positive and add up "
                              f"to {m.clip_frames} frames")  # fmt: skip
        if (a["clips/present.npy"] > 1).any():
            raise BundleError(f"{self.path}: member 'clips/present.npy': values must be 0 or 1")
        names, clips, start = {c.name for c in m.classes}, [], 0
        for j, length in enumerate(int(f) for f in frames):
            rows = slice(start, start + length)
            start += length
            try:
                if cols["class"][j] not in names:
                    raise ValueError(f"class {cols['class'][j]!r} is not one of the project's")
                validate_name(cols["backend"][j], "backend")
                created = float(a["clips/created_at.npy"][j])
                if not math.isfinite(created):
                    raise ValueError("created_at is not finite")
                width, height = (int(v) for v in a["clips/image_size.npy"][j])
                clip = Clip(a["clips/points.npy"][rows], a["clips/present.npy"][rows].astype(bool),
                            a["clips/timestamps.npy"][rows], m.skeleton, (width, height), cols["class"][j],
                            cols["source"][j])  # fmt: skip
                check_source_name(cols["source"][j])  # bounded and counted as a sample's
                if cols["source_kind"][j] not in ("webcam", "image", "video", "csv"):
                    raise ValueError(f"source kind {cols['source_kind'][j]!r} is not one the store knows")
            except ValueError as exc:
                raise BundleError(f"{self.path}: clip {j}: {exc}") from None
            clips.append(StoredClip(clip, cols["source_kind"][j], cols["backend"][j], created))
        _check_counts(self.path, Counter(c.class_name for c in clips), m)
        return clips


def _check_counts(path: Path, found: Counter[str], manifest: Manifest) -> None:
    listed = {name: n for name, n in manifest.per_class.items() if n}
    if dict(found) != listed:
        raise BundleError(f"{path}: the rows per class {dict(found)} differ from the manifest's {listed}")


def _check_crop(data: bytes, where: str, side: int) -> None:
    """A JPEG whose header gives a size up to ``side`` pixels (decoded later, by the gallery, through
    ``core.io.crops.decode_jpeg``, which checks it again)."""
    if not data.startswith(b"\xff\xd8\xff"):
        raise BundleError(f"{where}: not a JPEG image")
    try:
        with Image.open(io.BytesIO(data)) as image:
            (width, height), mode = image.size, image.mode
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise BundleError(f"{where}: not a readable JPEG ({exc})") from None
    try:
        check_crop_mode(mode)
    except ValueError as exc:
        raise BundleError(f"{where}: {exc}") from None
    if max(width, height) > side:
        raise BundleError(f"{where}: {width}×{height} pixels, over the {side} px a stored crop may have")


@contextmanager
def open_project_file(path: str | os.PathLike[str], limits: BundleLimits = BUNDLE_LIMITS) -> Iterator[ProjectFile]:
    """The project file at ``path``, open and checked (the directory and the manifest; members as read)."""
    source = Path(path)
    _check_end_record(source, limits)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError) as exc:
        raise BundleError(f"{source}: a damaged or truncated zip archive ({exc})") from None
    with archive:
        yield ProjectFile(source, archive, limits)

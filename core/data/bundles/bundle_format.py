"""The ``.handteach`` project file: one zip holding a whole project, read trusting nothing.

Layout (format ``handteach-project`` version 1; every member stored uncompressed, dated 1980-01-01,
so the same project always gives the same member bytes):

* ``manifest.json``: format and version, the project's name, creation and export dates (Unix s),
  skeleton, keypoint backend, motion or not, its classes (name, emoji, mirror partner) in order,
  counts, and the byte count and SHA-256 of every other member;
* a static project's N samples, oldest first: ``samples/columns.json`` (per sample: class,
  handedness, source kind and name, backend, whether it has visibility and a crop) and the arrays
  of ``SAMPLE_ARRAYS`` (``.npy`` written by numpy without pickle: the store's float32 keypoints bit
  for bit, K the skeleton's joints), plus ``samples/crops.bin``: the stored JPEG crops end to end,
  sample i's being bytes ``crop_offsets[i]:crop_offsets[i + 1]``;
* a motion project's M clips: ``clips/columns.json`` (class, source kind, source, backend) and
  ``CLIP_ARRAYS``, the clips' T frames end to end (clip j has ``frames[j]``);
* the trained models, copied byte for byte: ``model/`` (gesture classifier), ``motion/`` (motion
  model), ``cpm/`` (a fine-tuned CPM).
* the project's Scratch game, when it has one (``core.data.project_games``): ``scratch/game.sb3``, the ``.sb3``
  as it was saved, checked by ``core.scratch.sb3`` on import before anything is stored. A file holding a game says
  version 2 (an older handteach then says it is newer rather than refusing an unknown member); one without says 1,
  as every file before the games did.

``core.data.bundles.bundle_write`` writes it, ``core.data.bundles.bundle_read`` checks and imports it. The limits
(``BundleLimits``) are checked on the zip's central directory before anything is decompressed.
"""

from __future__ import annotations

import hashlib
import io
import re
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.io.limits import LIMITS
from core.scratch.sb3 import MAX_SB3_BYTES

FORMAT_NAME = "handteach-project"
FORMAT_VERSION = 2  # the newest read; a file without a game is written as 1
GAME_VERSION = 2  # the first version that may hold a game
SUFFIX = ".handteach"
MANIFEST = "manifest.json"
SAMPLE_COLUMNS = "samples/columns.json"
CROPS = "samples/crops.bin"
CLIP_COLUMNS = "clips/columns.json"
GAME = "scratch/game.sb3"
# The folders of a project's folder that travel, and the files each may hold (the weights a JSON names).
MODEL_FOLDERS = {"model": "model.json", "motion": "motion.json", "cpm": "config.json"}
_MODEL_MEMBER = re.compile(
    r"model/model\.json|model/model(\.[0-9a-f]{16})?\.safetensors|motion/motion\.json"
    r"|motion/motion\.[0-9a-f]{16}\.safetensors|cpm/config\.json|cpm/model\.safetensors"
)
_FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say: members carry no export time

# name → (dtype, shape from (rows, joints, total clip frames)); N samples of K joints, M clips of T frames in all.
Shape = Callable[[int, int, int], tuple[int, ...]]
SAMPLE_ARRAYS: dict[str, tuple[str, Shape]] = {
    "samples/pixel.npy": ("<f4", lambda n, k, _: (n, k, 2)),  # unmirrored frame pixels
    "samples/normalised.npy": ("<f4", lambda n, k, _: (n, k, 3)),  # pixel / image size, MediaPipe's z
    "samples/world.npy": ("<f4", lambda n, k, _: (n, k, 3)),  # metres, NaN without depth
    "samples/visibility.npy": ("<f4", lambda n, k, _: (n, k)),  # 0 where the sample has none (see columns)
    "samples/score.npy": ("<f8", lambda n, k, _: (n,)),
    "samples/image_size.npy": ("<i8", lambda n, k, _: (n, 2)),  # width, height
    "samples/frame.npy": ("<i8", lambda n, k, _: (n,)),  # -1: none
    "samples/created_at.npy": ("<f8", lambda n, k, _: (n,)),
    "samples/crop_offsets.npy": ("<i8", lambda n, k, _: (n + 1,)),
}
CLIP_ARRAYS: dict[str, tuple[str, Shape]] = {
    "clips/frames.npy": ("<i8", lambda m, k, t: (m,)),
    "clips/image_size.npy": ("<i8", lambda m, k, t: (m, 2)),
    "clips/created_at.npy": ("<f8", lambda m, k, t: (m,)),
    "clips/points.npy": ("<f4", lambda m, k, t: (t, k, 3)),  # normalised, unmirrored
    "clips/present.npy": ("|u1", lambda m, k, t: (t,)),
    "clips/timestamps.npy": ("<f8", lambda m, k, t: (t,)),  # seconds
}
SAMPLE_COLUMN_NAMES = ("class", "handedness", "source_kind", "source_name", "backend", "has_visibility", "has_crop")
CLIP_COLUMN_NAMES = ("class", "source_kind", "source", "backend")


@dataclass(frozen=True)
class BundleLimits:
    """Bounds on a project file, checked from the central directory before any member is decompressed (the
    model files' are ``core.io.limits``'s; an upload on Home is first held to ``LIMITS.upload_bytes``).

    Our own files hold at most 24 members, all stored (ratio 1), so the bounds are about refusing
    hostile files, not about squeezing real projects.
    """

    file_bytes: int = 2 * 1024**3  # the .handteach file: a zip without zip64 stays under 4 GB anyway
    members: int = 64
    central_directory_bytes: int = 1024 * 1024  # 64 entries of short names are a few kilobytes
    manifest_bytes: int = 1024 * 1024
    columns_bytes: int = 256 * 1024 * 1024  # per-row text: about 100 bytes a row
    array_bytes: int = 1024**3
    model_bytes: int = LIMITS.model_weights_bytes  # a model's weights file; its JSON: LIMITS.model_json_bytes
    total_bytes: int = 4 * 1024**3  # all members decompressed
    rows: int = 1_000_000  # samples or clips
    ratio: float = 100.0  # decompressed / compressed, for members over ratio_floor bytes
    ratio_floor: int = 1024 * 1024
    crop_bytes: int = 1024 * 1024
    crop_side: int = 1024  # the stored crops are 192 px


BUNDLE_LIMITS = BundleLimits()


class BundleError(ValueError):
    """A project file that cannot be written or read; the message names the file and the problem."""


class ProjectExistsError(BundleError):
    """Importing onto the name of an existing project without ``replace``; ``name`` is that name."""

    def __init__(self, path: object, name: str) -> None:
        self.name = name
        super().__init__(f"{path}: a project named {name!r} already exists; open the file under another name "
                         "(--as NEW) or replace that project (--replace)")  # fmt: skip


def fixed_info(name: str) -> zipfile.ZipInfo:
    """A stored member of a regular file (0644) with no date of its own."""
    info = zipfile.ZipInfo(name, date_time=_FIXED_DATE)
    info.compress_type = zipfile.ZIP_STORED
    info.create_system = 3  # unix: the mode bits below mean what they say
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    return info


def npy_bytes(values: np.ndarray, dtype: str) -> bytes:
    """``values`` as ``dtype`` in numpy's .npy format, without pickle."""
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(values, dtype=np.dtype(dtype)), allow_pickle=False)
    return buffer.getvalue()


def read_npy(data: bytes, where: str, dtype: str, shape: tuple[int, ...]) -> np.ndarray:
    """The array in ``data`` (a .npy file), refused unless it is exactly ``dtype`` and ``shape``, C order.

    Only the header is parsed by numpy (a literal, never code); the values are then viewed from the
    bytes, whose count must match the shape exactly.
    """
    buffer = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(buffer)
        read_header = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
        if version not in read_header:
            raise ValueError(f"npy version {version[0]}.{version[1]}")
        found_shape, fortran, found_dtype = read_header[version](buffer)
    except (ValueError, TypeError, SyntaxError) as exc:
        raise BundleError(f"{where}: not a numpy .npy array ({exc})") from None
    if found_dtype != np.dtype(dtype) or found_dtype.str != np.dtype(dtype).str or fortran:
        raise BundleError(f"{where}: an array of {found_dtype.str}{' (Fortran order)' if fortran else ''}, "
                          f"expected {dtype}")  # fmt: skip
    if tuple(found_shape) != tuple(shape):
        raise BundleError(f"{where}: shape {tuple(found_shape)}, expected {tuple(shape)}")
    offset = buffer.tell()
    count = int(np.prod(shape, dtype=np.int64))
    if len(data) - offset != count * found_dtype.itemsize:
        raise BundleError(f"{where}: {len(data) - offset} bytes of values, shape {tuple(shape)} needs "
                          f"{count * found_dtype.itemsize}")  # fmt: skip
    return np.frombuffer(data, dtype=found_dtype, count=count, offset=offset).reshape(shape)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def member_problem(info: zipfile.ZipInfo) -> str | None:
    """Why a member's name or kind is unsafe to read (a path leaving the folder, a link, a folder), or None."""
    name = info.filename
    parts = name.split("/")
    if not name or "\\" in name or "\x00" in name:
        return "an empty name or one with a backslash or NUL"
    if name.startswith("/") or re.match(r"[A-Za-z]:", name):
        return "an absolute path"
    if ".." in parts:
        return "a path leaving the archive ('..')"
    if name.endswith("/") or info.is_dir():
        return "a folder entry"
    if "" in parts or "." in parts:
        return "an odd path (empty or '.' parts)"
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind == stat.S_IFLNK:
        return "a symbolic link"
    if kind not in (0, stat.S_IFREG):
        return "not a regular file"
    if info.flag_bits & 0x1:
        return "encrypted"
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return f"compressed with method {info.compress_type} (only stored or deflated members are read)"
    return None


def member_limit(name: str, limits: BundleLimits) -> int | None:
    """The most bytes the member ``name`` may hold, or None for a name the format does not have."""
    if name == MANIFEST:
        return limits.manifest_bytes
    if name in (SAMPLE_COLUMNS, CLIP_COLUMNS):
        return limits.columns_bytes
    if name in SAMPLE_ARRAYS or name in CLIP_ARRAYS:
        return limits.array_bytes
    if name == CROPS:
        return limits.file_bytes
    if name == GAME:
        return MAX_SB3_BYTES  # checked again, whole, by core.scratch.sb3 before it is stored
    if _MODEL_MEMBER.fullmatch(name):
        return limits.model_bytes if name.endswith(".safetensors") else LIMITS.model_json_bytes
    return None


def bundle_name(project: str) -> str:
    """The file name a project is saved under: ``NAME.handteach``."""
    return f"{project}{SUFFIX}"

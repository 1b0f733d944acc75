"""A saved model folder as one value (a ``project_models`` row's ``files``), and back: plain bytes, never a pickle.

The value is an 8-byte little-endian header length, a JSON header naming each file with its size and SHA-256, then
the files' bytes in that order. Only what loads the model travels: the description (``model.json``, ``motion.json``,
``config.json``) and the weights it names (a CPM's ``model.safetensors``), never the previous weights a save keeps
for a reader mid-load, nor temporary files. Unpacking checks every name, size and checksum before a byte is written,
so a damaged or foreign row writes nothing; the model's own loader checks the files after that as it always did.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
from pathlib import Path

from core.data.sql.schema import StoreError
from core.io.capped import parse_json, read_capped
from core.io.limits import LIMITS

# The kinds of model a project keeps and each one's description file (core.data.bundles.bundle_format.MODEL_FOLDERS).
DESCRIPTIONS = {"model": "model.json", "motion": "motion.json", "cpm": "config.json"}
FIXED_WEIGHTS = "model.safetensors"  # a CPM or ResNet-deconv checkpoint's weights (its config names none)
# The largest gesture model the settings allow (8 hidden layers of 2048) has 117 MB of weights; the shipped networks
# are 2-5 MB and a usual gesture model under 1 MB. A row is refused over this before it is written.
MAX_MODEL_BYTES = 128 * 1024 * 1024
FORMAT = "handteach-model-files"
_HEADER = struct.Struct("<Q")
_MAX_HEADER = 64 * 1024
_MAX_FILES = 4
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


class ModelRowError(StoreError):
    """A model too large for the store, or a stored one that is damaged: the message says which."""


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def folder_files(folder: Path, kind: str, what: str) -> dict[str, bytes]:
    """The files of the ``kind`` model saved in ``folder``, by name: its description and the weights it names.
    Sizes are checked before reading (``check_size``)."""
    description = DESCRIPTIONS[kind]
    text = read_capped(folder / description, LIMITS.model_json_bytes, ModelRowError)
    if kind == "cpm":
        weights: object = FIXED_WEIGHTS
    else:
        named = parse_json(text, folder / description, ModelRowError, "model description")
        weights = named.get("weights_file") if isinstance(named, dict) else None
    if not isinstance(weights, str) or not _NAME.fullmatch(weights) or weights == description:
        raise ModelRowError(f"{folder / description}: names no weights file, or an odd one")
    try:
        check_size(len(text) + (folder / weights).stat().st_size, what)
    except OSError as exc:
        raise ModelRowError(f"{folder / weights}: cannot be read ({exc.strerror or exc})") from None
    return {description: text, weights: read_capped(folder / weights, MAX_MODEL_BYTES, ModelRowError)}


def check_size(size: int, what: str) -> None:
    """``ModelRowError`` in one line when a model of ``size`` bytes may not go into the shared store."""
    if size > MAX_MODEL_BYTES:
        raise ModelRowError(f"{what} takes {_mb(size)}, more than the {_mb(MAX_MODEL_BYTES)} a model may take in "
                            "the shared store; nothing was saved (train with fewer or narrower hidden layers)")  # fmt: skip


def pack(files: dict[str, bytes], what: str) -> bytes:
    """``files`` as one value; ``ModelRowError`` saying so when it would exceed ``MAX_MODEL_BYTES`` (``what``: the
    model, in the user's words)."""
    entries = [[name, len(data), hashlib.sha256(data).hexdigest()] for name, data in files.items()]
    header = json.dumps({"format": FORMAT, "version": 1, "files": entries}, separators=(",", ":")).encode("utf-8")
    check_size(_HEADER.size + len(header) + sum(len(data) for data in files.values()), what)
    return b"".join([_HEADER.pack(len(header)), header, *files.values()])


def digest(value: bytes) -> str:
    """The SHA-256 of a packed value: with the version, what a server's copy of the model is named by."""
    return hashlib.sha256(value).hexdigest()


def unpack(value: bytes, what: str) -> dict[str, bytes]:
    """The files of a packed value; ``ModelRowError`` naming ``what`` for anything that is not as ``pack`` wrote it."""
    damaged = f"{what} in the store is damaged"
    if len(value) < _HEADER.size:
        raise ModelRowError(f"{damaged} (too short)")
    (length,) = _HEADER.unpack_from(value)
    if length > min(_MAX_HEADER, len(value) - _HEADER.size):
        raise ModelRowError(f"{damaged} (its header)")
    header = parse_json(value[_HEADER.size : _HEADER.size + length], what, ModelRowError, "model header")
    entries = header.get("files") if isinstance(header, dict) and header.get("format") == FORMAT else None
    if not isinstance(entries, list) or not 0 < len(entries) <= _MAX_FILES:
        raise ModelRowError(f"{damaged} (not a list of model files)")
    files: dict[str, bytes] = {}
    start = _HEADER.size + length
    for entry in entries:
        if not (isinstance(entry, list) and len(entry) == 3 and isinstance(entry[0], str) and type(entry[1]) is int):
            raise ModelRowError(f"{damaged} (a file entry)")
        name, size, checksum = entry
        if not _NAME.fullmatch(name) or name in files or not 0 <= size <= len(value) - start:
            raise ModelRowError(f"{damaged} (the file {name[:40]!r})")
        files[name] = value[start : start + size]
        start += size
        if hashlib.sha256(files[name]).hexdigest() != checksum:
            raise ModelRowError(f"{damaged} (the checksum of {name!r})")
    if start != len(value):
        raise ModelRowError(f"{damaged} ({len(value) - start} bytes after its files)")
    return files

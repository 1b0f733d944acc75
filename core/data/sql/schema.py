"""The store's SQLite schema version (its migrations: ``core.data.sql.migrations``), and how a ``Sample`` maps to
a table row.

Keypoints are kept as raw little-endian float32 bytes, so a ``Keypoints`` read back is
bit-identical to the one written (NaN world points included).
"""

from __future__ import annotations

import math
import os
import shutil
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.data.sql.migrations import MIGRATIONS  # the store, PostgreSQL's backend and tests read it here
from core.gestures.catalog import validate_name
from core.skeletons import Skeleton, skeleton_named
from core.types import Keypoints

DB_NAME = "handteach.sqlite"
SOURCE_KINDS = ("webcam", "image", "video", "csv")
_F32 = np.dtype("<f4")  # fixed byte order: a DB copied between machines reads the same
SCHEMA_VERSION = len(MIGRATIONS)

# Columns of a sample row without the crop, which is large and rarely needed.
SAMPLE_COLUMNS = (
    "s.id, c.name, s.handedness, s.score, s.image_w, s.image_h, s.pixel, s.normalised, s.world, "
    "s.source_kind, s.source_name, s.frame, s.created_at, s.backend, s.skeleton, s.visibility"
)
SAMPLE_COLUMN_COUNT = SAMPLE_COLUMNS.count(",") + 1  # a row with the crop appended has one more
# SQLite's clock as Unix seconds (to the millisecond): when this server stored a row (``stored_at``), which
# retention counts from (core.classes.retention). The server's own time, never a date the row's file carries.
STORED_NOW = "((julianday('now') - 2440587.5) * 86400.0)"
# The columns ``sample_to_row`` fills, in its order (class_id first, given by the store), then ``stored_at``.
INSERT_SAMPLE = (
    "INSERT INTO samples (class_id, handedness, score, image_w, image_h, pixel, normalised, world, "
    "source_kind, source_name, frame, created_at, crop_jpeg, backend, skeleton, visibility, stored_at) "
    f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, {STORED_NOW})"
)


class StoreError(ValueError):
    """A store operation that cannot be done; the message says why."""


class NotFoundError(StoreError, LookupError):
    """An unknown project, class or sample id."""


LOCK_WAIT_S = 30.0  # how long a call waits for another program's write before saying the store is locked


class StoreLockedError(StoreError):
    """Another write held the database's write lock longer than we wait (``core.data.sql.write_lock``)."""


def locked_message(waited_s: float) -> str:
    """The store stayed locked: no path in it, since it may reach a student's page on a server."""
    return (f"The server is busy: another write held the store for {waited_s:.0f} s; nothing of this change was "
            "written. Try again in a minute")  # fmt: skip


class DuplicateNameError(StoreError):
    """A project or class name that is already taken."""


@dataclass(frozen=True)
class Sample:
    """One labelled hand or body (``hand`` holds keypoints of any skeleton).

    ``id`` is None until stored; ``crop_jpeg`` is a JPEG of the keypoints' region or None.
    """

    hand: Keypoints
    class_name: str
    source_kind: str  # one of SOURCE_KINDS
    source_name: str = ""  # file name, or "" for the webcam
    frame: int | None = None  # frame index in a video, row number for CSV imports
    created_at: float = field(default_factory=time.time)  # Unix seconds
    crop_jpeg: bytes | None = None
    backend: str = "mediapipe"  # the keypoint detector that produced the hand
    id: int | None = None


def explain_sqlite_error(path: Path, exc: sqlite3.OperationalError) -> StoreError:
    """SQLite's terse ``OperationalError`` as a ``StoreError`` naming the database and what to do."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return StoreLockedError(locked_message(LOCK_WAIT_S))
    if "full" in text or ("I/O" in text and shutil.disk_usage(path.parent).free < 1 << 20):
        return StoreError(f"{path}: disk full; nothing of this change was written (free some space)")
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return StoreError(f"{path}: cannot write here ({text}); listing and exporting still work")
    return StoreError(f"{path}: {text}")


def default_data_dir() -> Path:
    """``$HANDTEACH_DATA`` if set, else ``data/user`` in the checkout, or, for a ``pip install``-ed
    ``handteach`` outside any checkout, ``$XDG_DATA_HOME/handteach`` (``~/.local/share/handteach``)."""
    env = os.environ.get("HANDTEACH_DATA")
    if env:
        return Path(env)
    checkout = Path(__file__).resolve().parents[3]  # core/data/sql/schema.py: the checkout holding core/
    if (checkout / "app.py").is_file() and (checkout / "core").is_dir():
        return checkout / "data" / "user"
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "handteach"


def _f32(array: np.ndarray, shape: tuple[int, ...], what: str, finite: bool) -> bytes:
    values = np.asarray(array, dtype=_F32)
    if values.shape != shape:
        raise StoreError(f"{what} must have shape {shape}, got {values.shape}")
    if finite and not np.isfinite(values).all():
        raise StoreError(f"{what} holds NaN or infinite values")
    return values.tobytes()


def _points(blob: bytes, shape: tuple[int, ...]) -> np.ndarray:
    return np.frombuffer(blob, dtype=_F32).reshape(shape).astype(np.float32)


def stored_skeleton(name: str) -> Skeleton:
    """The skeleton a project or sample row names; a ``StoreError`` for one this handteach does not know."""
    try:
        return skeleton_named(name)
    except ValueError as exc:
        raise StoreError(str(exc)) from None


MAX_SOURCE_NAME_CHARS = 255  # a file's name (most systems' bound) or "webcam take 3"; counted in a student's quota


def check_source_name(value: object) -> str:
    """``value`` as a sample's or clip's ``source_name`` (text; a path as its text); ``StoreError`` in one line when
    over-long."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > MAX_SOURCE_NAME_CHARS:
        raise StoreError(f"source_name is {len(text):,} characters long: at most {MAX_SOURCE_NAME_CHARS}")
    return text


def sample_to_row(sample: Sample) -> tuple:
    """Validate ``sample`` and return its column values (without class_id); raises StoreError."""
    if not isinstance(sample, Sample) or not isinstance(sample.hand, Keypoints):
        raise StoreError(f"expected a Sample holding a Keypoints, got {type(sample).__name__}")
    hand = sample.hand
    if sample.source_kind not in SOURCE_KINDS:
        raise StoreError(f"source_kind must be one of {SOURCE_KINDS}, got {sample.source_kind!r}")
    if sample.frame is not None and (not isinstance(sample.frame, int | np.integer) or sample.frame < 0):
        raise StoreError(f"frame must be None or an integer ≥ 0, got {sample.frame!r}")
    if not isinstance(hand.score, int | float | np.floating) or not 0.0 <= hand.score <= 1.0:
        raise StoreError(f"score must be a number in [0, 1], got {hand.score!r}")
    width, height = hand.image_size
    if not all(isinstance(v, int | np.integer) and v > 0 for v in (width, height)):
        raise StoreError(f"image_size must be two positive integers, got {hand.image_size}")
    if not math.isfinite(sample.created_at):
        raise StoreError(f"created_at must be finite, got {sample.created_at!r}")
    if sample.crop_jpeg is not None and not isinstance(sample.crop_jpeg, bytes):
        raise StoreError(f"crop_jpeg must be bytes or None, got {type(sample.crop_jpeg).__name__}")
    validate_name(sample.backend, "backend")
    k = hand.skeleton.num_joints
    visibility = None
    if hand.visibility is not None:
        visibility = _f32(hand.visibility, (k,), "visibility", finite=True)
        if not ((hand.visibility >= 0) & (hand.visibility <= 1)).all():
            raise StoreError("visibility must lie in [0, 1]")
    return (
        hand.handedness, float(hand.score), int(width), int(height),
        _f32(hand.pixel, (k, 2), "pixel", finite=True),
        _f32(hand.normalised, (k, 3), "normalised", finite=True),
        _f32(hand.world, (k, 3), "world", finite=False),
        sample.source_kind, check_source_name(sample.source_name), None if sample.frame is None else int(sample.frame),
        float(sample.created_at),
        sample.crop_jpeg, sample.backend, hand.skeleton.name, visibility,
    )  # fmt: skip


def row_to_sample(row: Sequence, crop: bytes | None = None) -> Sample:
    """A row of ``SAMPLE_COLUMNS`` → Sample; blobs take the shape of the row's own skeleton."""
    sid, cls, handed, score, w, h, px, norm, world, kind, name, frame, created, backend, skel, vis = row
    skeleton = stored_skeleton(skel)
    k = skeleton.num_joints
    visibility = None if vis is None else _points(vis, (k,))
    points = _points(px, (k, 2)), _points(norm, (k, 3)), _points(world, (k, 3))
    hand = Keypoints(*points, handed, score, (w, h), skeleton, visibility)
    return Sample(hand, cls, kind, name, frame, created, crop, backend, sid)

"""The store's SQLite schema, its migrations, and how a ``Sample`` maps to a table row.

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

from core.data.sql.dialect import PerDatabase
from core.gestures.catalog import validate_name
from core.skeletons import Skeleton, skeleton_named
from core.types import Keypoints

DB_NAME = "handteach.sqlite"
SOURCE_KINDS = ("webcam", "image", "video", "csv")
_F32 = np.dtype("<f4")  # fixed byte order: a DB copied between machines reads the same
# Every column of a sample and of a clip row at schema version 3, as migration 4 copies them.
_SAMPLE_ROW = ("id, class_id, handedness, score, image_w, image_h, pixel, normalised, world, source_kind, "
               "source_name, frame, created_at, crop_jpeg, backend, skeleton, visibility")  # fmt: skip
_CLIP_ROW = ("id, class_id, skeleton, frames, image_w, image_h, points, present, timestamps, source_kind, "
             "source_name, created_at, backend")  # fmt: skip

# MIGRATIONS[i] takes a database from schema version i to i + 1 (PRAGMA user_version; on PostgreSQL a table,
# core.data.sql.postgres). Each step is SQLite's text, which core.data.sql.dialect rewrites for PostgreSQL,
# or a PerDatabase pair where the two differ.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE projects (
            id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
            backend TEXT NOT NULL DEFAULT 'mediapipe', created_at REAL NOT NULL)""",
        """CREATE TABLE classes (
            id INTEGER PRIMARY KEY,
            project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            name TEXT NOT NULL, emoji TEXT NOT NULL DEFAULT '', mirror TEXT NOT NULL DEFAULT '',
            position INTEGER NOT NULL, UNIQUE (project_id, name))""",
        """CREATE TABLE samples (
            id INTEGER PRIMARY KEY,
            class_id INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
            handedness TEXT NOT NULL, score REAL NOT NULL,
            image_w INTEGER NOT NULL, image_h INTEGER NOT NULL,
            pixel BLOB NOT NULL, normalised BLOB NOT NULL, world BLOB NOT NULL,
            source_kind TEXT NOT NULL CHECK (source_kind IN ('webcam', 'image', 'video', 'csv')),
            source_name TEXT NOT NULL DEFAULT '', frame INTEGER, created_at REAL NOT NULL,
            crop_jpeg BLOB, backend TEXT NOT NULL DEFAULT 'mediapipe')""",
        "CREATE INDEX samples_by_class ON samples(class_id)",
    ),
    (  # 1 → 2: skeletons as data (body projects), motion projects; old rows are hands, static
        "ALTER TABLE projects ADD COLUMN skeleton TEXT NOT NULL DEFAULT 'hand'",
        "ALTER TABLE projects ADD COLUMN motion INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE samples ADD COLUMN skeleton TEXT NOT NULL DEFAULT 'hand'",
        "ALTER TABLE samples ADD COLUMN visibility BLOB",  # (K,) float32, NULL when the detector gives none
    ),
    (  # 2 → 3: motion clips (core.data.clips), one row per take: (T, K, 3) points, (T,) present and times
        """CREATE TABLE clips (
            id INTEGER PRIMARY KEY,
            class_id INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
            skeleton TEXT NOT NULL, frames INTEGER NOT NULL CHECK (frames > 0),
            image_w INTEGER NOT NULL, image_h INTEGER NOT NULL,
            points BLOB NOT NULL, present BLOB NOT NULL, timestamps BLOB NOT NULL,
            source_kind TEXT NOT NULL CHECK (source_kind IN ('webcam', 'image', 'video', 'csv')),
            source_name TEXT NOT NULL DEFAULT '', created_at REAL NOT NULL,
            backend TEXT NOT NULL DEFAULT 'mediapipe')""",
        "CREATE INDEX clips_by_class ON clips(class_id)",
    ),
    # 3 → 4: sample and clip ids are never given again (AUTOINCREMENT), so a page's tick on a row deleted
    # elsewhere cannot delete the newer row that would have got its id. SQLite adds AUTOINCREMENT only to a
    # new table: each is copied whole, ids included, in the one transaction a migration runs in.
    (
        """CREATE TABLE samples_v4 (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            class_id INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
            handedness TEXT NOT NULL, score REAL NOT NULL,
            image_w INTEGER NOT NULL, image_h INTEGER NOT NULL,
            pixel BLOB NOT NULL, normalised BLOB NOT NULL, world BLOB NOT NULL,
            source_kind TEXT NOT NULL CHECK (source_kind IN ('webcam', 'image', 'video', 'csv')),
            source_name TEXT NOT NULL DEFAULT '', frame INTEGER, created_at REAL NOT NULL,
            crop_jpeg BLOB, backend TEXT NOT NULL DEFAULT 'mediapipe',
            skeleton TEXT NOT NULL DEFAULT 'hand', visibility BLOB)""",
        f"INSERT INTO samples_v4 ({_SAMPLE_ROW}) SELECT {_SAMPLE_ROW} FROM samples",
        "DROP TABLE samples",
        "ALTER TABLE samples_v4 RENAME TO samples",
        "CREATE INDEX samples_by_class ON samples(class_id)",
        """CREATE TABLE clips_v4 (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            class_id INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
            skeleton TEXT NOT NULL, frames INTEGER NOT NULL CHECK (frames > 0),
            image_w INTEGER NOT NULL, image_h INTEGER NOT NULL,
            points BLOB NOT NULL, present BLOB NOT NULL, timestamps BLOB NOT NULL,
            source_kind TEXT NOT NULL CHECK (source_kind IN ('webcam', 'image', 'video', 'csv')),
            source_name TEXT NOT NULL DEFAULT '', created_at REAL NOT NULL,
            backend TEXT NOT NULL DEFAULT 'mediapipe')""",
        f"INSERT INTO clips_v4 ({_CLIP_ROW}) SELECT {_CLIP_ROW} FROM clips",
        "DROP TABLE clips",
        "ALTER TABLE clips_v4 RENAME TO clips",
        "CREATE INDEX clips_by_class ON clips(class_id)",
    ),
    (  # 4 → 5: each project's identity, new on create, import and replace, kept by a rename (core.data.saved_models.project_folders)
        "ALTER TABLE projects ADD COLUMN uid TEXT NOT NULL DEFAULT ''",
        PerDatabase(
            "UPDATE projects SET uid = lower(hex(randomblob(16)))",
            "UPDATE projects SET uid = replace(gen_random_uuid()::text, '-', '')",
        ),
        "CREATE UNIQUE INDEX projects_by_uid ON projects(uid) WHERE uid != ''",
    ),
    # 5 → 6: a class on one server (core.classes): its accounts, failed sign-ins, and each project's owner
    # (NULL: the server's own, as every project before). Account ids are never given again (AUTOINCREMENT), so a
    # deleted student's session cannot become a newer student's; a project's owner row cannot go before the project.
    (
        """CREATE TABLE school_classes (
            id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, name_key TEXT NOT NULL UNIQUE,
            code TEXT NOT NULL UNIQUE, retention_days INTEGER NOT NULL DEFAULT 30 CHECK (retention_days > 0),
            crops_allowed INTEGER NOT NULL DEFAULT 0, created_at REAL NOT NULL)""",
        """CREATE TABLE accounts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            school_class_id INTEGER NOT NULL REFERENCES school_classes(id) ON DELETE CASCADE,
            role TEXT NOT NULL CHECK (role IN ('teacher', 'student')),
            name TEXT NOT NULL, name_key TEXT NOT NULL, password TEXT NOT NULL,
            created_at REAL NOT NULL, last_seen REAL, UNIQUE (school_class_id, name_key))""",
        "CREATE TABLE sign_in_failures (key TEXT NOT NULL, at REAL NOT NULL)",
        "CREATE INDEX sign_in_failures_by_key ON sign_in_failures(key, at)",
        "ALTER TABLE projects ADD COLUMN owner INTEGER REFERENCES accounts(id)",
        "ALTER TABLE projects ADD COLUMN shared INTEGER NOT NULL DEFAULT 0",
        "CREATE INDEX projects_by_owner ON projects(owner)",
    ),
    # 6 → 7: signing in with a school's accounts (core.classes.identity): a member's verified e-mail address, one
    # account per address on the server, and the e-mail domains whose every address may join a class
    (
        "ALTER TABLE accounts ADD COLUMN email TEXT",
        "CREATE UNIQUE INDEX accounts_by_email ON accounts(email) WHERE email IS NOT NULL",
        """CREATE TABLE class_domains (
            domain TEXT PRIMARY KEY,
            school_class_id INTEGER NOT NULL REFERENCES school_classes(id) ON DELETE CASCADE)""",
    ),
    # 7 → 8: the server's own settings; 'class_server' stays once a class was created, so ending the last class
    # does not open the server to anyone on the network without signing in (core.classes.roster.class_mode)
    (
        "CREATE TABLE server_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "INSERT INTO server_settings SELECT 'class_server', '1' WHERE EXISTS (SELECT 1 FROM school_classes)",
    ),
    # 8 → 9 (hostile round 5, issue 63): sessions the server ends (core.classes.session: *Sign out*, a password
    # reset and a deletion end them at once); a class's limits as the teacher sets them (JSON, core.classes.quotas);
    # when this server stored each sample and clip, which retention counts from (a file's own dates are not trusted)
    (
        """CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
            created_at REAL NOT NULL, last_seen REAL NOT NULL)""",
        "CREATE INDEX sessions_by_account ON sessions(account_id)",
        "ALTER TABLE school_classes ADD COLUMN limits TEXT NOT NULL DEFAULT '{}'",
        "ALTER TABLE samples ADD COLUMN stored_at REAL",
        "ALTER TABLE clips ADD COLUMN stored_at REAL",
        PerDatabase(
            "UPDATE samples SET stored_at = min(created_at, CAST(strftime('%s', 'now') AS REAL))",
            "UPDATE samples SET stored_at = LEAST(created_at, floor(EXTRACT(EPOCH FROM now())))",
        ),
        PerDatabase(
            "UPDATE clips SET stored_at = min(created_at, CAST(strftime('%s', 'now') AS REAL))",
            "UPDATE clips SET stored_at = LEAST(created_at, floor(EXTRACT(EPOCH FROM now())))",
        ),
    ),
    # 9 → 10 (issue 65): a project's saved models in the database, for a store several servers share
    # (core.data.saved_models.model_files); one server's (SQLite) keeps them as files in the project's folder and this stays empty
    (
        """CREATE TABLE project_models (
            project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('model', 'motion', 'cpm')),
            version INTEGER NOT NULL CHECK (version > 0), digest TEXT NOT NULL, size INTEGER NOT NULL,
            files BLOB NOT NULL, saved_at REAL NOT NULL, PRIMARY KEY (project_id, kind))""",
    ),
)
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

"""Motion clips in the store: one row per take of a motion gesture, in a motion project's classes.

A clip row holds a ``core.motion.clip.Clip``: its (T, K, 3) float32 normalised, unmirrored points,
its (T,) present mask and its (T,) float64 timestamps in seconds, as raw little-endian bytes, so a
clip read back is bit-identical to the one written. Clips belong to a class (deleting the class
deletes them); a project is static (samples) or motion (clips) from its creation
(``Store.create_project(..., motion=True)``) and refuses the other kind with a message saying so.

Every write is one transaction of the store's (``Store.write_transaction``): a batch of clips is stored whole
or not at all.
"""

from __future__ import annotations

import math
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from core.classes.access import rows_clause
from core.classes.quotas import room, row_bytes
from core.data.sql.schema import (
    SOURCE_KINDS,
    STORED_NOW,
    NotFoundError,
    StoreError,
    check_source_name,
    stored_skeleton,
)
from core.data.store import Store
from core.gestures.catalog import validate_name
from core.motion.clip import Clip, ClipError

_F32, _F64 = np.dtype("<f4"), np.dtype("<f8")  # fixed byte order, as samples' blobs

_COLUMNS = (
    "k.id, c.name, k.skeleton, k.frames, k.image_w, k.image_h, k.points, k.present, k.timestamps, "
    "k.source_kind, k.source_name, k.created_at, k.backend"
)
_INSERT = (  # stored_at: the server's time, not the clip's own created_at (core.data.sql.schema.STORED_NOW)
    "INSERT INTO clips (class_id, skeleton, frames, image_w, image_h, points, present, timestamps, "
    f"source_kind, source_name, created_at, backend, stored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, {STORED_NOW})"
)


@dataclass(frozen=True)
class StoredClip:
    """A clip as the store keeps it: ``clip.label`` is its class's stored name.

    ``id`` is None until stored. ``source_kind`` is one of ``core.data.sql.schema.SOURCE_KINDS``
    ('webcam' for a recorded take, 'video' for a file, 'csv' for an import).
    """

    clip: Clip
    source_kind: str = "video"
    backend: str = "mediapipe"  # the keypoint detector the points came from
    created_at: float = field(default_factory=time.time)  # Unix seconds
    id: int | None = None

    @property
    def class_name(self) -> str:
        return str(self.clip.label)


def _project(store: Store, conn: sqlite3.Connection, project: str, motion_needed: bool) -> tuple[int, str]:
    """(id, skeleton name) of ``project``; a ``StoreError`` when it is not a motion project."""
    pid = store.project_id(conn, project)
    skeleton, motion = conn.execute("SELECT skeleton, motion FROM projects WHERE id = ?", (pid,)).fetchone()
    if motion_needed and not motion:
        raise StoreError(f"project {project!r} holds single-frame gestures (samples), not clips: "
                         "create a motion project for motion gestures (`projects create NAME --motion`)")  # fmt: skip
    return pid, skeleton


def _row(stored: StoredClip, skeleton: str, project: str) -> tuple:
    """Column values of a clip after ``class_id``; a ``StoreError`` naming the clip's source when it cannot be kept."""
    clip = stored.clip
    if not isinstance(clip, Clip):
        raise StoreError(f"expected a core.motion.clip.Clip, got {type(clip).__name__}")
    if clip.skeleton.name != skeleton:
        raise StoreError(f"{clip.source}: a {clip.skeleton.name} clip cannot enter the {skeleton} project {project!r}")
    if stored.source_kind not in SOURCE_KINDS:
        raise StoreError(f"{clip.source}: source_kind must be one of {SOURCE_KINDS}, got {stored.source_kind!r}")
    if not math.isfinite(stored.created_at):
        raise StoreError(f"{clip.source}: created_at must be finite, got {stored.created_at!r}")
    validate_name(stored.backend, "backend")
    width, height = clip.image_size
    return (
        skeleton, clip.num_frames, int(width), int(height),
        np.asarray(clip.points, _F32).tobytes(), np.asarray(clip.present, np.uint8).tobytes(),
        np.asarray(clip.timestamps, _F64).tobytes(),
        stored.source_kind, check_source_name(clip.source), float(stored.created_at), stored.backend,
    )  # fmt: skip


def add_clips(store: Store, project: str, clips: Iterable[StoredClip], create_classes: bool = False) -> list[int]:
    """Store clips (each labelled with its class) in one transaction, all or nothing; returns their ids.

    A class missing from the project raises ``NotFoundError`` unless ``create_classes`` (then it is
    appended); a label matching a class regardless of case joins it. A project that is not a
    motion project, or a clip of another skeleton, refuses the whole batch.
    """
    with store.write_transaction() as conn:
        return insert_clips(store, conn, project, clips, create_classes)


def insert_clips(store: Store, conn: sqlite3.Connection, project: str, clips: Iterable[StoredClip],
                 create_classes: bool = False, freed: Sequence[int] = ()) -> list[int]:  # fmt: skip
    """``add_clips`` inside a ``write_transaction`` of ``store`` (``core.data.bundles.bundle_import`` creates the project in
    the same one); returns the ids. ``freed``: the ids of the owner's projects this write replaces (not counted against their
    limits)."""
    ids: list[int] = []
    pid, skeleton = _project(store, conn, project, motion_needed=True)
    classes = store.class_ids(conn, pid)
    left = room(
        store, conn, pid, freed
    )  # a student's samples and bytes within their class's limits (core.classes.quotas)
    for stored in clips:
        label = stored.clip.label if isinstance(stored.clip, Clip) else None
        if label is None:
            raise StoreError(f"{getattr(stored.clip, 'source', 'clip')}: a clip needs a class (its label)")
        row = _row(stored, skeleton, project)
        if left is not None:  # over the limit: OverLimitError, the batch rolls back
            left.take(row_bytes(row))
        cid = store.class_for_label(conn, project, pid, classes, validate_name(label, "class name"), create_classes)
        ids.append(int(conn.execute(_INSERT, (cid, *row)).lastrowid))
    return ids


def add_clip(store: Store, project: str, stored: StoredClip) -> int:
    """Store one clip of an existing class; returns its id."""
    return add_clips(store, project, [stored])[0]


def _read_clip(row: Sequence) -> StoredClip:
    cid, cls, skel, frames, width, height, points, present, times, kind, source, created, backend = row
    skeleton = stored_skeleton(skel)
    shape = (frames, skeleton.num_joints, 3)
    if len(points) != math.prod(shape) * 4 or len(present) != frames or len(times) != frames * 8:
        raise StoreError(f"clip {cid} ({source}): its stored arrays do not match {frames} frames of a {skel}")
    try:
        clip = Clip(
            np.frombuffer(points, _F32).reshape(shape).astype(np.float32),
            np.frombuffer(present, np.uint8).astype(bool),
            np.frombuffer(times, _F64).astype(np.float64),
            skeleton, (width, height), cls, source,
        )  # fmt: skip
    except ClipError as exc:
        raise StoreError(f"clip {cid}: {exc}") from None
    return StoredClip(clip, kind, backend, created, cid)


def iter_clips(store: Store, project: str, class_name: str | None = None, batch: int = 64) -> Iterator[StoredClip]:
    """Clips of a project (or of one of its classes), oldest first, ``batch`` rows at a time."""
    with store.read_connection() as conn:
        where, arg = store.rows_where(conn, project, class_name, "k.class_id")
        cursor = conn.execute(
            f"SELECT {_COLUMNS} FROM clips k JOIN classes c ON c.id = k.class_id WHERE {where} ORDER BY k.id", (arg,)
        )
        while rows := cursor.fetchmany(batch):
            yield from (_read_clip(r) for r in rows)


def list_clips(store: Store, project: str, class_name: str | None = None) -> list[StoredClip]:
    """Clips of a project (or of one class), oldest first."""
    return list(iter_clips(store, project, class_name))


def get_clip(store: Store, clip_id: int) -> StoredClip:
    """One clip by id; with a viewer, only one of a project they may read."""
    scope, args = rows_clause(store.viewer, "k.class_id", change=False)
    with store.read_connection() as conn:
        row = conn.execute(
            f"SELECT {_COLUMNS} FROM clips k JOIN classes c ON c.id = k.class_id WHERE k.id = ?{scope}",
            (int(clip_id), *args),
        ).fetchone()
    if row is None:
        raise NotFoundError(f"no clip with id {clip_id}")
    return _read_clip(row)


def delete_clips(store: Store, ids: Iterable[int]) -> int:
    """Delete clips by id (unknown ids are ignored); returns how many were deleted."""
    return store.delete_rows("clips", ids)


def relabel_clips(store: Store, ids: Iterable[int], project: str, new_class: str) -> int:
    """Move clips of ``project`` to ``new_class``, all or none; every id must belong to the project."""
    return store.relabel_rows("clips", ids, project, new_class)


def clip_counts(store: Store, project: str) -> dict[str, int]:
    """Clips per class, every class included (zeros too), in display order."""
    return store.rows_per_class("clips", project)


def project_clips(store: Store, project: str) -> list[Clip]:
    """Every clip of a motion project, labelled, oldest first (what training reads)."""
    return [stored.clip for stored in iter_clips(store, project)]

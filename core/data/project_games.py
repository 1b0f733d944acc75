"""A project's Scratch game, kept with the project: one ``.sb3`` a project, a row of ``project_games``.

The bytes are checked by ``core.scratch.sb3`` before anything is written (the size before a byte is decoded), then
written in one transaction that replaces the row whole: a save that fails (a refused file, a full quota, a crash)
leaves the game saved before, and a reader sees the old game or the new one, never half of one. The row goes with
its project (``ON DELETE CASCADE``: a delete, a replace, a deleted student), a rename keeps it, and it is the same on
one server (SQLite) and on a shared store (PostgreSQL).

The class's rules are the store's (``core.data.projects.ProjectStore.project_id``): a viewer reads the game of a
project they may read (their own; the teacher, their students'), and saves or deletes only their own project's.
A student's game counts in their quota (``core.classes.quotas.usage``); a save that would take them over it is
refused in one line unless it makes them hold no more than before (a game saved again, smaller).
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from dataclasses import dataclass

from core.classes.quotas import ASK, MB, OverLimitError, room
from core.data.project_rows import ProjectRows
from core.scratch.sb3 import check_sb3

_UPSERT = ("INSERT INTO project_games (project_id, sb3, size, digest, saved_at) VALUES (?, ?, ?, ?, ?) "
           "ON CONFLICT (project_id) DO UPDATE SET sb3 = excluded.sb3, size = excluded.size, "
           "digest = excluded.digest, saved_at = excluded.saved_at")  # fmt: skip


@dataclass(frozen=True)
class StoredGame:
    """A project's saved game: the ``.sb3`` bytes as they were saved (checked by ``core.scratch.sb3``)."""

    project: str
    data: bytes
    digest: str  # SHA-256 hex of ``data``: tells one save from another
    saved_at: float  # Unix seconds, this server's clock


@dataclass(frozen=True)
class GameStamp:
    """Which game a project holds, without its bytes: enough to know whether the editor has it open."""

    digest: str
    size: int
    saved_at: float


def save_game(store: ProjectRows, project: str, data: bytes) -> GameStamp:
    """Keep ``data`` as ``project``'s game, replacing the one before whole or not at all.

    Raises ``Sb3Error`` for a file that is not a safe Scratch project, ``NotFoundError`` / ``NotYoursError`` for a
    project the store's viewer may not change, ``OverLimitError`` for a student over their class's limit; in each
    case the game saved before stays as it was."""
    check_sb3(data)  # the size first, then every check: raises before a row is touched
    stamp = GameStamp(hashlib.sha256(data).hexdigest(), len(data), time.time())
    with store.write_transaction() as conn:
        pid = store.project_id(conn, project)  # in a write: only the viewer's own project
        store_game(store, conn, pid, data, stamp)
    return stamp


def store_game(store: ProjectRows, conn: sqlite3.Connection, pid: int, data: bytes, stamp: GameStamp) -> None:
    """Inside a write transaction: the checked ``data`` as project ``pid``'s game, its owner's quota counted (the
    project file's import stores its game here too)."""
    before = room(store, conn, pid)
    insert_game(conn, pid, data, stamp)
    after = room(store, conn, pid)
    if before is not None and after is not None:
        limit = after.limits.megabytes * MB
        if after.bytes > limit and after.bytes > before.bytes:
            free = max(0, limit - before.bytes) / MB
            raise OverLimitError(f"Your game is {len(data) / MB:,.1f} MB and your class's limit of "
                                 f"{after.limits.megabytes:,} MB leaves you {free:,.1f} MB: the game was not saved; "
                                 f"{ASK} (or delete some samples first).")  # fmt: skip


def insert_game(conn: sqlite3.Connection, pid: int, data: bytes, stamp: GameStamp | None = None) -> GameStamp:
    """Inside a write transaction: the checked ``data`` as project ``pid``'s game, its quota not counted here (a
    project file's import counts the whole project once it is named: ``core.classes.quotas.check_held``)."""
    stamp = stamp or GameStamp(hashlib.sha256(data).hexdigest(), len(data), time.time())
    conn.execute(_UPSERT, (pid, data, stamp.size, stamp.digest, stamp.saved_at))
    return stamp


def game_stamp(store: ProjectRows, project: str) -> GameStamp | None:
    """Which game ``project`` holds (None: none saved), for a viewer who may read the project."""
    with store.read_connection() as conn:
        pid = store.project_id(conn, project)
        row = conn.execute("SELECT digest, size, saved_at FROM project_games WHERE project_id = ?", (pid,)).fetchone()
    return None if row is None else GameStamp(str(row[0]), int(row[1]), float(row[2]))


def load_game(store: ProjectRows, project: str) -> StoredGame | None:
    """``project``'s saved game (None: none saved), for a viewer who may read the project."""
    with store.read_connection() as conn:
        pid = store.project_id(conn, project)
        row = conn.execute("SELECT sb3, digest, saved_at FROM project_games WHERE project_id = ?", (pid,)).fetchone()
    return None if row is None else StoredGame(project, bytes(row[0]), str(row[1]), float(row[2]))


def delete_game(store: ProjectRows, project: str) -> bool:
    """Forget ``project``'s game (the viewer's own project only); whether there was one."""
    with store.write_transaction() as conn:
        pid = store.project_id(conn, project)
        return conn.execute("DELETE FROM project_games WHERE project_id = ?", (pid,)).rowcount > 0


def projects_with_games(store: ProjectRows, projects: list[str]) -> list[str]:
    """Those of ``projects`` (names the viewer may read) that hold a game, in their order."""
    found = []
    with store.read_connection() as conn:
        for project in projects:
            pid = store.project_id(conn, project)
            if conn.execute("SELECT 1 FROM project_games WHERE project_id = ?", (pid,)).fetchone():
                found.append(project)
    return found

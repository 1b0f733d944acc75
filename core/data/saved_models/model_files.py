"""A project's saved models on a shared store (PostgreSQL): rows in the database, a copy on each server.

On one server (SQLite) a project's models are files in its folder, ``projects/<name>/<kind>/``, and nothing here
runs. On a shared store (``Database.shared``) the database is the truth: one ``project_models`` row per project and
kind ("model", "motion", "cpm") holds the files (``core.data.saved_models.model_pack``), a version counting the saves and the
value's SHA-256, so every app server and worker finds a model trained on any other. A row goes with its project
(``ON DELETE CASCADE``: a delete, a replace, a deleted student), and a rename keeps it.

Reading (``current_folder``) costs one small read by primary key: a server keeps what it read in its data folder,
``model-cache/<project uid>/<kind>-<version>-<digest>/``, written whole in a temporary folder and renamed into
place, never changed afterwards. A folder of the row's version and digest is therefore the current model, whole; a
newer save elsewhere names another folder, which the next read writes. Two readers (threads or processes) writing
the same version both write it whole and one rename wins. The previous version's folder stays for a reader that is
mid-load, older ones go, and ``sweep`` removes the copies of projects deleted anywhere.

Saving (``StagedModels``, through ``core.data.saved_models.project_folders.project_folder``): inside the write transaction the
caller writes into a private copy of the project's current models; what it changed is packed and written to its
row, version + 1, in the same transaction, and put in this server's copy after the commit. A save that fails or is
stopped halfway changes no row and no copy: the previous model stays whole on every server.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from core.data.project_rows import ProjectRows
from core.data.saved_models.model_pack import (
    DESCRIPTIONS,
    MAX_MODEL_BYTES,
    ModelRowError,
    digest,
    folder_files,
    pack,
    unpack,
)
from core.data.sql.schema import StoreError
from core.io.atomic import move, write_bytes

CACHE_FOLDER = "model-cache"
KINDS = tuple(DESCRIPTIONS)
SWEEP_EVERY_S = 60.0  # how often a process looks for copies of deleted projects (on a read)
LEFTOVER_S = 3600.0  # a temporary or staging folder this old was left by a killed process
_VERSION_FOLDER = re.compile(r"(model|motion|cpm)-(\d+)-[0-9a-f]{16}")
_TEMPORARY = (".tmp-", ".stage-")
_swept: dict[str, float] = {}
_WHAT = {"model": "the gesture model", "motion": "the motion model", "cpm": "the fine-tuned network"}
_UPSERT = ("INSERT INTO project_models (project_id, kind, version, digest, size, files, saved_at) "
           "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, kind) DO UPDATE SET version = excluded.version, "
           "digest = excluded.digest, size = excluded.size, files = excluded.files, saved_at = excluded.saved_at")  # fmt: skip


def cache_root(data_dir: Path) -> Path:
    """Where this server keeps its copies of the shared store's models."""
    return data_dir / CACHE_FOLDER


def _folder_name(kind: str, version: int, value_digest: str) -> str:
    return f"{kind}-{version}-{value_digest[:16]}"


def _identity(conn: sqlite3.Connection, pid: int) -> str:
    return str(conn.execute("SELECT uid FROM projects WHERE id = ?", (pid,)).fetchone()[0])


def current_folder(store: ProjectRows, project: str, kind: str) -> Path:
    """The folder of ``project``'s current ``kind`` model on this server, written from the store first when this
    server has no copy of that version; a folder that does not exist when the project has no such model.
    ``NotFoundError`` for an unknown project (or one the viewer may not read). Writes no row: a read-only store
    may look."""
    with store.read_connection() as conn:
        pid = store.project_id(conn, project)
        folder = _current(conn, store.data_dir, pid, _identity(conn, pid), kind)
    sweep(store)
    return folder


def _current(conn: sqlite3.Connection, data_dir: Path, pid: int, uid: str, kind: str) -> Path:
    root = cache_root(data_dir) / uid
    row = conn.execute("SELECT version, digest FROM project_models WHERE project_id = ? AND kind = ?",
                       (pid, kind)).fetchone()  # fmt: skip
    if row is None:
        _prune(root, kind, keep=())
        return root / f"{kind}-none"
    folder = root / _folder_name(kind, int(row[0]), str(row[1]))
    return folder if folder.is_dir() else _materialise(conn, root, pid, kind)


def _materialise(conn: sqlite3.Connection, root: Path, pid: int, kind: str) -> Path:
    """The row's model written to this server's copy: its size is checked before its bytes are read."""
    sql = "SELECT version, digest, files FROM project_models WHERE project_id = ? AND kind = ? AND length(files) <= ?"
    params = (pid, kind, MAX_MODEL_BYTES)
    if isinstance(conn, sqlite3.Connection):
        row = conn.execute(sql, params).fetchone()
    else:  # PostgreSQL: the value's bytes as they are, not as hex text
        row = conn.execute(sql, params, binary=True).fetchone()  # type: ignore[call-arg] - PgConnection's
    if row is None:
        size = conn.execute("SELECT size FROM project_models WHERE project_id = ? AND kind = ?", (pid, kind)).fetchone()
        if size is None:  # deleted since the first look
            return root / f"{kind}-none"
        raise ModelRowError(f"{_WHAT[kind]} in the store takes {size[0]:,} bytes, more than the {MAX_MODEL_BYTES:,} "
                            "this server reads: train it again")  # fmt: skip
    version, value_digest, value = int(row[0]), str(row[1]), bytes(row[2])
    if digest(value) != value_digest:
        raise ModelRowError(f"{_WHAT[kind]} in the store is damaged (its checksum): train it again")
    folder = root / _folder_name(kind, version, value_digest)
    install(unpack(value, _WHAT[kind]), folder)
    return folder


def install(files: dict[str, bytes], folder: Path) -> None:
    """``files`` as the version folder ``folder``, whole: written in a temporary folder beside it, then renamed in
    (another process that renamed the same version in first wins; its folder holds the same files). Older versions
    of the kind go, but the newest of them, which a reader may be loading."""
    kind = folder.name.split("-", 1)[0]
    if not folder.is_dir():
        temporary = folder.parent / f".tmp-{uuid.uuid4().hex[:12]}"
        try:
            temporary.mkdir(parents=True)
            for name, data in files.items():
                write_bytes(temporary / name, data)
            try:
                move(temporary, folder)
            except OSError:
                if not folder.is_dir():
                    raise
        except OSError as exc:
            raise StoreError(f"this server cannot keep its copy of {_WHAT.get(kind, 'the model')}: "
                             f"{exc.strerror or exc}") from None  # fmt: skip  # no path: it may reach a page
        finally:
            shutil.rmtree(temporary, ignore_errors=True)
    _prune(folder.parent, kind, keep=(folder.name,))


def _prune(root: Path, kind: str, keep: tuple[str, ...]) -> None:
    """Remove ``kind``'s version folders in ``root`` older than the kept one, but the newest of them (a reader may be
    loading it); a newer one stays (another reader's, just written). Nothing kept: every one goes."""
    try:
        names = [p.name for p in root.iterdir()]
    except OSError:
        return
    versions = sorted((int(m.group(2)), n) for n in names if (m := _VERSION_FOLDER.fullmatch(n)) and m.group(1) == kind)
    kept = [v for v, n in versions if n in keep]
    older = [n for v, n in versions if not kept or (v <= kept[0] and n not in keep)]
    for name in older[:-1] if kept else older:
        shutil.rmtree(root / name, ignore_errors=True)


def sweep(store: ProjectRows, force: bool = False) -> int:
    """Remove this server's copies of projects deleted anywhere, and temporary folders a killed process left; at
    most every ``SWEEP_EVERY_S`` (``force``: now). Returns how many project copies went."""
    root = cache_root(store.data_dir)
    now = time.time()
    if not force and now - _swept.get(str(root), 0.0) < SWEEP_EVERY_S:
        return 0
    _swept[str(root)] = now
    try:
        folders = [p for p in root.iterdir() if p.is_dir()]
    except OSError:
        return 0
    with store.read_connection() as conn:
        alive = {str(r[0]) for r in conn.execute("SELECT uid FROM projects")}
    gone = 0
    for folder in folders:
        try:
            changed = folder.stat().st_mtime
        except OSError:
            continue
        if folder.name not in alive and changed < now:  # a copy made since the look may be a new project's
            shutil.rmtree(folder, ignore_errors=True)
            gone += 1
            continue
        for leftover in folder.iterdir():
            try:
                if leftover.name.startswith(_TEMPORARY) and leftover.stat().st_mtime < now - LEFTOVER_S:
                    shutil.rmtree(leftover, ignore_errors=True)
            except OSError:
                continue
    return gone


@dataclass(frozen=True)
class Published:
    """A model written to its row in a transaction not yet committed: put in this server's copy after the commit."""

    kind: str
    version: int
    digest: str
    files: dict[str, bytes]


def publish(conn: sqlite3.Connection, pid: int, kind: str, files: dict[str, bytes]) -> Published:
    """Inside a write transaction: ``files`` become the project's ``kind`` model, version + 1; ``ModelRowError``
    before anything is written when they are too large."""
    value = pack(files, _WHAT[kind])
    row = conn.execute("SELECT version FROM project_models WHERE project_id = ? AND kind = ?", (pid, kind)).fetchone()
    version = 1 if row is None else int(row[0]) + 1
    value_digest = digest(value)
    conn.execute(_UPSERT, (pid, kind, version, value_digest, len(value), value, time.time()))
    return Published(kind, version, value_digest, files)


def publish_folder(conn: sqlite3.Connection, pid: int, folder: Path) -> list[Published]:
    """Inside a write transaction: every model saved in the project folder ``folder`` (an imported project's)
    becomes the project's row."""
    return [publish(conn, pid, kind, folder_files(folder / kind, kind, _WHAT[kind]))
            for kind, description in DESCRIPTIONS.items() if (folder / kind / description).is_file()]  # fmt: skip


def unpublish(store: ProjectRows, project: str, kind: str) -> bool:
    """Delete ``project``'s ``kind`` model from the store (every server then finds none); True if there was one."""
    with store.write_transaction() as conn:
        pid = store.project_id(conn, project)
        deleted = conn.execute("DELETE FROM project_models WHERE project_id = ? AND kind = ?", (pid, kind)).rowcount
        uid = _identity(conn, pid)
    _prune(cache_root(store.data_dir) / uid, kind, keep=())
    return deleted > 0


def _snapshot(folder: Path) -> frozenset[tuple[str, int, int, int]]:
    """What tells a folder's files apart from a rewrite of them (name, inode, time, size)."""
    if not folder.is_dir():
        return frozenset()
    found = ((p.name, p.stat()) for p in folder.iterdir() if p.is_file())
    return frozenset((name, s.st_ino, s.st_mtime_ns, s.st_size) for name, s in found)


def _link(source: str, target: str) -> None:
    """``target`` as a second name of ``source`` (a copy where the disk has no links): the model writers replace a
    file whole (``core.io.atomic``), never write into one, so this server's copy stays as it was."""
    try:
        Path(target).hardlink_to(source)
    except OSError:
        shutil.copyfile(source, target)


class StagedModels:
    """A project's models to change inside one write transaction (see the module docstring): ``folder`` holds a
    copy of each current model in its kind's folder, as the project's folder does on one server. A writer there
    replaces files whole (``core.io.atomic``): they are links to this server's copy."""

    def __init__(self, conn: sqlite3.Connection, data_dir: Path, pid: int) -> None:
        self.pid, self.data_dir = pid, data_dir
        self.root = cache_root(data_dir) / _identity(conn, pid)
        self.folder = self.root / f".stage-{uuid.uuid4().hex[:12]}"
        self.folder.mkdir(parents=True)
        for kind in KINDS:
            current = _current(conn, data_dir, pid, self.root.name, kind)
            if current.is_dir():
                shutil.copytree(current, self.folder / kind, copy_function=_link)
        self._before = {kind: _snapshot(self.folder / kind) for kind in KINDS}

    def publish(self, conn: sqlite3.Connection) -> list[Published]:
        """Write each model the block changed to its row (a kind's folder removed: its row deleted)."""
        done = []
        for kind in KINDS:
            if _snapshot(self.folder / kind) == self._before[kind]:
                continue
            if (self.folder / kind / DESCRIPTIONS[kind]).is_file():
                done.append(publish(conn, self.pid, kind, folder_files(self.folder / kind, kind, _WHAT[kind])))
            else:
                conn.execute("DELETE FROM project_models WHERE project_id = ? AND kind = ?", (self.pid, kind))
        return done

    def keep(self, published: list[Published]) -> None:
        """After the commit: this server's copy of what was published (a failure here is only a copy missed, which
        the next read writes)."""
        for saved in published:
            with contextlib.suppress(StoreError):
                install(saved.files, self.root / _folder_name(saved.kind, saved.version, saved.digest))

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

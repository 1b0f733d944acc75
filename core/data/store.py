"""SQLite store: projects → classes → samples, one ``handteach.sqlite`` per data directory.

Keypoints are kept as raw little-endian float32 bytes, so a ``Keypoints`` read back is
bit-identical to the one written (NaN world points included). Coordinate spaces
are those of ``core.types``: ``pixel`` (K, 2) unmirrored-frame pixels,
``normalised`` (K, 3), ``world`` (K, 3) metres or NaN, ``visibility`` (K,) or none, K being
the joints of the sample's skeleton. A project has one skeleton (hand or body) and holds
samples of that skeleton only.

Concurrency and crash safety: every public call opens its own connection (cheap,
and safe from any thread or process) and every write is one ``BEGIN IMMEDIATE``
transaction in WAL mode with ``synchronous=FULL``, so a killed process loses at
most the transaction in flight. ``add_samples`` writes a batch in a single transaction,
validating each sample as it goes: a bad sample rolls back the batch and leaves nothing behind.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from urllib.parse import quote

from core.data.schema import (
    DB_NAME,
    INSERT_SAMPLE,
    MIGRATIONS,
    SAMPLE_COLUMN_COUNT,
    SAMPLE_COLUMNS,
    SCHEMA_VERSION,
    DuplicateNameError,
    NotFoundError,
    Sample,
    StoreError,
    default_data_dir,
    explain_sqlite_error,
    row_to_sample,
    sample_to_row,
    stored_skeleton,
    validate_emoji,
)
from core.gestures.catalog import DEFAULT_CLASSES, DEFAULT_PROJECT, GestureClass, validate_name
from core.skeletons import HAND_21, Skeleton
from core.types import KEYPOINT_BACKENDS, Keypoints


class Store:
    """All projects, classes and samples of one data directory (see the module docstring)."""

    def __init__(self, data_dir: Path | str | None = None, read_only: bool = False) -> None:
        """Open (and with ``read_only`` False, create or migrate) the store of ``data_dir``.

        ``read_only`` never writes a byte, so listing and exporting work on a full disk or a
        read-only folder; a write then raises ``StoreError``. A writable store writes only
        when the database is new or its schema is older (the migration).
        """
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        self.path = self.data_dir / DB_NAME
        self.read_only = read_only
        self._uri = f"file:{quote(str(self.path.resolve()))}?mode=ro" if read_only else None
        try:
            if read_only:
                self._open_read_only()
            else:
                self._create_or_migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a usable handteach SQLite database: {exc}") from exc

    # -- connections -------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        # Autocommit mode: transactions are opened explicitly in _write.
        if self._uri is not None:
            return sqlite3.connect(self._uri, uri=True, timeout=30.0, isolation_level=None)
        conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = FULL")
        return conn

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        try:
            with closing(self._connect()) as conn:
                yield conn
        except sqlite3.OperationalError as exc:
            raise self._explain(exc) from exc

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        if self.read_only:
            raise StoreError(f"{self.path}: the store was opened read-only; this change needs a writable one")
        try:
            with closing(self._connect()) as conn:
                conn.execute("BEGIN IMMEDIATE")  # take the write lock now, not halfway through
                try:
                    yield conn
                except BaseException:
                    if conn.in_transaction:  # SQLite may already have rolled back after some errors
                        conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            raise self._explain(exc) from exc

    def _explain(self, exc: sqlite3.OperationalError) -> StoreError:
        return explain_sqlite_error(self.path, exc)

    def _open_read_only(self) -> None:
        if not self.path.is_file():
            raise NotFoundError(f"{self.path}: no handteach database here yet")
        try:
            version = self.schema_version()
        except StoreError:
            # WAL reading needs its -shm file, which a full disk or a read-only folder may not
            # let SQLite create. With no unmerged WAL left, the file alone holds every commit,
            # and nothing can change it meanwhile: SQLite may read it as immutable.
            wal = self.path.with_name(self.path.name + "-wal")
            if wal.exists() and wal.stat().st_size:
                raise
            self._uri = f"{self._uri}&immutable=1"
            version = self.schema_version()
        if version != SCHEMA_VERSION:
            raise StoreError(f"{self.path}: schema version {version}, this handteach reads {SCHEMA_VERSION}; "
                             "run a command that writes (e.g. `classes add`) with this handteach to upgrade it")  # fmt: skip

    def _create_or_migrate(self) -> None:
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the data directory {self.data_dir}: {exc}") from exc
        if self.path.is_file() and self.schema_version() == SCHEMA_VERSION:
            return  # nothing to write: a full disk must not stop a store from opening
        with closing(self._connect()) as conn:
            if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
                raise StoreError(f"{self.path}: cannot switch the database to WAL mode")
        with self._write() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path} has schema version {version}, but this handteach knows only up to "
                    f"{SCHEMA_VERSION}; update handteach to open it"
                )
            for steps in MIGRATIONS[version:]:
                for statement in steps:
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def schema_version(self) -> int:
        with self._read() as conn:
            return conn.execute("PRAGMA user_version").fetchone()[0]

    # -- projects ------------------------------------------------------------------

    @staticmethod
    def _project_id(conn: sqlite3.Connection, project: str) -> int:
        name = validate_name(project, "project name")
        row = conn.execute("SELECT id FROM projects WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise NotFoundError(f"no project named {name!r}")
        return row[0]

    def list_projects(self) -> list[str]:
        with self._read() as conn:
            return [r[0] for r in conn.execute("SELECT name FROM projects ORDER BY name")]

    def create_project(
        self,
        name: str,
        default_classes: bool = True,
        backend: str = "mediapipe",
        skeleton: str = "hand",
        motion: bool = False,
    ) -> str:
        """Create a project; returns the cleaned name.

        ``skeleton`` names the keypoint layout its samples must have (``core.skeletons``); only a hand
        project gets ``DEFAULT_CLASSES`` (unless told not to) and may take the CPM backend, a hand model.
        ``motion`` marks a project of motion gestures (clips), fixed like the skeleton.
        """
        name = validate_name(name, "project name")
        if backend not in KEYPOINT_BACKENDS:
            raise ValueError(f"unknown keypoint backend {backend!r}: choose one of {', '.join(KEYPOINT_BACKENDS)}")
        layout = stored_skeleton(skeleton)
        if layout != HAND_21 and backend == "cpm":
            raise StoreError(f"backend 'cpm' cannot serve the {layout.name} project {name!r}: the CPM is a hand model")
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM projects WHERE name = ?", (name,)).fetchone():
                raise DuplicateNameError(f"a project named {name!r} already exists")
            cur = conn.execute(
                "INSERT INTO projects (name, backend, created_at, skeleton, motion) VALUES (?, ?, ?, ?, ?)",
                (name, backend, time.time(), layout.name, int(bool(motion))),
            )
            classes = DEFAULT_CLASSES if default_classes and layout == HAND_21 else ()
            conn.executemany(
                "INSERT INTO classes (project_id, name, emoji, mirror, position) VALUES (?, ?, ?, ?, ?)",
                [(cur.lastrowid, c.name, c.emoji, c.mirror, i) for i, c in enumerate(classes)],
            )
        return name

    def ensure_project(self, name: str = DEFAULT_PROJECT) -> str:
        """The project ``name``, created with the default classes if it does not exist yet."""
        name = validate_name(name, "project name")
        if name in self.list_projects():
            return name  # a read: works while another program writes
        try:
            return self.create_project(name)
        except DuplicateNameError:
            return name

    def delete_project(self, name: str) -> None:
        """Delete a project, its classes, samples and its folder (saved models)."""
        with self._write() as conn:
            conn.execute("DELETE FROM projects WHERE id = ?", (self._project_id(conn, name),))
        shutil.rmtree(self.data_dir / "projects" / validate_name(name), ignore_errors=True)

    def rename_project(self, old: str, new: str) -> str:
        """Rename a project and its folder; returns the cleaned new name."""
        old, new = validate_name(old, "project name"), validate_name(new, "new project name")
        old_dir, new_dir = self.data_dir / "projects" / old, self.data_dir / "projects" / new
        with self._write() as conn:
            pid = self._project_id(conn, old)
            if conn.execute("SELECT 1 FROM projects WHERE name = ?", (new,)).fetchone() or new_dir.exists():
                raise DuplicateNameError(f"a project named {new!r} already exists")
            conn.execute("UPDATE projects SET name = ? WHERE id = ?", (new, pid))
            if old_dir.exists():  # inside the transaction: a failed move rolls the rename back
                old_dir.rename(new_dir)
        return new

    def _project_column(self, name: str, column: str) -> object:
        with self._read() as conn:
            pid = self._project_id(conn, name)
            return conn.execute(f"SELECT {column} FROM projects WHERE id = ?", (pid,)).fetchone()[0]

    def project_backend(self, name: str) -> str:
        return str(self._project_column(name, "backend"))

    def project_skeleton(self, name: str) -> Skeleton:
        """The keypoint layout every sample of the project has."""
        return stored_skeleton(str(self._project_column(name, "skeleton")))

    def project_is_motion(self, name: str) -> bool:
        return bool(self._project_column(name, "motion"))

    def project_dir(self, project: str, create: bool = True) -> Path:
        """``data_dir/projects/<project>``, created on demand unless ``create`` is False (the model lives there)."""
        with self._read() as conn:
            self._project_id(conn, project)
        path = self.data_dir / "projects" / validate_name(project)
        if create:
            path.mkdir(parents=True, exist_ok=True)
        return path

    # -- classes --------------------------------------------------------------------

    @staticmethod
    def _class_ids(conn: sqlite3.Connection, pid: int) -> dict[str, int]:
        rows = conn.execute("SELECT name, id FROM classes WHERE project_id = ? ORDER BY position, id", (pid,))
        return dict(rows.fetchall())

    def _class_id(self, conn: sqlite3.Connection, project: str, name: str) -> tuple[int, int]:
        """(project id, class id) of a class, or NotFoundError naming what is missing."""
        name = validate_name(name, "class name")
        pid = self._project_id(conn, project)
        ids = self._class_ids(conn, pid)
        stored = _same_name(name, ids)
        if stored is None:
            raise NotFoundError(f"project {project!r} has no class named {name!r}")
        return pid, ids[stored]

    def class_named(self, project: str, name: str) -> str | None:
        """The stored name of the class ``name`` denotes ("OK" and " ok " denote "ok"), or None."""
        name = validate_name(name, "class name")
        with self._read() as conn:
            return _same_name(name, self._class_ids(conn, self._project_id(conn, project)))

    def list_classes(self, project: str) -> list[GestureClass]:
        """The classes of ``project`` in display order."""
        with self._read() as conn:
            pid = self._project_id(conn, project)
            rows = conn.execute(
                "SELECT name, emoji, mirror FROM classes WHERE project_id = ? ORDER BY position, id", (pid,)
            )
            return [GestureClass(*r) for r in rows]

    def add_class(self, project: str, name: str, emoji: str = "", mirror: str = "") -> GestureClass:
        """Append a class; ``mirror`` names its mirror partner (may be added later), "" for symmetric."""
        with self._write() as conn:
            gesture = self._insert_class(conn, self._project_id(conn, project), name, emoji, mirror)
        return gesture

    def _insert_class(self, conn: sqlite3.Connection, pid: int, name: str, emoji: str, mirror: str) -> GestureClass:
        name = validate_name(name, "class name")
        mirror = validate_name(mirror, "mirror") if mirror else ""
        gesture = GestureClass(name, validate_emoji(emoji), "" if mirror == name else mirror)
        existing = self._class_ids(conn, pid)
        taken = _same_name(gesture.name, existing)
        if taken is not None:  # "Peace" beside "peace" would be two classes the user cannot tell apart
            raise DuplicateNameError(f"the project already has a class named {taken!r}")
        if gesture.mirror and gesture.mirror not in existing:
            raise NotFoundError(f"mirror {gesture.mirror!r}: the project has no class of that name; add it first")
        (position,) = conn.execute("SELECT COALESCE(MAX(position) + 1, 0) FROM classes WHERE project_id = ?", (pid,))
        conn.execute(
            "INSERT INTO classes (project_id, name, emoji, mirror, position) VALUES (?, ?, ?, ?, ?)",
            (pid, gesture.name, gesture.emoji, gesture.mirror, position[0]),
        )
        return gesture

    def rename_class(self, project: str, old: str, new: str) -> str:
        """Rename a class, keeping its samples; mirror references to it follow. Returns the new name."""
        new = validate_name(new, "new class name")
        with self._write() as conn:
            pid, cid = self._class_id(conn, project, old)
            taken = _same_name(new, (n for n, i in self._class_ids(conn, pid).items() if i != cid))
            if taken is not None:
                raise DuplicateNameError(f"project {project!r} already has a class named {taken!r}")
            (old,) = conn.execute("SELECT name FROM classes WHERE id = ?", (cid,)).fetchone()  # as stored
            conn.execute("UPDATE classes SET name = ? WHERE id = ?", (new, cid))
            conn.execute("UPDATE classes SET mirror = ? WHERE project_id = ? AND mirror = ?", (new, pid, old))
        return new

    def delete_class(self, project: str, name: str) -> None:
        """Delete a class and its samples; classes that named it as mirror become symmetric."""
        with self._write() as conn:
            pid, cid = self._class_id(conn, project, name)
            (name,) = conn.execute("SELECT name FROM classes WHERE id = ?", (cid,)).fetchone()  # as stored
            conn.execute("DELETE FROM classes WHERE id = ?", (cid,))
            conn.execute("UPDATE classes SET mirror = '' WHERE project_id = ? AND mirror = ?", (pid, name))

    def clear_class(self, project: str, name: str) -> int:
        """Delete the samples (or a motion project's clips) of a class, keep the class; returns how many were deleted."""
        with self._write() as conn:
            _, cid = self._class_id(conn, project, name)
            clips = conn.execute("DELETE FROM clips WHERE class_id = ?", (cid,)).rowcount
            return clips + conn.execute("DELETE FROM samples WHERE class_id = ?", (cid,)).rowcount

    # -- samples ----------------------------------------------------------------------

    def add_sample(self, project: str, sample: Sample) -> int:
        """Store one sample of an existing class; returns its id."""
        return self.add_samples(project, [sample])[0]

    def add_samples(self, project: str, samples: Iterable[Sample], create_classes: bool = False) -> list[int]:
        """Store a batch in one transaction (all or nothing); returns the new ids in order.

        With ``create_classes``, classes missing from the project are appended (used by CSV
        import); otherwise a sample of an unknown class raises ``NotFoundError``. A sample
        whose skeleton is not the project's refuses the batch.
        """
        ids: list[int] = []
        self._insert_samples(project, samples, create_classes, lambda sid, _: ids.append(sid))
        return ids

    def _sample_class(self, conn: sqlite3.Connection, project: str, pid: int, ids: dict[str, int], name: str,
                      create: bool) -> int:  # fmt: skip
        """Class id for a sample labelled ``name``; ``ids`` (name → id) gains a class created here.

        A label matching a class regardless of case joins it: a kinivi "OK" is the default project's "ok".
        """
        stored = _same_name(name, ids)
        if stored is None:
            if not create:
                raise NotFoundError(f"project {project!r} has no class named {name!r}")
            self._insert_class(conn, pid, name, "", "")
            ids.update(self._class_ids(conn, pid))
            stored = name
        return ids[stored]

    def add_sample_stream(self, project: str, samples: Iterable[Sample], create_classes: bool = False) -> Counter[str]:
        """``add_samples`` for a stream of any length (a 1M-row CSV import); returns samples per class.

        Memory stays flat: each sample is validated and inserted as it comes, and anything raised,
        by a sample or by ``samples`` itself, rolls back the whole batch.
        """
        per_class: Counter[str] = Counter()
        self._insert_samples(project, samples, create_classes, lambda _, name: per_class.update((name,)))
        return per_class

    def _insert_samples(self, project: str, samples: Iterable[Sample], create_classes: bool,
                        inserted: Callable[[int, str], object]) -> None:  # fmt: skip
        """The one write path of samples: one transaction; ``inserted(id, stored class name)`` after each."""
        with self._write() as conn:
            pid = self._project_id(conn, project)
            skeleton, motion = conn.execute("SELECT skeleton, motion FROM projects WHERE id = ?", (pid,)).fetchone()
            if motion:  # its gestures are clips (core.data.clips)
                raise StoreError(f"project {project!r} is a motion project: it holds clips of motion gestures, "
                                 "not single-frame samples")  # fmt: skip
            ids = self._class_ids(conn, pid)
            names = {i: n for n, i in ids.items()}
            for sample in samples:
                row, name = sample_to_row(sample), validate_name(sample.class_name, "class name")
                if sample.hand.skeleton.name != skeleton:  # raising rolls back the samples already inserted
                    raise StoreError(
                        f"a {sample.hand.skeleton.name} sample cannot enter the {skeleton} project {project!r}"
                    )
                cid = self._sample_class(conn, project, pid, ids, name, create_classes)
                inserted(int(conn.execute(INSERT_SAMPLE, (cid, *row)).lastrowid), names.setdefault(cid, name))

    def iter_samples(
        self, project: str, class_name: str | None = None, with_crops: bool = False, batch: int = 256
    ) -> Iterator[Sample]:
        """Samples of a project (or of one class), oldest first, read ``batch`` rows at a time (flat memory)."""
        cols = SAMPLE_COLUMNS + (", s.crop_jpeg" if with_crops else "")
        with self._read() as conn:
            if class_name is None:
                where, arg = "c.project_id = ?", self._project_id(conn, project)
            else:
                where, arg = "s.class_id = ?", self._class_id(conn, project, class_name)[1]
            cursor = conn.execute(
                f"SELECT {cols} FROM samples s JOIN classes c ON c.id = s.class_id WHERE {where} ORDER BY s.id", (arg,)
            )
            while rows := cursor.fetchmany(batch):
                yield from (_sample(r, with_crops) for r in rows)

    def list_samples(self, project: str, class_name: str | None = None, with_crops: bool = False) -> list[Sample]:
        """Samples of a project (or of one class), oldest first."""
        return list(self.iter_samples(project, class_name, with_crops))

    def get_sample(self, sample_id: int, with_crop: bool = True) -> Sample:
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {SAMPLE_COLUMNS}, s.crop_jpeg FROM samples s JOIN classes c ON c.id = s.class_id WHERE s.id = ?",
                (int(sample_id),),
            ).fetchone()
        if row is None:
            raise NotFoundError(f"no sample with id {sample_id}")
        return _sample(row, with_crop)

    def delete_samples(self, ids: Iterable[int]) -> int:
        """Delete samples by id (unknown ids are ignored); returns how many were deleted."""
        ids = [int(i) for i in ids]
        with self._write() as conn:
            return sum(conn.execute("DELETE FROM samples WHERE id = ?", (i,)).rowcount for i in ids)

    def relabel_samples(self, ids: Iterable[int], project: str, new_class: str) -> int:
        """Move samples of ``project`` to ``new_class``; all ids must belong to the project."""
        ids = sorted({int(i) for i in ids})
        with self._write() as conn:
            pid, cid = self._class_id(conn, project, new_class)
            for i in ids:
                changed = conn.execute(
                    "UPDATE samples SET class_id = ? WHERE id = ? AND class_id IN "
                    "(SELECT id FROM classes WHERE project_id = ?)",
                    (cid, i, pid),
                ).rowcount
                if not changed:  # raising rolls back the ones already moved
                    raise NotFoundError(f"project {project!r} has no sample with id {i}")
        return len(ids)

    def class_counts(self, project: str) -> dict[str, int]:
        """Samples per class, every class included (zeros too), in display order."""
        with self._read() as conn:
            pid = self._project_id(conn, project)
            rows = conn.execute(
                "SELECT c.name, COUNT(s.id) FROM classes c LEFT JOIN samples s ON s.class_id = c.id "
                "WHERE c.project_id = ? GROUP BY c.id ORDER BY c.position, c.id",
                (pid,),
            )
            return dict(rows.fetchall())

    def sample_arrays(self, project: str) -> tuple[list[Keypoints], list[str]]:
        """Every hand of the project with its class name, oldest first, without crops (for training)."""
        samples = self.list_samples(project)
        return [s.hand for s in samples], [s.class_name for s in samples]


def _sample(row: Sequence, with_crop: bool) -> Sample:
    """A row of ``SAMPLE_COLUMNS``, with the crop column appended when ``with_crop``."""
    return row_to_sample(row[:SAMPLE_COLUMN_COUNT], row[SAMPLE_COLUMN_COUNT] if with_crop else None)


def _same_name(name: str, names: Iterable[str]) -> str | None:
    """The one of ``names`` equal to ``name``, else equal regardless of case (names are stored stripped), or None."""
    names = list(names)
    name = name.strip()
    if name in names:
        return name
    key = name.casefold()
    return next((n for n in names if n.casefold() == key), None)

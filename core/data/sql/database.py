"""The store's database: a connection per call, one transaction per write, migrations.

One interface, two databases: the SQLite file of the data directory (the default; ``make run`` needs no database
server), or PostgreSQL when ``HANDTEACH_DATABASE_URL=postgresql://...`` is set (``core.data.sql.postgres``,
with the same guarantees; the rest of this docstring is SQLite's side). The data directory keeps the projects'
folders (their models) with SQLite, and this server's copies of the models' rows with PostgreSQL
(``core.data.saved_models.model_files``).

Concurrency and crash safety: every public call takes its own connection (safe from any thread
or process; reads reuse a few idle ones, see ``read_connection``) and every write is one ``BEGIN IMMEDIATE`` transaction in WAL
mode with ``synchronous=FULL``, so a killed process loses at most the transaction in flight.
The lock is taken by ``core.data.sql.write_lock`` (polled, fair to a writer waiting behind an import's
batches, a "busy" notice after a second, and a refusal naming no path after 30 s).
A read-only ``Database`` never writes a byte (listing and exporting work on a full disk).
``core.data.store.Store`` builds projects, classes and samples on it.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from core.data.sql.schema import (
    DB_NAME,
    LOCK_WAIT_S,
    MIGRATIONS,
    SCHEMA_VERSION,
    NotFoundError,
    StoreError,
    default_data_dir,
    explain_sqlite_error,
)
from core.data.sql.write_lock import begin_immediate
from core.io.fds import SQLITE_MARKERS, out_of_fds, too_many_open_files_text

if TYPE_CHECKING:
    from core.data.sql.postgres import PostgresBackend

TRUNCATE_WAIT_S = 0.2  # how long ``truncate_wal`` waits for a writer or an older reader to finish
IDLE_READERS = 4  # read connections kept open for the next read (3 descriptors each: the file, its WAL, its -shm)
URL_VARIABLE = "HANDTEACH_DATABASE_URL"  # set: the store is on that PostgreSQL database, not in the data directory


def database_url() -> str:
    """``HANDTEACH_DATABASE_URL``, or "" for the data directory's SQLite file."""
    return os.environ.get(URL_VARIABLE, "").strip()


def store_exists(data_dir: Path | str | None = None) -> bool:
    """Whether there is a store to look at (a command that only reads opens none where this is False, so creates
    nothing): the data directory's ``handteach.sqlite`` (a folder there: True, and the ``Database`` names it), or
    with ``HANDTEACH_DATABASE_URL`` set the store's schema in that database (a wrong or unreachable URL:
    ``StoreError``, one line without the password)."""
    if url := database_url():
        from core.data.sql.postgres import schema_present

        return schema_present(url)
    return (Path(data_dir) if data_dir is not None else default_data_dir()).joinpath(DB_NAME).exists()


def _check_store_file(path: Path) -> None:
    """A store path holding something other than a file: SQLite would say only "unable to open database file",
    and a look would find no database and list nothing."""
    if not path.exists() or path.is_file():
        return
    what = "is a folder" if path.is_dir() else "is not a regular file (a FIFO, socket or device)"
    raise StoreError(f"{path} {what}, not a handteach store: move it away, or give --data (HANDTEACH_DATA) "
                     "another folder")  # fmt: skip


class Database:
    """The store's database: the SQLite file of one data directory, or PostgreSQL (see the module docstring)."""

    def __init__(self, data_dir: Path | str | None = None, read_only: bool = False) -> None:
        """Open (and with ``read_only`` False, create or migrate) the store of ``data_dir``, or the PostgreSQL
        database ``HANDTEACH_DATABASE_URL`` names (a wrong or unreachable one: ``StoreError``, nothing created).

        ``read_only`` never writes a byte, so listing and exporting work on a full disk or a
        read-only folder; a write then raises ``StoreError``. A writable store writes only
        when the database is new or its schema is older (the migration).
        """
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        if self.data_dir.exists() and not self.data_dir.is_dir():
            raise StoreError(f"{self.data_dir}: not a folder (the data directory holds {DB_NAME} and the projects)")
        self.path = self.data_dir / DB_NAME
        _check_store_file(self.path)
        self.read_only = read_only
        self._idle_readers: list[sqlite3.Connection] = []
        self._idle_lock = threading.Lock()
        self._uri = f"file:{quote(str(self.path.resolve()))}?mode=ro" if read_only else None
        self._postgres: PostgresBackend | None = None
        if url := database_url():
            from core.data.sql.postgres import PostgresBackend  # psycopg only where it is used

            self._postgres = PostgresBackend(url, read_only)
            return
        try:
            if read_only:
                self._open_read_only()
            else:
                self._create_or_migrate()
        except sqlite3.DatabaseError as exc:
            if out_of_fds(exc, SQLITE_MARKERS):
                raise StoreError(f"{self.path}: {too_many_open_files_text()}") from exc
            raise StoreError(f"{self.path}: not a usable handteach SQLite database: {exc}") from exc

    @property
    def shared(self) -> bool:
        """Whether several servers share this store (PostgreSQL): what one server keeps for all of them (the session
        secret, models) then lives in the database rather than in this server's data directory."""
        return self._postgres is not None

    # -- connections -------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        # Autocommit mode: transactions are opened explicitly in write_transaction. Any thread may use a
        # connection (one at a time): the idle readers move between Streamlit's script threads.
        if self._uri is not None:
            return sqlite3.connect(self._uri, uri=True, timeout=LOCK_WAIT_S, isolation_level=None,
                                   check_same_thread=False)  # fmt: skip
        conn = sqlite3.connect(self.path, timeout=LOCK_WAIT_S, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = FULL")
        return conn

    @contextmanager
    def read_connection(self) -> Iterator[sqlite3.Connection]:
        """A connection for reads; SQLite's errors become ``StoreError`` naming the file.

        An idle one is reused (opening one cost 0.66 ms, a few times in every rerun of a signed-in student's
        page: issue 54); it goes back idle only when its block ended cleanly and left no transaction open, so
        each read still sees every commit before it. Public for the modules that keep rows of their own in this
        database (``core.data.clips``).
        """
        if self._postgres is not None:
            with self._postgres.read_connection() as conn:
                yield conn  # type: ignore[misc] - the part of sqlite3.Connection the store uses
            return
        with self._idle_lock:
            conn = self._idle_readers.pop() if self._idle_readers else None
        try:
            conn = conn or self._connect()
            yield conn
        except BaseException as exc:  # never back idle after an error, its own or the caller's
            if conn is not None:
                conn.close()
            if isinstance(exc, sqlite3.OperationalError):
                raise self._explain(exc) from exc
            raise
        self._keep_idle(conn)

    def _keep_idle(self, conn: sqlite3.Connection) -> None:
        if conn.in_transaction:
            conn.close()
            return
        with self._idle_lock:
            if len(self._idle_readers) < IDLE_READERS:
                self._idle_readers.append(conn)
                return
        conn.close()

    @contextmanager
    def write_transaction(self, erase: bool = False) -> Iterator[sqlite3.Connection]:
        """One transaction: committed when the block ends, rolled back if it raises (``core.data.clips`` writes
        through it too, so a batch of clips is all or nothing like a batch of samples). ``erase``: what it deletes
        or overwrites is zeroed in the file, not only freed (``PRAGMA secure_delete``), and the WAL is emptied
        after the commit (``truncate_wal``): no copy stays on disk (a deleted student's pictures, expired crops).
        On PostgreSQL ``erase`` does nothing more: old row versions stay until (auto)vacuum reuses their space, and
        the WAL and backups keep theirs (docs/site-servers.md)."""
        if self._postgres is not None:
            with self._postgres.write_transaction() as conn:
                yield conn  # type: ignore[misc] - the part of sqlite3.Connection the store uses
            return
        if self.read_only:
            raise StoreError(f"{self.path}: the store was opened read-only; this change needs a writable one")
        try:
            with closing(self._connect()) as conn:
                if erase:
                    conn.execute("PRAGMA secure_delete = ON")  # this connection's, which only this block uses
                begin_immediate(conn)  # take the write lock now, not halfway through; polled, fair to the others
                try:
                    yield conn
                except BaseException:
                    if conn.in_transaction:  # SQLite may already have rolled back after some errors
                        conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            raise self._explain(exc) from exc
        if erase:
            self.truncate_wal()

    def _explain(self, exc: sqlite3.OperationalError) -> StoreError:
        # at the descriptor limit SQLite says "unable to open database file", as for a folder it may not write
        if out_of_fds(exc, SQLITE_MARKERS):
            return StoreError(f"{self.path}: {too_many_open_files_text()}")
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
        self._switch_to_wal()
        with self.write_transaction() as conn:
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

    def _switch_to_wal(self) -> None:
        # Switching the journal mode needs the database alone and SQLite answers "locked" at
        # once, without its busy timeout, when another process is creating the same new store
        # (two first commands at once): wait for it as a write would, up to the same LOCK_WAIT_S.
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                with closing(self._connect()) as conn:
                    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                break
            except sqlite3.OperationalError as exc:
                if not ("locked" in str(exc) or "busy" in str(exc)) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        if mode.lower() != "wal":
            raise StoreError(f"{self.path}: cannot switch the database to WAL mode")

    def truncate_wal(self) -> bool:
        """Copy the WAL into the database file and empty it (``wal_checkpoint(TRUNCATE)``), so that after an erasing
        write (``write_transaction(erase=True)``) no older copy of its pages stays in the WAL either. False when a
        reader still held an older snapshot: the next erasing write empties it, and its frames are overwritten as
        it is reused meanwhile (PostgreSQL: False, there is no file to empty)."""
        if self.read_only or self._postgres is not None:
            return False
        try:
            with closing(self._connect()) as conn:  # its own: the busy timeout below must not stay on an idle reader
                # TRUNCATE waits for writers and older readers: a moment, not a sign-in's worth (busy: the next one does)
                conn.execute(f"PRAGMA busy_timeout = {int(TRUNCATE_WAIT_S * 1000)}")
                busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        except sqlite3.OperationalError as exc:
            raise self._explain(exc) from exc
        return busy == 0

    def schema_version(self) -> int:
        if self._postgres is not None:
            return self._postgres.schema_version()
        with self.read_connection() as conn:
            return conn.execute("PRAGMA user_version").fetchone()[0]

"""The store on PostgreSQL (``HANDTEACH_DATABASE_URL=postgresql://...``): psycopg 3 with its connection pool.

``core.data.sql.database.Database`` stays the one interface: it hands its reads and writes here when the URL is set.
The connections given out (``PgConnection``) answer the few calls the store makes of ``sqlite3.Connection``
(``execute``, ``executemany``, ``in_transaction``; cursors with ``fetch*``, ``rowcount``, ``lastrowid``), and every
statement passes through ``core.data.sql.dialect``: the store's SQL stays written once.

Writes keep SQLite's guarantee: under ``BEGIN IMMEDIATE`` one write transaction runs at a time, and the store's
checks rely on it (a name still free, a student's room left, a sign-in's tries counted before the hash). Here each
write transaction takes one transaction-scoped advisory lock (``pg_advisory_xact_lock``) first, the simplest
faithful translation: writers queue one behind another across every app server and worker sharing the database,
the lock goes with the commit or rollback (a killed server holds nothing), and reads never wait (MVCC, as WAL).
The wait is polled for a second like SQLite's (then the "busy" notice), then blocks in PostgreSQL's own queue up to
``lock_wait_s()``; past it ``StoreLockedError``, whose message names nothing of the server.

The schema version lives in a one-row table ``handteach_schema`` (SQLite keeps it in ``PRAGMA user_version``);
migrations run in one transaction under the same lock, so two servers starting at once migrate once. A URL is
never shown with its password. One pool per database URL and mode per process, shared by every ``Database`` on it
(a Streamlit server opens a store per page run: a pool each would open connections by the hundred).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import pq
from psycopg.adapt import Loader
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout

from core.data.sql.dialect import migration_for_postgres, to_postgres
from core.data.sql.schema import MIGRATIONS, SCHEMA_VERSION, StoreError, StoreLockedError, locked_message
from core.data.sql.write_lock import NOTICE_AFTER_S, POLL_S, lock_wait_s, notice_busy

SCHEMES = ("postgresql://", "postgres://")
LOCK_KEY = 0x68616E64  # "hand": the store's one write lock (advisory locks are per database)
CONNECT_TIMEOUT_S = 5
POOL_MAX = 10  # connections per process and database: reads and writes in flight at once
VERSION_TABLE = "handteach_schema"
AWAY_PROBE_S = 2.0  # a pool with no connection free this long: is the server there at all?
# what a page (or command) says while the database does not answer; its address and reason go to the server's log
AWAY_MESSAGE = ("The store's database is not answering (restarting, or its machine is away): nothing of this change "
                "was written. Try again in a minute")  # fmt: skip
logger = logging.getLogger(__name__)
_pools: dict[tuple[str, bool], ConnectionPool] = {}
_pools_lock = threading.Lock()


def shown(url: str) -> str:
    """``url`` as it may be shown: scheme, user, host, port and database, never the password."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.Error:
        return url.split("://", 1)[0] + "://(not a valid URL)"
    user = f"{parts['user']}@" if parts.get("user") else ""
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{parts.get('host') or 'localhost'}{port}/{parts.get('dbname') or ''}"


def _reason(exc: BaseException, url: str) -> str:
    """psycopg's message on one line, with no password in it."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    password = _password(url)
    return text.replace(password, "***") if password else text


def _password(url: str) -> str:
    try:
        return str(conninfo_to_dict(url).get("password") or "")
    except psycopg.Error:
        return ""


class _NumberLoader(Loader):
    """``numeric`` (``sum`` of integers, ``EXTRACT``) as an ``int`` or ``float``, as SQLite gives, never ``Decimal``."""

    def load(self, data: Any) -> int | float:  # noqa: ANN401 - psycopg's buffer types
        value = Decimal(bytes(data).decode())
        return int(value) if value == value.to_integral_value() else float(value)


class PgCursor:
    """A psycopg cursor as the store reads ``sqlite3.Cursor``: ``lastrowid`` from the ``RETURNING id`` the dialect
    added."""

    def __init__(self, cursor: psycopg.Cursor, returns_id: bool) -> None:
        self._cursor = cursor
        self.lastrowid: int | None = None
        if returns_id:
            row = cursor.fetchone()
            self.lastrowid = None if row is None else int(row[0])

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    def fetchone(self) -> tuple | None:
        return self._cursor.fetchone()

    def fetchall(self) -> list[tuple]:
        return self._cursor.fetchall()

    def fetchmany(self, size: int) -> list[tuple]:
        return self._cursor.fetchmany(size)

    def __iter__(self) -> Iterator[tuple]:
        return iter(self._cursor)


def _params(params: Sequence[Any]) -> tuple:
    # SQLite stores True as 1 in its INTEGER flags (motion, shared): psycopg would send a boolean
    return tuple(int(p) if isinstance(p, bool) else p for p in params)


class PgConnection:
    """The part of ``sqlite3.Connection`` the store uses, on one psycopg connection (autocommit; transactions are
    opened by ``PostgresBackend.write_transaction``)."""

    def __init__(self, raw: psycopg.Connection) -> None:
        self.raw = raw

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != pq.TransactionStatus.IDLE

    def execute(self, sql: str, params: Sequence[Any] = (), binary: bool = False) -> PgCursor:
        """``binary``: the rows in PostgreSQL's binary format, not text (a large ``bytea`` without its hex text: a
        118 MB value read in 0.3 s rather than 1.2 s)."""
        text, returns_id = to_postgres(sql)
        return PgCursor(self.raw.execute(text, _params(params), binary=binary), returns_id)

    def executemany(self, sql: str, rows: Iterator[Sequence[Any]] | Sequence[Sequence[Any]]) -> PgCursor:
        text, _ = to_postgres(sql, returning=False)
        cursor = self.raw.cursor()
        cursor.executemany(text, [_params(r) for r in rows])
        return PgCursor(cursor, False)


def _configure(read_only: bool) -> Any:  # noqa: ANN401 - a psycopg_pool callback
    def configure(raw: psycopg.Connection) -> None:
        raw.adapters.register_loader("numeric", _NumberLoader)
        if read_only:
            raw.execute("SET default_transaction_read_only = on")

    return configure


class PostgresBackend:
    """The store's database on a PostgreSQL server (see the module docstring)."""

    def __init__(self, url: str, read_only: bool = False) -> None:
        """Reach the database, refuse a newer schema, create or migrate (unless ``read_only``); ``StoreError``
        naming the URL without its password otherwise, with nothing created."""
        if not url.startswith(SCHEMES):
            raise StoreError(f"HANDTEACH_DATABASE_URL must start with postgresql://, got {shown(url)}")
        self.url, self.name, self.read_only = url, shown(url), read_only
        pool = _pools.get((url, read_only))
        try:
            if pool is not None:  # a store opened again (each page run): a pooled connection, no new one
                with pool.connection(timeout=CONNECT_TIMEOUT_S) as conn:
                    self._create_or_migrate(conn)
            else:
                with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S) as conn:
                    _configure(read_only)(conn)
                    self._create_or_migrate(conn)
        except (psycopg.Error, PoolTimeout) as exc:
            raise StoreError(f"cannot use the database {self.name}: {_reason(exc, url)}") from None
        self._pool = pool or _pool(url, read_only)

    def _create_or_migrate(self, conn: psycopg.Connection) -> None:
        version = _version(conn)
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.name} has schema version {version}, but this handteach knows only up to "
                             f"{SCHEMA_VERSION}; update handteach to open it")  # fmt: skip
        if self.read_only:
            raise StoreError(f"{self.name}: schema version {version}, this handteach reads {SCHEMA_VERSION}; run a "
                             "command that writes (e.g. `classes add`) with this handteach to upgrade it")  # fmt: skip
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            conn.execute(f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (version BIGINT NOT NULL)")
            version = _version(conn)  # another server may have migrated while this one waited
            if version > SCHEMA_VERSION:
                raise StoreError(f"{self.name} has schema version {version}, but this handteach knows only up to "
                                 f"{SCHEMA_VERSION}; update handteach to open it")  # fmt: skip
            for steps in MIGRATIONS[version:]:
                for statement in steps:
                    conn.execute(migration_for_postgres(statement), ())  # () : "%%" read as "%"
            conn.execute(f"DELETE FROM {VERSION_TABLE}")
            conn.execute(f"INSERT INTO {VERSION_TABLE} (version) VALUES (%s)", (SCHEMA_VERSION,))

    # -- connections -----------------------------------------------------------------

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        try:
            with self._pooled() as raw:
                yield raw
        except psycopg.OperationalError as exc:  # the server went away (restarted, unreachable) mid-statement
            logger.warning("the database %s: %s", self.name, _reason(exc, self.url))
            raise StoreError(AWAY_MESSAGE) from None

    @contextmanager
    def _pooled(self) -> Iterator[psycopg.Connection]:
        """A pooled connection; a pool with none free for ``AWAY_PROBE_S`` asks the server itself: one that does not
        answer is said at once (``AWAY_MESSAGE``), not after the whole lock wait as "busy"."""
        try:
            with self._pool.connection(timeout=AWAY_PROBE_S) as raw:
                yield raw
                return
        except PoolTimeout:
            pass
        try:
            psycopg.connect(self.url, connect_timeout=CONNECT_TIMEOUT_S).close()
        except psycopg.Error as exc:
            logger.warning("the database %s: %s", self.name, _reason(exc, self.url))
            raise StoreError(AWAY_MESSAGE) from None
        try:
            with self._pool.connection(timeout=max(0.0, lock_wait_s() - AWAY_PROBE_S)) as raw:
                yield raw
        except PoolTimeout:
            raise StoreLockedError(locked_message(lock_wait_s())) from None

    @contextmanager
    def read_connection(self) -> Iterator[PgConnection]:
        """A pooled connection in autocommit: each read sees every commit before it (one left in a transaction is
        rolled back by the pool when it goes back)."""
        with self._connection() as raw:
            yield PgConnection(raw)

    @contextmanager
    def write_transaction(self) -> Iterator[PgConnection]:
        """One transaction holding the store's write lock (see the module docstring): committed when the block ends,
        rolled back if it raises."""
        if self.read_only:
            raise StoreError(f"{self.name}: the store was opened read-only; this change needs a writable one")
        with self._connection() as raw:
            try:
                raw.execute("BEGIN")
                _take_write_lock(raw)
                yield PgConnection(raw)
            except BaseException:
                if not raw.closed and raw.info.transaction_status != pq.TransactionStatus.IDLE:
                    raw.execute("ROLLBACK")
                raise
            raw.execute("COMMIT")

    def schema_version(self) -> int:
        with self.read_connection() as conn:
            return _version(conn.raw)


def schema_present(url: str) -> bool:
    """Whether the database ``url`` names holds a handteach store (any schema version); ``StoreError`` naming the
    URL without its password when it cannot be reached. Reads only: a pooled connection where one is open."""
    if not url.startswith(SCHEMES):
        raise StoreError(f"HANDTEACH_DATABASE_URL must start with postgresql://, got {shown(url)}")
    pool = _pools.get((url, False)) or _pools.get((url, True))
    try:
        if pool is not None:
            with pool.connection(timeout=CONNECT_TIMEOUT_S) as conn:
                return _version(conn) > 0
        with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S) as conn:
            return _version(conn) > 0
    except (psycopg.Error, PoolTimeout) as exc:
        raise StoreError(f"cannot use the database {shown(url)}: {_reason(exc, url)}") from None


def _version(conn: psycopg.Connection) -> int:
    """The schema version: 0 for a database handteach never wrote to."""
    if conn.execute("SELECT to_regclass(%s)", (VERSION_TABLE,)).fetchone()[0] is None:
        return 0
    row = conn.execute(f"SELECT max(version) FROM {VERSION_TABLE}").fetchone()
    return 0 if row is None or row[0] is None else int(row[0])


def _take_write_lock(raw: psycopg.Connection) -> None:
    """The store's advisory lock for this transaction: tried every ``POLL_S`` for ``NOTICE_AFTER_S``, then the
    "busy" notice and a blocking wait up to ``lock_wait_s()`` (``lock_timeout``); past it ``StoreLockedError``."""
    start, limit = time.monotonic(), lock_wait_s()
    while not raw.execute("SELECT pg_try_advisory_xact_lock(%s)", (LOCK_KEY,)).fetchone()[0]:
        waited = time.monotonic() - start
        if waited >= limit:
            raise StoreLockedError(locked_message(waited))
        if waited >= NOTICE_AFTER_S:
            notice_busy()
            raw.execute(f"SET LOCAL lock_timeout = {max(1, int((limit - waited) * 1000))}")
            try:
                raw.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            except psycopg.errors.LockNotAvailable:
                raise StoreLockedError(locked_message(time.monotonic() - start)) from None
            raw.execute("SET LOCAL lock_timeout = 0")
            return
        time.sleep(POLL_S)


def _pool(url: str, read_only: bool) -> ConnectionPool:
    with _pools_lock:
        pool = _pools.get((url, read_only))
        if pool is None:
            # check: a pooled connection is tried before it is lent (one round trip), so after a database restart a
            # page gets a new one rather than "terminating connection due to administrator command" once a connection
            pool = ConnectionPool(url, min_size=1, max_size=POOL_MAX, open=True, configure=_configure(read_only),
                                  check=ConnectionPool.check_connection,
                                  kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_S},
                                  name=f"handteach{'-ro' if read_only else ''}")  # fmt: skip
            _pools[(url, read_only)] = pool
        return pool


def close_pools(url: str | None = None) -> None:
    """Close the pools of ``url`` (every pool when None): a test's database, or a process ending."""
    with _pools_lock:
        for key in [k for k in _pools if url is None or k[0] == url]:
            _pools.pop(key).close()

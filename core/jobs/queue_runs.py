"""A queue worker process's writes to ``handteach_job_runs``: a job's start, progress and end, its arguments taken,
its owner's turn (``core.jobs.queue_worker`` runs the jobs). Kept apart so that the worker's loop reads in one sitting;
the database away is waited out here, for writes, as ``core.jobs.queue_steady`` waits it out for procrastinate."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from core.data.sql.schema import StoreError
from core.jobs import wire
from core.jobs.outage import Outage, is_database_error
from core.jobs.queue_db import PAYLOADS, RUNS, TAKE_TURN_SQL, TURN_LOCK_SQL, connect
from core.jobs.queue_steady import RETRY_S

END_RETRY_S = 600.0  # a job's end waits this long for the database to come back (after, the sweep ends its row)


class JobRuns:
    """This process's writes to ``handteach_job_runs`` (one connection, used by the job's thread and the watcher;
    made at the first write: a worker started while the database is away waits in procrastinate's fetch loop)."""

    def __init__(self, url: str, outage: Outage) -> None:
        self._url, self._lock, self.outage = url, threading.Lock(), outage
        self._conn: psycopg.Connection | None = None
        self._tried = 0.0  # when a write last reached for the database during an outage

    def _execute(self, sql: str, params: tuple[Any, ...], lock: tuple[str, tuple[Any, ...]] | None = None
                 ) -> psycopg.Cursor:  # fmt: skip
        """``sql`` on this process's connection (after ``lock``'s statement, in one transaction, when given); one
        broken by a database restart is made again once (its first statement after the restart failed the job
        before: "terminating connection due to administrator command")."""
        with self._lock:
            try:
                try:
                    if self._conn is None:
                        self._conn = connect(self._url)
                    cursor = _run(self._conn, sql, params, lock)
                except psycopg.OperationalError:
                    if self._conn is not None and not self._conn.broken and not self._conn.closed:
                        raise
                    self._conn = connect(self._url)
                    cursor = _run(self._conn, sql, params, lock)
            except Exception as exc:
                if is_database_error(exc):
                    self._tried = time.monotonic()
                    self.outage.down(exc)
                raise
            self.outage.up()
            return cursor

    def write(self, sql: str, params: tuple[Any, ...]) -> None:
        self._execute(sql, params)

    def payload(self, key: str) -> Any:  # noqa: ANN401 - JSON
        """The job's keyword arguments (``queue_db.PAYLOADS``), taken: read once, as its one run starts."""
        row = self._execute(f"DELETE FROM {PAYLOADS} WHERE key = %s RETURNING kwargs", (key,)).fetchone()
        if row is None:
            raise LookupError(f"the job's arguments are gone (key {key!r})")
        return row[0]

    def take_turn(self, owner: str) -> None:
        self._execute(TAKE_TURN_SQL, (owner, owner), lock=(TURN_LOCK_SQL, (owner,)))

    def start(self, job_id: int) -> None:
        self.write(f"INSERT INTO {RUNS} (job_id, worker_pid) VALUES (%s, %s) ON CONFLICT (job_id) DO UPDATE SET "
                   "state = 'running', done = 0, total = 0, worker_pid = EXCLUDED.worker_pid, started = now()",
                   (job_id, os.getpid()))  # fmt: skip

    def progress(self, job_id: int, done: int, total: int, detail: Any) -> None:  # noqa: ANN401
        """Written when the database answers; during an outage skipped (tried once a second): the job goes on."""
        if self.outage.away and time.monotonic() - self._tried < RETRY_S:
            return
        with contextlib.suppress(psycopg.Error, StoreError):
            self.write(f"UPDATE {RUNS} SET done = %s, total = %s, detail = %s WHERE job_id = %s AND ended IS NULL",
                       (done, total, Jsonb(wire.encode(detail)), job_id))  # fmt: skip

    def end(self, job_id: int, state: str, result: Any = None, error: str | None = None, error_type: str = "",
            bases: tuple[str, ...] = ()) -> None:  # fmt: skip  # noqa: ANN401
        """The job's end, written once the database answers (at most ``END_RETRY_S``: then left to the sweep)."""
        deadline = time.monotonic() + END_RETRY_S
        while True:
            try:
                return self._end(job_id, state, result, error, error_type, bases)
            except (psycopg.Error, StoreError) as exc:
                if not is_database_error(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(RETRY_S)

    def _end(self, job_id: int, state: str, result: Any, error: str | None, error_type: str,
             bases: tuple[str, ...]) -> None:  # fmt: skip  # noqa: ANN401
        self.write(f"UPDATE {RUNS} SET state = %s, result = %s, error = %s, error_type = %s, error_bases = %s, "
                   "ended = now() WHERE job_id = %s AND ended IS NULL",
                   (state, Jsonb(result), error, error_type, Jsonb(list(bases)), job_id))  # fmt: skip


def _run(conn: psycopg.Connection, sql: str, params: tuple[Any, ...],
         lock: tuple[str, tuple[Any, ...]] | None) -> psycopg.Cursor:  # fmt: skip
    if lock is None:
        return conn.execute(sql, params)
    with conn.transaction():
        conn.execute(*lock)
        return conn.execute(sql, params)

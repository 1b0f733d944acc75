"""The jobs whose worker is gone, ended: by every app server (``QueueRunner``'s sweeper thread) and every live worker.

A running job's worker says it lives by procrastinate's heartbeat. A job whose worker has been silent ``stalled_s``
(killed, out of memory, its machine gone, or its whole ``jobs worker`` command ended) is failed with
``worker_died``'s line, its run row ended: its page, the Class page and ``python -m core status`` all read that one
row. Only workers swept before: with the whole command killed none was left, and the training hung on "Preparing the
samples…" until a worker started again; every app server sweeps too now, once a second.

A run row left without an end while its procrastinate job ended (its worker could not write it, the database away
at that moment) is ended too, so no row stays 'running' once nobody runs it.

**The database away**: during an outage no worker can beat, so just after it every heartbeat looks old; judged then,
every job running through a restart of PostgreSQL failed as "the worker stopped" while the workers lived. A sweeper
judges heartbeats only once the database has answered it for ``stalled_s`` (``core.jobs.outage``): every live worker
has beaten again by then.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass

import psycopg

from core.data.sql.schema import StoreError
from core.jobs.job import worker_died
from core.jobs.outage import Outage
from core.jobs.queue_db import QUEUE, RUNS, connect

SWEEP_EVERY_S = 1.0  # an app server's sweeper: a gone worker's job ends within ``stalled_s`` and this
WORKER_DIED_TYPE = "WorkerDied"
# the running jobs of our queues whose worker is silent %(stalled_s)s or gone from procrastinate's table, locked
_GONE_SQL = f"""
SELECT j.id, COALESCE(j.args->'meta'->>'kind', '') FROM procrastinate_jobs j
  LEFT JOIN procrastinate_workers w ON w.id = j.worker_id
 WHERE j.status = 'doing' AND left(j.queue_name, {len(QUEUE)}) = %(queue)s
   AND (w.id IS NULL OR w.last_heartbeat < now() - make_interval(secs => %(stalled_s)s))
   FOR UPDATE OF j SKIP LOCKED"""
_END_RUN_SQL = f"""
INSERT INTO {RUNS} (job_id, state, error, error_type, ended) VALUES (%s, %s, %s, %s, now())
ON CONFLICT (job_id) DO UPDATE SET state = EXCLUDED.state, error = EXCLUDED.error, error_type = EXCLUDED.error_type,
   ended = now() WHERE {RUNS}.ended IS NULL"""
# run rows with no end whose job no worker runs any more (ended in procrastinate's table, or gone from it)
_LEFT_SQL = f"""
SELECT r.job_id, COALESCE(j.status::text, ''), COALESCE(j.args->'meta'->>'kind', '') FROM {RUNS} r
  LEFT JOIN procrastinate_jobs j ON j.id = r.job_id
 WHERE r.ended IS NULL AND (j.id IS NULL OR j.status NOT IN ('todo', 'doing'))
   FOR UPDATE OF r SKIP LOCKED"""


@dataclass(frozen=True)
class Swept:
    """What one sweep ended: jobs whose worker was gone, and run rows left running after their job ended."""

    gone: tuple[int, ...]
    left: tuple[int, ...]


def sweep(conn: psycopg.Connection, stalled_s: float) -> Swept:
    """End the jobs of workers silent ``stalled_s`` and the run rows left running (one transaction on ``conn``, an
    autocommit connection in the queue's schema; rows another sweeper holds are left to it)."""
    with conn.transaction():
        gone = conn.execute(_GONE_SQL, {"queue": QUEUE, "stalled_s": stalled_s}).fetchall()
        for job_id, kind in gone:
            conn.execute(_END_RUN_SQL, (job_id, "failed", worker_died(kind), WORKER_DIED_TYPE))
            conn.execute("SELECT procrastinate_finish_job_v1(%s, 'failed', false)", (job_id,))
        left = conn.execute(_LEFT_SQL).fetchall()
        for job_id, status, kind in left:
            if status in ("cancelled", "aborted"):
                conn.execute(_END_RUN_SQL, (job_id, "cancelled", None, ""))
            else:
                conn.execute(_END_RUN_SQL, (job_id, "failed", worker_died(kind), WORKER_DIED_TYPE))
    return Swept(tuple(int(j) for j, _ in gone), tuple(int(j) for j, *_ in left))


class Sweeper:
    """Sweeps on ``url`` when asked (``once``), or every ``every_s`` in a daemon thread (``start``), judging heartbeats
    only once the database answered for ``stalled_s`` (see the module docstring). Its one connection is made again
    after an outage; an outage is ``outage``'s (this process's, logged there)."""

    def __init__(
        self, url: str, stalled_s: float, outage: Outage | None = None, every_s: float = SWEEP_EVERY_S
    ) -> None:
        self.url, self.stalled_s, self.every_s = url, stalled_s, every_s
        self.outage = outage or Outage(url, logging.getLogger("core.jobs.queue_sweep"))
        self._conn: psycopg.Connection | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def once(self) -> Swept | None:
        """One sweep; None when the database did not answer, or answered for less than ``stalled_s`` so far."""
        try:
            if self._conn is None or self._conn.closed or self._conn.broken:
                self._conn = connect(self.url)
            self._conn.execute("SELECT 1")
        except (psycopg.Error, StoreError) as exc:  # QueueError too: the database away
            self._forget_connection()
            self.outage.down(exc)
            return None
        self.outage.up()
        if self.outage.reachable_for() < self.stalled_s:
            return None
        try:
            return sweep(self._conn, self.stalled_s)
        except psycopg.OperationalError as exc:  # it went between the two
            self._forget_connection()
            self.outage.down(exc)
            return None

    def start(self) -> Sweeper:
        self._thread = threading.Thread(target=self._run, name="handteach-queue-sweeper", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        self._forget_connection()

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            with contextlib.suppress(psycopg.Error):  # a statement refused: tried again in a second
                self.once()

    def _forget_connection(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
        self._conn = None

"""Each version's queue on PostgreSQL drains: the waiting jobs of a version nobody runs any more are cancelled.

Each code version has its own queue (``core.jobs.queue_db.version_queue``); after an update nobody ran the jobs left
waiting in the previous version's, and while they counted against one limit for the whole site, 200 of them made
every training of the new release say "The server is full". The limit is each version's now (``QueueRunner.submit``
counts its own queue), and the left-over jobs go:

* every app server's queue runner says its version in ``handteach_senders`` (one row per process: as it starts, as it
  sends a job, and every ``BEAT_S`` from its tab watcher), as each worker process says its own in
  ``handteach_workers``;
* a version with no app server heard within ``SENDER_GONE_S`` and no worker alive within ``WORKER_GONE_S`` is gone:
  its waiting jobs are cancelled by the next app server's beat (``drain_gone_versions``), each one's run row failed
  with ``core.jobs.job.version_gone_line`` (what its page, or ``status``, shows: nothing of it was done, press
  again) and its arguments deleted. A job a worker runs is left to end on its own.

A version whose app server lives while no worker of it runs is not gone: its jobs wait, and say why
(``no_worker_line``).
"""

from __future__ import annotations

import os
import socket
from typing import Any

from core.jobs.job import VERSION_GONE, version_gone_line
from core.jobs.queue_db import PAYLOADS, QUEUE, RUNS, WORKERS, queue_version

SENDERS = "handteach_senders"  # created with the queue's other tables (``queue_db.SENDERS_DDL``)
BEAT_S = 5.0  # how often a live app server says its version (and looks for gone ones)
SENDER_GONE_S = 30.0  # six missed beats: that server went (as ``core.site.heartbeat.GONE_S``)
WORKER_GONE_S = 30.0  # a worker's heartbeat this old: no worker of its version runs (``queue_places.ALIVE_S``)
FORGET_SENDERS_S = 86_400.0  # a sender's row silent a day is deleted by the next one that beats

_SAY_SQL = f"""
INSERT INTO {SENDERS} (host, pid, version) VALUES (%s, %s, %s)
ON CONFLICT (host, pid) DO UPDATE SET version = EXCLUDED.version, seen = now()"""
# the waiting jobs of each queue of ours whose version no app server said lately and no live worker runs
_GONE_SQL = f"""
WITH gone AS (
  SELECT j.id FROM procrastinate_jobs j
   WHERE j.status = 'todo' AND left(j.queue_name, {len(QUEUE)}) = %(queue)s
     AND NOT EXISTS (SELECT 1 FROM {SENDERS} s WHERE %(queue)s || '/' || s.version = j.queue_name
                        AND s.seen > now() - make_interval(secs => %(sender_s)s))
     AND NOT EXISTS (SELECT 1 FROM {WORKERS} h JOIN procrastinate_workers w ON w.id = h.worker_id
                      WHERE %(queue)s || '/' || h.version = j.queue_name
                        AND w.last_heartbeat > now() - make_interval(secs => %(worker_s)s))
   FOR UPDATE OF j SKIP LOCKED)
UPDATE procrastinate_jobs j SET status = 'cancelled' FROM gone WHERE j.id = gone.id AND j.status = 'todo'
RETURNING j.id, j.queue_name, j.args->'meta'->>'kind', j.args->>'payload'"""


def say_sender(conn: Any, version: str) -> None:  # noqa: ANN401 - a psycopg connection in the queue's schema
    """This process serves pages that send jobs of ``version``: its row of ``handteach_senders``, now."""
    conn.execute(_SAY_SQL, (socket.gethostname(), os.getpid(), version))


def drain_gone_versions(conn: Any, sender_s: float = SENDER_GONE_S, worker_s: float = WORKER_GONE_S) -> int:  # noqa: ANN401
    """Cancel the waiting jobs of every version gone (see the module docstring), each one's run row saying why in one
    line; how many. One transaction on ``conn``."""
    with conn.transaction():
        conn.execute(f"DELETE FROM {SENDERS} WHERE seen < now() - make_interval(secs => %s)", (FORGET_SENDERS_S,))
        gone = conn.execute(_GONE_SQL, {"queue": QUEUE, "sender_s": sender_s, "worker_s": worker_s}).fetchall()
        for job_id, queue_name, kind, _ in gone:
            conn.execute(f"INSERT INTO {RUNS} (job_id, state, error, error_type, ended) VALUES "
                         "(%s, 'failed', %s, %s, now()) ON CONFLICT (job_id) DO NOTHING",
                         (job_id, version_gone_line(str(kind or ""), queue_version(queue_name) or "?"),
                          VERSION_GONE))  # fmt: skip
        conn.execute(f"DELETE FROM {PAYLOADS} WHERE key = ANY(%s)", ([str(p) for *_, p in gone if p],))
    return len(gone)

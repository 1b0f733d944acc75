"""The queue runner's database: procrastinate's schema and one table of ours, on the store's PostgreSQL, in a
PostgreSQL schema of their own (``handteach_queue``: every connection of the queue has it as its ``search_path``), so
the store's tables (``public``) and the queue's never mix: the store's schema check sees only its own, and
``DROP SCHEMA handteach_queue CASCADE`` forgets the queue.

procrastinate (``procrastinate_jobs`` and its SQL functions) keeps the queue: which job waits, which runs, its
``lock`` and ``queueing_lock``, abort requests, the workers' heartbeats. It keeps no progress and no answer, so
``handteach_job_runs`` holds those, one row per job a worker started (written by the worker, read by every app
server): steps done of all, the job's progress detail, its end (done, failed, cancelled) with its answer or error,
and the worker process's id. Both are created on first use under one advisory lock (``ensure_schema``), outside the
store's migrations (``core.data.schema``): procrastinate brings its own schema and
migrations, and our table is the runner's, not the store's.
"""

from __future__ import annotations

import psycopg
from psycopg.conninfo import make_conninfo

from core.data.backends.postgres import CONNECT_TIMEOUT_S, SCHEMES, _reason, shown
from core.data.schema import StoreError

SCHEMA = "handteach_queue"  # the PostgreSQL schema holding procrastinate's tables and functions, and ours
QUEUE = "handteach"  # procrastinate's queue name for every job of ours
TASK = "handteach.run"  # the one procrastinate task: ``core.jobs.queue_worker.run`` calls the named job function
WIRE_VERSION = 1  # a job's arguments' layout: a worker of another version refuses the job in one line
SCHEMA_LOCK = 0x68716A62  # "hqjb": creating the schema, once, whichever server or worker comes first
RUNS = "handteach_job_runs"
RUNS_DDL = f"""
CREATE TABLE IF NOT EXISTS {RUNS} (
    job_id BIGINT PRIMARY KEY,
    state TEXT NOT NULL DEFAULT 'running',
    done INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL DEFAULT 0,
    detail JSONB,
    result JSONB,
    error TEXT,
    error_type TEXT NOT NULL DEFAULT '',
    error_bases JSONB NOT NULL DEFAULT '[]',
    worker_pid INTEGER,
    started TIMESTAMPTZ NOT NULL DEFAULT now(),
    ended TIMESTAMPTZ
)"""


class QueueError(StoreError):
    """The queue's database cannot be used (one line, the URL without its password)."""


def check_url(url: str) -> str:
    if not url.startswith(SCHEMES):
        raise QueueError(f"the job queue needs a postgresql:// URL, got {shown(url)}")
    return url


def conninfo(url: str) -> str:
    """``url`` with the queue's schema as the search path (what every connection of the queue uses)."""
    return make_conninfo(check_url(url), options=f"-c search_path={SCHEMA}")


def connect(url: str) -> psycopg.Connection:
    """An autocommit connection to ``url`` in the queue's schema; ``QueueError`` naming it (no password) when it
    cannot be reached."""
    try:
        return psycopg.connect(conninfo(url), autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
    except psycopg.Error as exc:
        raise QueueError(f"cannot reach the job queue's database {shown(url)}: {_reason(exc, url)}") from None


def ensure_schema(url: str) -> None:
    """procrastinate's schema and ``handteach_job_runs``, created if missing (once, under an advisory lock)."""
    from procrastinate.schema import SchemaManager

    with connect(url) as conn:
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
                conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
                conn.execute(f"SET LOCAL search_path = {SCHEMA}")  # the schema made just now
                if conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()[0] is None:
                    conn.execute(SchemaManager.get_schema().replace("%", "%%"), ())  # () : "%%" read as "%"
                conn.execute(RUNS_DDL)
        except psycopg.Error as exc:
            raise QueueError(f"cannot set up the job queue in {shown(url)}: {_reason(exc, url)}") from None

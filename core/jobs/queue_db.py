"""The queue runner's database: procrastinate's schema and one table of ours, on the store's PostgreSQL, in a
PostgreSQL schema of their own (``handteach_queue``: every connection of the queue has it as its ``search_path``), so
the store's tables (``public``) and the queue's never mix: the store's schema check sees only its own, and
``DROP SCHEMA handteach_queue CASCADE`` forgets the queue.

procrastinate (``procrastinate_jobs`` and its SQL functions) keeps the queue: which job waits, which runs, its
``lock`` and ``queueing_lock``, abort requests, the workers' heartbeats. It keeps no progress and no answer, so
``handteach_job_runs`` holds those, one row per job a worker started (written by the worker, read by every app
server): steps done of all, the job's progress detail, its end (done, failed, cancelled) with its answer or error,
and the worker process's id. ``handteach_job_turns`` holds, for each owner, the turn their last job started in (a
sequence taken as each job starts): the round robin between owners is procrastinate's ``priority``
(``job_priority``), recomputed for an owner's waiting jobs as one of theirs starts. All are created on first use
under one advisory lock (``ensure_schema``), outside the store's migrations (``core.data.sql.schema``): procrastinate
brings its own schema and migrations, and our tables are the runner's, not the store's.

**Versions**: a job is sent to the queue of the code that sent it (``version_queue(jobs_version())``: the layout of
its arguments and a digest of ``core``'s sources, the code its worker runs it with), and a worker takes jobs from
its own version's queue only, so app servers and workers started from the same checkout agree by themselves, and a
worker of older code left running beside new ones never takes, let alone fails, the new release's jobs: they wait
for a worker of their version. Each worker process says its version in ``handteach_workers`` (one row per
procrastinate worker, gone with it), so a page can say when no worker of its version runs, and which do.
"""

from __future__ import annotations

import psycopg
from psycopg.conninfo import make_conninfo

from core.data.sql.postgres import CONNECT_TIMEOUT_S, SCHEMES, _reason, shown
from core.data.sql.schema import StoreError
from core.jobs.version import WIRE_VERSION, code_digest, jobs_version  # noqa: F401 - the queue's names for them

SCHEMA = "handteach_queue"  # the PostgreSQL schema holding procrastinate's tables and functions, and ours
QUEUE = "handteach"  # procrastinate's queue names of ours: this, then "/" and a version (``version_queue``)
TASK = "handteach.run"  # the one procrastinate task: ``core.jobs.queue_worker.run`` calls the named job function
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
TURNS = "handteach_job_turns"
TURNS_DDL = f"""
CREATE SEQUENCE IF NOT EXISTS handteach_job_turn;
CREATE TABLE IF NOT EXISTS {TURNS} (
    owner TEXT PRIMARY KEY,
    turn BIGINT NOT NULL,
    at TIMESTAMPTZ NOT NULL DEFAULT now()
)"""
# A job's keyword arguments (a measuring's dataset: 3 MB of JSON for a class project), out of procrastinate's ``args``,
# which then hold only the function's name, this key and the job's ``meta``: every look at a job's kind or owner
# (``args->'meta'``) reads its whole ``args`` value, and with the datasets in it the pages' places and the turns'
# priorities read hundreds of MB a second, so 60 students trained more slowly on two machines than on one
PAYLOADS = "handteach_job_payloads"
PAYLOADS_DDL = f"""
CREATE TABLE IF NOT EXISTS {PAYLOADS} (
    key TEXT PRIMARY KEY,
    kwargs JSONB NOT NULL,
    created TIMESTAMPTZ NOT NULL DEFAULT now()
)"""
# each app server process's version, said as it sends jobs (``core.jobs.queue_versions``: gone versions drain)
SENDERS_DDL = """
CREATE TABLE IF NOT EXISTS handteach_senders (
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    version TEXT NOT NULL,
    seen TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (host, pid)
)"""
# each worker process's version (``core.jobs.queue_worker`` writes its row once procrastinate registered it; the row
# goes with procrastinate's, when the worker stops or is pruned as stalled)
WORKERS = "handteach_workers"
WORKERS_DDL = f"""
CREATE TABLE IF NOT EXISTS {WORKERS} (
    worker_id BIGINT PRIMARY KEY REFERENCES procrastinate_workers (id) ON DELETE CASCADE,
    version TEXT NOT NULL,
    host TEXT NOT NULL DEFAULT '',
    pid INTEGER
)"""
RANK_SPAN = 1_000_000_000  # priorities of one rank (core.jobs.job.PRIORITY) lie within it: turns are counted in it


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
                conn.execute(TURNS_DDL)
                conn.execute(PAYLOADS_DDL)
                conn.execute(WORKERS_DDL)
                conn.execute(SENDERS_DDL)
        except psycopg.Error as exc:
            raise QueueError(f"cannot set up the job queue in {shown(url)}: {_reason(exc, url)}") from None


def job_priority(rank: int, turn: int) -> int:
    """procrastinate's ``priority`` (the highest starts first) of a job of ``rank`` (``core.jobs.job.PRIORITY``:
    trainings 0, figures 1) whose owner's last job started in ``turn`` (0: never): trainings before figures, then
    the owner whose last job started longest ago (``core.jobs.fair``'s order; ties: the oldest job)."""
    return -rank * RANK_SPAN - min(max(turn, 0), RANK_SPAN - 1)


# taken before ``TAKE_TURN_SQL`` and ``SENT_TURN_SQL``, in the same transaction (%s: the owner): a job sent as one of its
# owner's jobs starts gets its priority from the new turn either way (one statement alone cannot see a row committed
# after it began: the turn's update missed the job just sent, and the job's missed the turn not yet committed)
TURN_LOCK_SQL = f"SELECT pg_advisory_xact_lock({SCHEMA_LOCK} + 1, hashtext(%s))"
# an owner's job starts: its turn is taken, and their waiting jobs step behind every owner whose last job started
# before (%s: the owner twice); the rank is the job's own (``meta.rank``)
TAKE_TURN_SQL = f"""
WITH t AS (INSERT INTO {TURNS} (owner, turn) VALUES (%s, nextval('handteach_job_turn'))
           ON CONFLICT (owner) DO UPDATE SET turn = EXCLUDED.turn, at = now() RETURNING turn)
UPDATE procrastinate_jobs j
   SET priority = -COALESCE((j.args->'meta'->>'rank')::int, 0) * {RANK_SPAN} - LEAST(t.turn, {RANK_SPAN - 1})
  FROM t WHERE j.status = 'todo' AND j.args->'meta'->>'owner' = %s"""
# a job just sent: its priority again from its owner's turn now (%s: the job, its owner), in case one of their jobs
# started between the turn read for it and its row (that start's ``TAKE_TURN_SQL`` did not see it)
SENT_TURN_SQL = f"""
UPDATE procrastinate_jobs j
   SET priority = -COALESCE((j.args->'meta'->>'rank')::int, 0) * {RANK_SPAN} - LEAST(t.turn, {RANK_SPAN - 1})
  FROM {TURNS} t WHERE j.id = %s AND j.status = 'todo' AND t.owner = %s"""


def owner_lock(owner: str, version: str) -> str:
    """procrastinate's ``lock`` of ``owner``'s jobs of ``version``: one of them runs at a time."""
    return f"{owner}@{version}"


def version_queue(version: str) -> str:
    """procrastinate's queue of the jobs of ``version`` (what its workers listen to)."""
    return f"{QUEUE}/{version}"


def queue_version(queue_name: str) -> str:
    """The version whose queue ``queue_name`` is ("" for a queue of an older layout)."""
    return queue_name.partition("/")[2]


# the versions of the workers alive (a heartbeat within %s seconds), with how many of each
LIVE_VERSIONS_SQL = f"""
SELECT h.version, count(*) FROM {WORKERS} h JOIN procrastinate_workers w ON w.id = h.worker_id
 WHERE w.last_heartbeat > now() - make_interval(secs => %s) GROUP BY h.version ORDER BY h.version"""

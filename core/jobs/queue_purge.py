"""What the job queue on PostgreSQL forgets of jobs nobody may follow any more: a deleted student's, a gone tab's.

A training cancelled by ``class delete-student`` still returned its result, and its worker wrote it (the student's
features, labels, sample ids and classifier) into ``handteach_job_runs``, kept an hour beside the job's row and its
arguments. Once jobs have been told to stop (``core.jobs.queue.QueueRunner``'s abort), ``forget_jobs``:

* ends the run row of each that a worker still runs as cancelled, its progress and answer emptied: a worker writes
  its progress and its end only into a run row not ended (``core.jobs.queue_runs.JobRuns``), so nothing it returns
  afterwards is written; their arguments (``handteach_job_payloads``) go too;
* for a deleted account (``delete_rows``) also deletes every such job no worker holds: procrastinate's row (its
  events go with it), its run row and its arguments; the row of one still running keeps its kind and owner (the
  account's number), none of its key or tab, until the workers' prune forgets it with the other ended jobs
  (``queue_worker.KEEP_ENDED_S``). A tab gone keeps its jobs' rows: they say "cancelled" to whoever asks.

A student's own *Stop* forgets nothing: a stopped training's best weights are theirs to keep (Train's *Keep it
anyway*). ``forget_owners`` does it for accounts deleted, and forgets their turns too (``handteach_job_turns``).
"""

from __future__ import annotations

from typing import Any

from psycopg.types.json import Jsonb

from core.jobs.queue_db import PAYLOADS, RUNS, TURNS

# %s: the jobs' ``meta`` must contain this (their owner, or their tab)
_DELETE_HELD_BY_NONE_SQL = """
DELETE FROM procrastinate_jobs WHERE args->'meta' @> %s AND status <> 'doing'
RETURNING id, args->>'payload'"""
_ENDED_EMPTY_SQL = f"""
INSERT INTO {RUNS} (job_id, state, ended)
SELECT id, 'cancelled', now() FROM procrastinate_jobs WHERE args->'meta' @> %s AND status = 'doing'
ON CONFLICT (job_id) DO UPDATE SET state = 'cancelled', detail = NULL, result = NULL, error = NULL,
   ended = COALESCE({RUNS}.ended, now())"""
_RUNNING_SCRUBBED_SQL = """
UPDATE procrastinate_jobs SET args = jsonb_set(args, '{meta}', (args->'meta') - 'key' - 'session')
 WHERE args->'meta' @> %s AND status = 'doing'
RETURNING args->>'payload'"""
# a worker that saw the cancel first may have ended its run, with its answer, before this forgetting began
_ANSWERS_SCRUBBED_SQL = f"""
UPDATE {RUNS} SET result = NULL, detail = NULL
 WHERE job_id IN (SELECT id FROM procrastinate_jobs WHERE args->'meta' @> %s) AND result IS NOT NULL"""
_STOPPED_SQL = "SELECT args->>'payload' FROM procrastinate_jobs WHERE args->'meta' @> %s AND status <> 'todo'"


def forget_jobs(conn: Any, meta: dict[str, str], delete_rows: bool = False) -> int:  # noqa: ANN401 - psycopg's
    """Forget the stopped jobs whose ``meta`` contains ``meta`` (see the module docstring), in one transaction on
    ``conn`` (the queue's schema as its search path); how many of their rows were deleted."""
    with conn.transaction():
        deleted = conn.execute(_DELETE_HELD_BY_NONE_SQL, (Jsonb(meta),)).fetchall() if delete_rows else []
        conn.execute(_ENDED_EMPTY_SQL, (Jsonb(meta),))
        conn.execute(_ANSWERS_SCRUBBED_SQL, (Jsonb(meta),))
        conn.execute(f"DELETE FROM {RUNS} WHERE job_id = ANY(%s)", ([int(r[0]) for r in deleted],))
        kept = conn.execute(_RUNNING_SCRUBBED_SQL if delete_rows else _STOPPED_SQL, (Jsonb(meta),)).fetchall()
        payloads = [str(r[1]) for r in deleted if r[1]] + [str(r[0]) for r in kept if r[0]]
        conn.execute(f"DELETE FROM {PAYLOADS} WHERE key = ANY(%s)", (payloads,))
    return len(deleted)


def forget_owners(conn: Any, owners: list[str]) -> int:  # noqa: ANN401 - a psycopg connection
    """``forget_jobs`` for each of ``owners`` (accounts deleted), and their turns; how many job rows were deleted."""
    forgotten = sum(forget_jobs(conn, {"owner": owner}, delete_rows=True) for owner in owners)
    conn.execute(f"DELETE FROM {TURNS} WHERE owner = ANY(%s)", (owners,))
    return forgotten

"""Where a job waits in the queue on PostgreSQL, and about how long: ``core.jobs.fair``'s order over the queue's rows.

The queue runner's workers start jobs in procrastinate's order, which ``core.jobs.queue_db.job_priority`` makes
``fair``'s (one running job per owner, trainings before figures, the owner whose last job started longest ago,
then the oldest); so a page's "2 jobs ahead of your training, about 40 s" is ``fair.dispatch_order`` and
``fair.wait_estimate`` over every waiting job of every server of the same version (its queue: only that version's
workers take them), the owners' turns, the pace of each kind's latest runs and that version's workers whose heartbeat
is recent. Read at most once a second per app server (thirty waiting tabs
each poll every few seconds).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from core.jobs import fair
from core.jobs.local import GUESS_S
from core.jobs.queue_db import RUNS, TURNS, WORKERS, queue_version

FRESH_S = 1.0  # a computed order serves the pages this long
PACE_RUNS = 10  # a kind's pace: the mean of its latest runs that ended done
ALIVE_S = 30.0  # a worker whose heartbeat is older is not counted

_OPEN_SQL = f"""
SELECT j.id, j.status, j.lock, j.args->'meta'->>'kind' AS kind, j.args->'meta'->>'owner' AS owner, t.turn,
       EXTRACT(EPOCH FROM now() - r.started)::float AS running_s
  FROM procrastinate_jobs j LEFT JOIN {RUNS} r ON r.job_id = j.id
  LEFT JOIN {TURNS} t ON t.owner = j.args->'meta'->>'owner'
 WHERE j.queue_name = %s AND j.status IN ('todo', 'doing')"""
_PACE_SQL = f"""
SELECT kind, avg(took)::float AS took FROM (
  SELECT j.args->'meta'->>'kind' AS kind, EXTRACT(EPOCH FROM r.ended - r.started)::float AS took,
         row_number() OVER (PARTITION BY j.args->'meta'->>'kind' ORDER BY r.ended DESC) AS n
    FROM {RUNS} r JOIN procrastinate_jobs j ON j.id = r.job_id
   WHERE r.state = 'done' AND r.ended IS NOT NULL) latest
 WHERE n <= {PACE_RUNS} GROUP BY kind"""
_WORKERS_SQL = f"""
SELECT count(*) FROM procrastinate_workers w JOIN {WORKERS} h ON h.worker_id = w.id
 WHERE h.version = %s AND w.last_heartbeat > now() - make_interval(secs => %s)"""


@dataclass(frozen=True)
class Place:
    ahead: int  # waiting jobs that will start before this one
    wait_s: float  # about how long until it starts


@dataclass
class Places:
    """Each waiting job's place, computed from the database at most every ``FRESH_S``."""

    _at: float = -1.0
    _places: dict[int, Place] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def of(self, conn: Any, number: int, queue: str) -> Place | None:  # noqa: ANN401 - a psycopg connection
        """The place of waiting job ``number`` in ``queue`` (this server's version's; None when it no longer waits
        there). One thread reads the queue while the others wait for its answer: thirty tabs polling at once each
        read it again before (seen in the benchmark)."""
        with self._lock:
            age = time.monotonic() - self._at
            if self._places is None or age > FRESH_S or number not in self._places:
                self._places, self._at = places(conn, queue), time.monotonic()
            return self._places.get(number)


def places(conn: Any, queue: str) -> dict[int, Place]:  # noqa: ANN401 - a psycopg connection
    """Every waiting job's place in ``queue``: ``fair``'s order over it now."""
    rows = conn.execute(_OPEN_SQL, (queue,)).fetchall()
    pace = {str(kind): float(took) for kind, took in conn.execute(_PACE_SQL).fetchall()}
    workers = max(1, int(conn.execute(_WORKERS_SQL, (queue_version(queue), ALIVE_S)).fetchone()[0]))
    waiting = [fair.Waiting(str(r[0]), str(r[3]), str(r[4]), int(r[0])) for r in rows if r[1] == "todo"]
    turns = {str(r[4]): int(r[5]) for r in rows if r[5] is not None}
    running = [r for r in rows if r[1] == "doing"]
    busy = {str(r[4]) for r in running if r[2] is not None}  # a stopped job's lock is cleared: its owner is free
    left = [pace.get(str(r[3]), GUESS_S) - float(r[6] or 0.0) for r in running]
    order = fair.dispatch_order([w for w in waiting if w.kind in fair.PRIORITY], busy, turns)
    found: dict[int, Place] = {}
    for i, job in enumerate(order):
        ahead = [pace.get(w.kind, GUESS_S) for w in order[:i]]
        found[job.seq] = Place(i, fair.wait_estimate(ahead, left, workers))
    return found

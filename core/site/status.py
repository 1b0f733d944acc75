"""What the whole site is doing now: the app servers (their heartbeats, ``core.site.heartbeat``), and on PostgreSQL
the job queue (waiting and running jobs by kind, the longest wait, the versions they wait for) and its workers
(procrastinate's heartbeats, the job each runs, the version of handteach each runs), read in one short read-only
transaction, so the numbers agree with each other. For
``python -m core status`` (``core.cli.status``) and the Class page's panel (``ui.classroom.site_panel``); ``summary``
says it in a teacher's words.

On SQLite there is no queue: each app server runs its jobs in its own pool, which its heartbeat reports. A reader
never deletes a row: a server silent ``GONE_S`` or a worker silent ``WORKER_GONE_S`` is shown as gone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.data.sql.database import Database
from core.jobs.job import CURVE, EXTRACT, FINETUNE, IMPORT, MEASURE, TRAIN
from core.site.heartbeat import GONE_S, ServerBeat, beat_rows, db_now, from_value

WORKER_GONE_S = 5.0  # ``jobs worker``'s default --stalled-s: the queue itself takes a worker this silent for dead
NO_QUEUE = "SQLite: no job queue; each app server runs its jobs in a pool of its own (shown with the server)"
NO_QUEUE_YET = "no job queue in this database yet: no worker has started (python -m core jobs worker sets it up)"
NO_SERVER = "no app server has reported (a running server writes its heartbeat every few seconds)"
_WORDS = {TRAIN: ("training", "trainings"), MEASURE: ("accuracy measurement", "accuracy measurements"),
          CURVE: ("learning curve", "learning curves"), FINETUNE: ("fine-tuning", "fine-tunings"),
          IMPORT: ("import", "imports"), EXTRACT: ("video", "videos")}  # fmt: skip


@dataclass(frozen=True)
class ServerState:
    beat: ServerBeat
    silent_s: float  # since its last heartbeat
    gone: bool  # silent ``GONE_S`` or more

    @property
    def up_s(self) -> float:
        return max(0.0, self.beat.seen - self.beat.started)


@dataclass(frozen=True)
class QueueState:
    waiting: dict[str, int]  # kind → jobs waiting
    running: dict[str, int]  # kind → jobs running (a stopped one that has not ended yet is not counted)
    oldest_wait_s: float | None  # how long the longest-waiting job has waited; None when none waits
    waiting_versions: dict[str, int] = field(default_factory=dict)  # version sent by (its queue's) → jobs waiting


@dataclass(frozen=True)
class WorkerState:
    id: int  # procrastinate's worker id
    silent_s: float  # since its last heartbeat
    gone: bool  # silent ``WORKER_GONE_S`` or more: its job fails soon (its siblings fail it)
    job: str | None  # the job it runs ("train-12"), None when idle
    job_s: float | None  # how long that job has run
    pid: int | None  # the worker's process, on whichever machine it runs
    version: str = ""  # the handteach version it runs (``core.jobs.queue_db.jobs_version``); "" before it said


@dataclass(frozen=True)
class SiteStatus:
    shared: bool  # PostgreSQL: every server and worker of the site reads this one database
    servers: tuple[ServerState, ...]
    queue: QueueState | None  # None: no queue (SQLite), or none set up yet
    workers: tuple[WorkerState, ...]
    notes: tuple[str, ...]  # what this status cannot see, one line each


def read_status(db: Database) -> SiteStatus:
    """The site now, as ``db``'s store sees it (its heartbeats; on PostgreSQL also the queue and its workers)."""
    with db.read_connection() as conn:
        if not db.shared:
            now = db_now(conn, False)
            servers = _servers(beat_rows(conn), now)
            return SiteStatus(False, servers, None, (), (NO_QUEUE,) + (() if servers else (NO_SERVER,)))
        from core.jobs.queue_db import RUNS, SCHEMA, WORKERS  # psycopg: only where the store is on PostgreSQL

        raw = conn.raw  # type: ignore[attr-defined] - the PostgreSQL adapter's psycopg connection
        raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")  # one snapshot for every number below
        try:
            now = db_now(conn, True)
            servers = _servers(beat_rows(conn), now)
            has_queue = raw.execute("SELECT to_regclass(%s) IS NOT NULL AND to_regclass(%s) IS NOT NULL AND "
                                    "to_regclass(%s) IS NOT NULL", (f"{SCHEMA}.procrastinate_jobs", f"{SCHEMA}.{RUNS}",
                                                                     f"{SCHEMA}.{WORKERS}")).fetchone()[0]  # fmt: skip
            queue, workers = (_queue(raw), _workers(raw)) if has_queue else (None, ())
        finally:
            raw.execute("COMMIT")
    notes = (() if has_queue else (NO_QUEUE_YET,)) + (() if servers else (NO_SERVER,))
    return SiteStatus(True, servers, queue, workers, notes)


def _servers(rows: list[tuple[str, str]], now: float) -> tuple[ServerState, ...]:
    beats = [beat for _, value in rows if (beat := from_value(value)) is not None]
    return tuple(ServerState(b, max(0.0, now - b.seen), now - b.seen >= GONE_S) for b in beats)


_JOBS_SQL = """
SELECT COALESCE(j.args->'meta'->>'kind', ''), j.status::text, count(*),
       EXTRACT(EPOCH FROM now() - min(d.at))::float8, j.queue_name
  FROM {queue}.procrastinate_jobs j
  LEFT JOIN LATERAL (SELECT min(e.at) AS at FROM {queue}.procrastinate_events e
                      WHERE e.job_id = j.id AND e.type = 'deferred') d ON true
 WHERE j.status = 'todo' OR (j.status = 'doing' AND NOT j.abort_requested)
 GROUP BY 1, 2, 5"""
_WORKERS_SQL = """
SELECT w.id, EXTRACT(EPOCH FROM now() - w.last_heartbeat)::float8, j.id, j.args->'meta'->>'kind', r.worker_pid,
       EXTRACT(EPOCH FROM now() - r.started)::float8, h.version
  FROM {queue}.procrastinate_workers w
  LEFT JOIN {queue}.procrastinate_jobs j ON j.worker_id = w.id AND j.status = 'doing'
  LEFT JOIN {queue}.{runs} r ON r.job_id = j.id
  LEFT JOIN {queue}.{workers} h ON h.worker_id = w.id
 ORDER BY w.id, j.id"""


def _queue(raw: Any) -> QueueState:  # noqa: ANN401 - a psycopg connection
    waiting: dict[str, int] = {}
    running: dict[str, int] = {}
    versions: dict[str, int] = {}
    oldest: float | None = None
    from core.jobs.queue_db import RUNS, SCHEMA, queue_version

    for kind, status, count, waited, queue in raw.execute(_JOBS_SQL.format(queue=SCHEMA, runs=RUNS)).fetchall():
        if status == "todo":
            waiting[kind] = waiting.get(kind, 0) + int(count)
            versions[queue_version(queue)] = versions.get(queue_version(queue), 0) + int(count)
            if waited is not None:
                oldest = max(oldest or 0.0, max(0.0, float(waited)))
        else:
            running[kind] = running.get(kind, 0) + int(count)
    return QueueState(waiting, running, oldest, versions)


def _workers(raw: Any) -> tuple[WorkerState, ...]:  # noqa: ANN401 - a psycopg connection
    found: dict[int, WorkerState] = {}
    from core.jobs.queue_db import RUNS, SCHEMA, WORKERS

    sql = _WORKERS_SQL.format(queue=SCHEMA, runs=RUNS, workers=WORKERS)
    for worker_id, silent, job_id, kind, pid, job_s, version in raw.execute(sql):
        if worker_id in found:  # one job a worker (concurrency 1); a second row would be a stale 'doing' one
            continue
        silent = max(0.0, float(silent))
        job = f"{kind or 'job'}-{job_id}" if job_id is not None else None
        found[worker_id] = WorkerState(int(worker_id), silent, silent >= WORKER_GONE_S, job,
                                       None if job_s is None else max(0.0, float(job_s)), pid, version or "")  # fmt: skip
    return tuple(found.values())


# -- in words -------------------------------------------------------------------------------------------------


def seconds_text(seconds: float) -> str:
    """12 s, 3 min, 2 h 5 min: a duration as a person reads it."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    hours, minutes = divmod(int(seconds // 60), 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def jobs_text(by_kind: dict[str, int]) -> str:
    """ "4 trainings", or "5 jobs (4 trainings, 1 import)" for several kinds; "" for none."""
    kinds = {k: n for k, n in by_kind.items() if n}
    total = sum(kinds.values())
    if not total:
        return ""
    ordered = sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))  # the most first, then by kind: always one order
    parts = [_count(n, *_WORDS.get(k, ("job", "jobs"))) for k, n in ordered]
    return parts[0] if len(parts) == 1 else f"{_count(total, 'job', 'jobs')} ({', '.join(parts)})"


def _waiting_text(waiting: dict[str, int], oldest_s: float | None) -> str:
    said = jobs_text(waiting)
    if not said:
        return "nothing waiting"
    return f"{said} waiting" + (f" (longest {seconds_text(oldest_s)})" if oldest_s is not None else "")


def summary(
    status: SiteStatus, mine: str | None = None, whose: str = "this app server's", versions: bool = True
) -> str:
    """The site in one sentence a teacher reads: "2 app servers, 3 workers, 4 trainings waiting (longest 40 s).";
    ``mine``: the version of handteach whose jobs wait for a worker of that version, said when none runs
    (``core.jobs.job.no_worker_line``, ``whose`` code it is); None: this process's. ``versions`` False (the Class
    page): the versions' digests are left out, for ``handteach status`` to name."""
    alive = [s for s in status.servers if not s.gone]
    gone = len(status.servers) - len(alive)
    quiet = f" ({_count(gone, 'other', 'others')} not heard from)" if gone else ""
    if not status.shared:
        if not alive:
            return f"No app server has reported in the last {GONE_S:.0f} s" + quiet + "."
        parts = []
        for server in alive:
            local = server.beat.local
            if local is None:
                parts.append("no job has run yet")
                continue
            running = jobs_text(local.running)
            parts.append(f"{running + ' running' if running else 'no job running'}, "
                         f"{_waiting_text(local.waiting, local.oldest_wait_s)}")  # fmt: skip
        head = "One server" if len(alive) == 1 else f"{len(alive)} servers on this machine"
        return f"{head}{quiet}: " + "; ".join(parts) + "."
    servers = _count(len(alive), "app server", "app servers") + quiet
    if mine is None:
        from core.jobs.queue_db import jobs_version

        mine = jobs_version()
    if status.queue is None:
        return f"{servers}; no job queue yet." + _own_pools(alive)
    workers = [w for w in status.workers if not w.gone]
    queue = status.queue
    running = jobs_text(queue.running)
    said = [servers, _count(len(workers), "worker", "workers")]
    said += [f"{running} running"] if running else []
    said.append(_waiting_text(queue.waiting, queue.oldest_wait_s))
    line = ", ".join(said) + "."
    if not workers and sum(queue.waiting.values()) and not mine:
        line += " No worker is running: the jobs wait until one starts."
    return line + _versions_text(status, workers, mine, whose, versions) + _own_pools(alive)


def _versions_text(status: SiteStatus, workers: list[WorkerState], mine: str, whose: str, versions: bool) -> str:
    """ " No job worker runs this app server's version…" where ``mine`` has no live worker; jobs left waiting for
    another version that no worker runs (sent by an app server of older code), counted."""
    from core.jobs.job import no_worker_line

    assert status.queue is not None
    if not mine:  # whoever asks does not say its version: only the jobs waiting
        return ""
    running = {w.version for w in workers if w.version}
    said = ""
    if mine and mine not in running and (status.queue.waiting_versions.get(mine) or running):
        said += " " + no_worker_line(mine, sorted(running), whose, versions)
    for version, n in sorted(status.queue.waiting_versions.items()):
        if version != mine and version not in running and n:
            named = f" ({version or 'older'})" if versions else ""
            said += (f" {_count(n, 'job', 'jobs')} sent by app servers of another version{named} "
                     f"{'waits' if n == 1 else 'wait'} for a worker of that version.")  # fmt: skip
    return said


def _own_pools(alive: list[ServerState]) -> str:
    """ " In the app servers' own pools: 1 training running, nothing waiting." where servers run jobs themselves."""
    running: dict[str, int] = {}
    waiting: dict[str, int] = {}
    oldest: float | None = None
    for local in (s.beat.local for s in alive if s.beat.local is not None):
        for kind, n in local.running.items():
            running[kind] = running.get(kind, 0) + n
        for kind, n in local.waiting.items():
            waiting[kind] = waiting.get(kind, 0) + n
        if local.oldest_wait_s is not None:
            oldest = max(oldest or 0.0, local.oldest_wait_s)
    if not sum(running.values()) and not sum(waiting.values()):
        return ""
    said = jobs_text(running)
    return (f" In the app servers' own pools: {said + ' running' if said else 'no job running'}, "
            f"{_waiting_text(waiting, oldest)}.")  # fmt: skip

"""The job runner past one machine: ``core.jobs.runner.JobRunner`` over procrastinate on the store's PostgreSQL.

An app server sends a job as a procrastinate job of one task (``core.jobs.queue_db.TASK``) whose JSON arguments
name the job function and carry its arguments (``core.jobs.wire``: never a pickle); workers started anywhere that
reaches the database (``python -m core jobs worker --workers N``, ``core.jobs.queue_worker``) run it. What the local
pool promises, and how it is kept here:

* one running job per owner across every server: procrastinate's ``lock`` (the owner and the version), cleared
  from a job told to stop, so that its owner's next job may start at once (the local pool frees the slot at once too);
* one waiting job of each kind per owner: its ``queueing_lock`` (``owner:kind`` and the version), a second refused
  with ``OneWaitingError``'s line; the same owner, kind and key while one is queued or running is that job again;
* only a worker of the sender's code runs a job: each version has its queue (``core.jobs.queue_db``), and a waiting
  job's status says when no worker of its version runs (``no_worker_line``), naming the versions that do. The locks
  are each version's too, so a job left in an older version's queue holds nobody's next one;
* trainings before measuring, then round robin between owners: its ``priority``
  (``core.jobs.queue_db.job_priority``: the kind's rank, then the turn the owner's last job started in, recomputed
  for the owner's waiting jobs as one of theirs starts), so one student's script filling the queue does not go
  before a classmate's training;
* the place in the queue and about how long (``core.jobs.queue_places``: ``core.jobs.fair``'s order over the rows);
* progress and answers: the worker's row of ``handteach_job_runs``, read by ``status`` on any server;
* *Stop*: procrastinate's abort (``cancel_job_by_id(abort=True)``), heard by the worker through LISTEN/NOTIFY;
* a dead worker fails only its own job: heartbeats, swept by every worker and app server (``core.jobs.queue_sweep``);
* "the server is full": ``max_queued`` jobs waiting in this version's queue (a previous release's left-over jobs
  count for nothing here), and a version no app server or worker runs any more has its waiting jobs cancelled, each
  saying so (``core.jobs.queue_versions``, from every server's tab watcher);
* a tab that goes: the server that had it cancels the jobs it sent for it (``session_alive``), and a worker still
  running one writes no answer (``core.jobs.queue_purge``); an account deleted (``cancel_owners``): their jobs'
  rows, answers and arguments are deleted too.

Not kept: a training making a running measuring yield (a measuring runs its folds to the end or to *Stop*).
The database away for a moment is ``QueueError``'s one line (no password), never a traceback.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import procrastinate
import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from core.data.sql.postgres import _reason, shown
from core.jobs import wire
from core.jobs.job import (
    PRIORITY,
    JobRequest,
    JobState,
    JobStatus,
    OneWaitingError,
    ServerFullError,
    no_worker_line,
)
from core.jobs.queue_db import (
    LIVE_VERSIONS_SQL,
    PAYLOADS,
    RUNS,
    SENT_TURN_SQL,
    TASK,
    TURN_LOCK_SQL,
    TURNS,
    QueueError,
    conninfo,
    ensure_schema,
    job_priority,
    jobs_version,
    owner_lock,
    version_queue,
)
from core.jobs.queue_places import Places
from core.jobs.queue_purge import forget_jobs, forget_owners
from core.jobs.queue_rows import FINAL, row_status
from core.jobs.queue_sweep import Sweeper
from core.jobs.queue_versions import BEAT_S, drain_gone_versions, say_sender

MAX_QUEUED = 200
VERSIONS_FRESH_S = 2.0  # the live workers' versions serve the pages this long
WORKER_ALIVE_S = 5.0  # a worker whose heartbeat is older is not counted (the workers' default --stalled-s)
CONNECTION_WAIT_S = 5.0  # for one of the pool's connections: longer is the database away, said as QueueError
_OPEN = ("todo", "doing")
_STATUS_SQL = f"""
SELECT j.id, j.status, j.abort_requested, j.priority, j.args->'meta' AS meta, r.state, r.done, r.total, r.detail,
       r.result, r.error, r.error_type, r.error_bases, r.worker_pid,
       EXTRACT(EPOCH FROM (COALESCE(r.ended, now()) - r.started))::float AS seconds
  FROM procrastinate_jobs j LEFT JOIN {RUNS} r ON r.job_id = j.id WHERE j.id = %s"""


def job_number(job_id: str) -> int | None:
    """procrastinate's id of ``job_id`` (``kind-N``); None for an id not of this runner."""
    number = job_id.rpartition("-")[2]
    return int(number) if number.isdigit() else None


@dataclass
class QueueRunner:
    """``core.jobs.runner.JobRunner`` on procrastinate (see the module docstring). ``session_alive(session)`` says
    whether a job's tab is still there: the jobs this server sent for a tab gone ``tab_grace_s`` are cancelled."""

    url: str
    max_queued: int = MAX_QUEUED
    session_alive: Callable[[str], bool] | None = None
    tab_grace_s: float = 3.0
    keep_ended_s: float = 600.0  # an ended job's status, its answer decoded, kept in memory for its page (as local's)
    version: str = field(default_factory=jobs_version)  # this server's code: its jobs go to this version's queue

    def __post_init__(self) -> None:
        ensure_schema(self.url)
        self.queue = version_queue(self.version)
        self._versions: tuple[float, dict[str, int]] = (-1.0, {})  # when read, the live workers' versions
        connector = procrastinate.SyncPsycopgConnector(conninfo=conninfo(self.url), min_size=1, max_size=4)
        self._app = procrastinate.App(connector=connector)
        self._app.open()
        self._pool = connector.pool
        self._places = Places()
        with self._connection() as conn:  # this version has a server: its jobs are not a gone version's
            say_sender(conn, self.version)
        self._sessions: dict[str, float | None] = {}  # tabs this server sent jobs for → when first seen gone
        # job id → (when read, its ended status): an ended job's row no longer changes, and its answer (a trained
        # model with its samples, 3.4 MB of JSON for a class project) read and decoded again at each poll of each
        # tab took the app servers' cores: 60 students trained more slowly on two machines than on one
        self._ended: dict[str, tuple[float, JobStatus]] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        # a job whose worker went is ended by this server too: with every worker gone none is left to end it
        self._sweeper = Sweeper(self.url, WORKER_ALIVE_S).start()
        if self.session_alive is not None:
            threading.Thread(target=self._watch_tabs, name="handteach-queue-tabs", daemon=True).start()

    # -- the interface ------------------------------------------------------------------------------------
    def submit(self, request: JobRequest) -> str:
        rank = PRIORITY[request.kind]
        waiting_lock = f"{request.owner}:{request.kind}@{self.version}"
        meta = {"v": self.version, "kind": request.kind, "owner": request.owner, "key": request.key,
                "session": request.session, "limit_s": request.limit_s, "rank": rank}  # fmt: skip
        payload = uuid.uuid4().hex
        args = {"fn": wire.fn_name(request.fn), "payload": payload, "meta": meta}
        with self._connection() as conn:
            same = conn.execute(
                "SELECT id FROM procrastinate_jobs WHERE queue_name = %s AND status IN ('todo', 'doing') "
                "AND NOT abort_requested AND queueing_lock = %s AND args->'meta' @> %s ORDER BY id LIMIT 1",
                (self.queue, waiting_lock,
                 Jsonb({"kind": request.kind, "owner": request.owner, "key": request.key})),
            ).fetchone()  # fmt: skip
            if same is not None:
                return f"{request.kind}-{same[0]}"
            waiting = conn.execute("SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo' AND queue_name = %s",
                                   (self.queue,)).fetchone()[0]  # fmt: skip
            say_sender(conn, self.version)
            turn = conn.execute(f"SELECT turn FROM {TURNS} WHERE owner = %s", (request.owner,)).fetchone()
        if waiting >= self.max_queued:
            raise ServerFullError()
        priority = job_priority(rank, int(turn[0]) if turn is not None else 0)
        deferrer = self._app.configure_task(TASK, queue=self.queue, lock=owner_lock(request.owner, self.version),
                                            priority=priority, queueing_lock=waiting_lock)  # fmt: skip
        with self._connection() as conn:
            conn.execute(f"INSERT INTO {PAYLOADS} (key, kwargs) VALUES (%s, %s)",
                         (payload, Jsonb(wire.encode(request.kwargs))))  # fmt: skip
        try:
            number = deferrer.defer(**args)
        except procrastinate.exceptions.AlreadyEnqueued:
            self._drop_payload(payload)
            raise OneWaitingError(request.kind) from None
        except procrastinate.exceptions.ConnectorException as exc:
            with contextlib.suppress(QueueError):
                self._drop_payload(payload)
            raise self._error(exc) from None
        with self._connection() as conn, conn.transaction():
            conn.execute(TURN_LOCK_SQL, (request.owner,))
            conn.execute(SENT_TURN_SQL, (number, request.owner))
        if request.session:
            with self._lock:
                self._sessions.setdefault(request.session, None)
        return f"{request.kind}-{number}"

    def status(self, job_id: str) -> JobStatus | None:
        number = job_number(job_id)
        if number is None:
            return None
        with self._lock:
            kept = self._ended.get(job_id)
        if kept is not None and time.monotonic() - kept[0] <= self.keep_ended_s:
            return kept[1]
        with self._connection() as conn:
            with conn.cursor(row_factory=dict_row) as cur:
                row = cur.execute(_STATUS_SQL, (number,)).fetchone()
            if row is None:
                return None
            place = self._places.of(conn, number, self.queue) if row["status"] == "todo" else None
        status = row_status(job_id, row, place.ahead if place else 0, place.wait_s if place else None)
        if status.state is JobState.QUEUED and (held := self.held_line()):
            status = replace(status, held=held, wait_s=None)
        if status.state in FINAL:
            self._keep_ended(job_id, status)
        return status

    def _keep_ended(self, job_id: str, status: JobStatus) -> None:
        now = time.monotonic()
        with self._lock:
            for old in [j for j, (at, _) in self._ended.items() if now - at > self.keep_ended_s]:
                del self._ended[old]
            self._ended[job_id] = (now, status)

    def cancel(self, job_id: str) -> None:
        number = job_number(job_id)
        if number is not None:
            self._abort([number])

    def cancel_session(self, session: str) -> int:
        """Cancel every job followed by tab ``session`` (on any server), a running one's answer never written; how
        many."""
        cancelled = self._abort(self._open_jobs({"session": session}))
        with self._connection() as conn:
            forget_jobs(conn, {"session": session})
        return cancelled

    def cancel_owner(self, owner: str) -> int:
        """Cancel every job of ``owner``, waiting or running, on any server; how many."""
        return self._abort(self._open_jobs({"owner": owner}))

    def live_versions(self) -> dict[str, int]:
        """The versions the workers alive run, with how many of each (read at most once every ``VERSIONS_FRESH_S``
        while one of this server's version runs; at each ask while none does, so that a worker just started is
        seen at once, not after its jobs have begun)."""
        with self._lock:
            at, known = self._versions
        if time.monotonic() - at <= VERSIONS_FRESH_S and known.get(self.version):
            return known
        with self._connection() as conn:
            known = {str(v): int(n) for v, n in conn.execute(LIVE_VERSIONS_SQL, (WORKER_ALIVE_S,)).fetchall()}
        with self._lock:
            self._versions = (time.monotonic(), known)
        return known

    def held_line(self) -> str:
        """Why this server's waiting jobs cannot start whatever their place: no worker of its version runs (the line
        names the versions that do, and the command that starts one); "" when one runs."""
        versions = self.live_versions()
        return "" if versions.get(self.version) else no_worker_line(self.version, sorted(versions))

    def warm(self) -> None:
        """Nothing to start here: the workers are ``python -m core jobs worker``'s, on any machine."""

    def close(self) -> None:
        self._closed.set()
        self._sweeper.stop()
        self._app.close()

    def worker_pids(self) -> list[int]:
        """The processes running a job now, on this machine or another (for tests and ``status``)."""
        with self._connection() as conn:
            rows = conn.execute(f"SELECT r.worker_pid FROM {RUNS} r JOIN procrastinate_jobs j ON j.id = r.job_id "
                                "WHERE j.status = 'doing' AND r.worker_pid IS NOT NULL").fetchall()  # fmt: skip
        return [int(r[0]) for r in rows]

    # -- helpers ------------------------------------------------------------------------------------------
    def _drop_payload(self, key: str) -> None:
        with self._connection() as conn:
            conn.execute(f"DELETE FROM {PAYLOADS} WHERE key = %s", (key,))

    @contextlib.contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        """One of the pool's connections; the database away is ``QueueError``'s one line."""
        try:
            # a few seconds, not the pool's 30 s: a page asking while the database is away says so soon
            with self._pool.connection(timeout=CONNECTION_WAIT_S) as conn:
                yield conn
        except psycopg.Error as exc:  # psycopg_pool's PoolTimeout too
            raise self._error(exc) from None

    def _error(self, exc: BaseException) -> QueueError:
        return QueueError(f"the job queue's database {shown(self.url)} did not answer: {_reason(exc, self.url)}")

    def _open_jobs(self, meta: dict[str, Any]) -> list[int]:
        with self._connection() as conn:
            rows = conn.execute("SELECT id FROM procrastinate_jobs WHERE status IN ('todo', 'doing') "
                                "AND args->'meta' @> %s", (Jsonb(meta),)).fetchall()  # fmt: skip
        return [int(r[0]) for r in rows]

    def _abort(self, numbers: list[int]) -> int:
        done = 0
        for number in numbers:
            try:
                done += bool(self._app.job_manager.cancel_job_by_id(number, abort=True))
            except procrastinate.exceptions.ConnectorException as exc:
                raise self._error(exc) from None
        if numbers:  # a running job told to stop holds its owner's turn no longer: their next job may start
            with self._connection() as conn:
                conn.execute("UPDATE procrastinate_jobs SET lock = NULL WHERE id = ANY(%s) AND status = 'doing'",
                             (numbers,))  # fmt: skip
        return done

    def _watch_tabs(self) -> None:
        assert self.session_alive is not None
        beat = time.monotonic()
        while not self._closed.wait(1.0):
            if time.monotonic() - beat >= BEAT_S:
                beat = time.monotonic()
                with contextlib.suppress(psycopg.Error, QueueError), self._connection() as conn:
                    say_sender(conn, self.version)
                    drain_gone_versions(conn)
            with self._lock:
                sessions = list(self._sessions)
            now = time.monotonic()
            for session in sessions:
                # the database away for a moment: checked again in a second
                with contextlib.suppress(psycopg.Error, procrastinate.exceptions.ProcrastinateException, QueueError):
                    self._check_tab(session, now)

    def _check_tab(self, session: str, now: float) -> None:
        assert self.session_alive is not None
        if self.session_alive(session):
            with self._lock:
                self._sessions[session] = None
            if not self._open_jobs({"session": session}):
                with self._lock:
                    self._sessions.pop(session, None)
            return
        with self._lock:
            away = self._sessions.get(session) or now
            self._sessions[session] = away
        if now - away >= self.tab_grace_s:  # not a blip: the tab went
            self.cancel_session(session)
            with self._lock:
                self._sessions.pop(session, None)


def cancel_owners(url: str, owners: list[str]) -> int:
    """Cancel every job of ``owners`` in the site's queue on ``url``, waiting or running, whichever server sent it,
    then forget them: their rows, answers, arguments and turns (``core.jobs.queue_purge``; accounts deleted); how
    many were cancelled."""
    runner = QueueRunner(url)
    try:
        cancelled = sum(runner.cancel_owner(owner) for owner in owners)
        with runner._connection() as conn:
            forget_owners(conn, owners)
        return cancelled
    finally:
        runner.close()

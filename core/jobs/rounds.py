"""The local runner's scheduler thread (``core.jobs.local.LocalRunner`` runs ``Rounds._loop``): each round it
reads the workers' answers and deaths, cancels the jobs of tabs that went, stops jobs past their time limit
(``JobRequest.limit_s``: asked to stop, then ended as a cancel is; the job fails with ``time_limit_line``), sends
cancels, and hands queued jobs to free workers by the rules of ``core.jobs.fair``.

A mixin of ``LocalRunner``: its state (``_jobs``, ``_pool``, ``_lock``, ...) is the runner's, declared below for
the type checker; the runner's own methods (``_end``, ``_queued``, ``_busy_owners``, ``cancel_session``) are used
here. The methods named "under the lock" expect ``_lock`` held.
"""

from __future__ import annotations

import logging
import pickle
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from typing import Any

from core.jobs import fair
from core.jobs.job import PRIORITY, TIME_LIMIT, JobRequest, JobState, JobStatus, time_limit_line, worker_died
from core.jobs.procs import Worker, send, start_worker
from core.jobs.runner import worker_threads

_LOGGER = logging.getLogger("core.jobs.local")


@dataclass
class Job:
    """A job as the runner keeps it (never leaves the web process)."""

    request: JobRequest
    seq: int
    status: JobStatus
    submitted: float
    started: float | None = None
    ended: float | None = None
    cancel_asked: float | None = None
    cancel_sent: bool = False
    yielding: bool = False  # asked to stop for a waiting training: back in the queue once stopped
    timed_out: bool = False  # asked to stop at its time limit: it fails with the limit's line, whatever it answers


class Rounds:
    """The scheduler thread's work (see the module's docstring)."""

    workers: int
    preload: tuple[str, ...]
    session_alive: Callable[[str], bool] | None
    owners_gone: Callable[[set[str]], set[str]] | None
    cancel_grace_s: float
    tab_grace_s: float
    keep_ended_s: float
    _lock: threading.Lock
    _jobs: dict[str, Job]
    _pool: list[Worker]
    _away: dict[str, float]
    _turns: Iterator[int]
    _last_ran: dict[str, int]
    _version: int
    _wake_r: Connection
    _wake_w: Connection
    _thread: threading.Thread
    _closed: bool
    _end: Callable[..., None]
    _queued: Callable[[], list[fair.Waiting]]
    _busy_owners: Callable[[], set[str]]
    cancel_session: Callable[[str], int]
    cancel_owner: Callable[[str], int]

    # -- the scheduler thread ----------------------------------------------------------------------------
    def _wake(self) -> None:
        with self._lock:
            if not self._closed or self._thread.is_alive():
                self._wake_w.send_bytes(b"!")

    def _loop(self) -> None:
        last_check = 0.0
        while not self._closing():
            try:
                self._round()
                if time.monotonic() - last_check >= 1.0:
                    last_check = time.monotonic()
                    self._check_sessions()
                    self._check_owners()
                with self._lock:
                    self._send_cancels()
                    self._dispatch()
                    self._prune()
            except Exception:  # a bug here must not stop every student's jobs: logged, and the next round goes on
                _LOGGER.exception("the job runner's round failed")
                time.sleep(0.5)

    def _closing(self) -> bool:
        with self._lock:
            if self._closed:
                for worker in self._pool:
                    send(worker, ("stop",))
            return self._closed

    def _round(self) -> None:
        """Wait (at most a second) for a wake-up or a worker's answer, and read what came."""
        with self._lock:
            waitables: dict[Any, Worker | None] = {self._wake_r: None}
            for worker in self._pool:
                waitables[worker.conn] = worker  # readable at each answer, and at its end (EOF)
        for ready in wait(list(waitables), timeout=1.0):
            worker = waitables[ready]
            if worker is None:
                while self._wake_r.poll():
                    self._wake_r.recv_bytes()
            else:
                self._read(worker)

    def _read(self, worker: Worker) -> None:
        try:
            while worker.conn.poll():
                data = worker.conn.recv_bytes()
                try:
                    message = pickle.loads(data)
                except Exception as exc:  # noqa: BLE001 - an answer that cannot be read fails its job, not the runner
                    message = ("failed", worker.job, f"the job's answer could not be read: {exc}", type(exc).__name__)
                with self._lock:
                    self._handle(worker, message)
        except (EOFError, OSError):  # it went: its last answers were read above
            self._died(worker)

    def _handle(self, worker: Worker, message: tuple[Any, ...]) -> None:
        kind, job_id = message[0], message[1]
        job = self._jobs.get(job_id)
        if job is None or job.status.ended:
            worker.job = None if kind != "progress" and worker.job == job_id else worker.job
            return
        if kind == "progress":
            job.status = replace(job.status, done=message[2], total=message[3], detail=message[4])
            return
        worker.job = None
        if kind == "cancelled" and job.yielding and job.cancel_asked is None:  # it yielded: queued again, in its place
            job.yielding, job.started = False, None
            self._version += 1
            job.status = replace(job.status, state=JobState.QUEUED, done=0, total=0, detail=None)
            return
        if job.timed_out and kind == "cancelled":  # stopped at its time limit: one line, nothing of it kept
            self._end(job, JobState.FAILED, error=time_limit_line(job.request.kind, job.request.limit_s),
                      error_type=TIME_LIMIT)  # fmt: skip
        elif kind == "done":
            self._end(job, JobState.DONE, result=message[2])
        elif kind == "cancelled":
            self._end(job, JobState.CANCELLED, result=message[2])
        else:
            self._end(job, JobState.FAILED, error=message[2], error_type=message[3],
                      error_bases=tuple(message[4]) if len(message) > 4 else ())  # fmt: skip

    def _died(self, worker: Worker) -> None:
        with self._lock:
            if worker not in self._pool:
                return
            self._pool.remove(worker)
            job = self._jobs.get(worker.job) if worker.job else None
            if job is not None and not job.status.ended:
                if job.timed_out:  # it did not stop at its time limit: its worker was ended
                    self._end(job, JobState.FAILED, error=time_limit_line(job.request.kind, job.request.limit_s),
                              error_type=TIME_LIMIT)  # fmt: skip
                elif job.cancel_asked is not None:
                    self._end(job, JobState.CANCELLED)
                else:
                    self._end(job, JobState.FAILED, error=worker_died(job.request.kind), error_type="WorkerDied")
        worker.close()

    def _check_sessions(self) -> None:
        if self.session_alive is None:
            return
        with self._lock:
            sessions = {j.request.session for j in self._jobs.values() if j.request.session and not j.status.ended}
        now = time.monotonic()
        for session in sessions:
            if self.session_alive(session):
                self._away.pop(session, None)
            elif now - self._away.setdefault(session, now) >= self.tab_grace_s:  # not a blip: the tab went
                self.cancel_session(session)
                self._away.pop(session, None)

    def _check_owners(self) -> None:
        """Cancel the jobs of owners whose account went (deleted from the command line, where this pool is out of
        reach: ``core.classes.removal``), asked once a second while any job of an account is open."""
        if self.owners_gone is None:
            return
        with self._lock:
            owners = {j.request.owner for j in self._jobs.values() if not j.status.ended and j.cancel_asked is None}
        if owners:
            for owner in self.owners_gone(owners):
                self.cancel_owner(owner)

    def _send_cancels(self) -> None:
        now = time.monotonic()
        for worker in list(self._pool):
            job = self._jobs.get(worker.job) if worker.job else None
            if job is None:
                continue
            limit = job.request.limit_s
            if job.cancel_asked is None and limit > 0 and job.started is not None and now - job.started > limit:
                job.cancel_asked, job.timed_out = now, True  # its owner's next job may go now; the worker is told
                self._version += 1
            if job.cancel_asked is None:
                continue
            if not job.cancel_sent:
                job.cancel_sent = send(worker, ("cancel", worker.job))
            elif now - job.cancel_asked > self.cancel_grace_s:  # a job that does not stop: its worker goes
                worker.process.terminate()

    def _dispatch(self) -> None:
        while True:
            queued = self._queued()
            nxt = fair.pick(queued, self._busy_owners(), self._last_ran) if queued else None
            if nxt is None:
                return
            worker = next((w for w in self._pool if w.job is None), None)
            if worker is None and len(self._pool) < self.workers:
                worker = start_worker(self.preload, worker_threads(self.workers))
                self._pool.append(worker)
            if worker is None:
                self._make_way(nxt)
                return
            job = self._jobs[nxt.job_id]
            worker.job, job.started = nxt.job_id, time.monotonic()
            self._last_ran[nxt.owner] = next(self._turns)  # round robin: this owner goes after the others now
            job.status = replace(job.status, state=JobState.RUNNING, ahead=0, wait_s=None)
            self._version += 1
            try:
                sent = send(worker, ("run", nxt.job_id, job.request.fn, job.request.kwargs))
            except (pickle.PicklingError, TypeError, AttributeError) as exc:  # a bug of the caller: said, not hung
                sent, worker.job = True, None
                self._end(job, JobState.FAILED, error=f"the job could not be sent to a worker: {exc}",
                          error_type=type(exc).__name__)  # fmt: skip
            if not sent:
                self._end(job, JobState.FAILED, error=worker_died(job.request.kind), error_type="WorkerDied")
                worker.job = None
                return

    def _make_way(self, waiting: fair.Waiting) -> None:
        """Every worker busy and ``waiting`` ranks above a running job (a training over a measuring): that job is
        asked to stop between its steps and goes back to the queue (its steps done are lost; a fold is seconds)."""
        running = [(j, w) for w in self._pool if (j := self._jobs.get(w.job or "")) is not None]
        lower = [(j, w) for j, w in running if PRIORITY[j.request.kind] > PRIORITY[waiting.kind]]
        if not lower or any(j.yielding for j, _ in running):  # one at a time: the next free worker takes it
            return
        job, worker = max(lower, key=lambda jw: (PRIORITY[jw[0].request.kind], jw[0].seq))
        job.yielding = send(worker, ("cancel", worker.job))

    def _prune(self) -> None:
        now = time.monotonic()
        old = [i for i, j in self._jobs.items() if j.ended is not None and now - j.ended > self.keep_ended_s]
        for job_id in old:
            del self._jobs[job_id]
        if old:  # an owner with no job known any more: their turn is forgotten (they go first next time)
            owners = {j.request.owner for j in self._jobs.values()}
            for owner in [o for o in self._last_ran if o not in owners]:
                del self._last_ran[owner]

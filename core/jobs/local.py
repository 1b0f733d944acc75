"""The local job runner: a pool of worker processes (``core.jobs.procs``) shared by every session of the server process.

A scheduler thread keeps the queue (``core.jobs.fair``: one running job per owner, round robin between owners,
trainings before figures, one waiting job of each kind per owner), hands a job to a free worker, stops a job past
its ``limit_s`` (a class's time limit, ``core.classes.quotas``), reads progress and results from the workers' pipes and
watches their processes: a worker that dies (killed, out of memory) fails only its own job, in one line, and is
replaced. A cancel frees its owner's slot at once; a job that does not stop within ``cancel_grace_s`` has its
worker ended. Workers are fresh interpreters, never forks: the server's threads (Streamlit, MediaPipe) stay its own.
"""

from __future__ import annotations

import itertools
import multiprocessing
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from core.jobs import fair
from core.jobs.job import JobRequest, JobState, JobStatus, OneWaitingError, ServerFullError
from core.jobs.procs import Worker, start_worker
from core.jobs.rounds import Job, Rounds
from core.jobs.runner import default_workers, worker_threads

MAX_QUEUED = 200
GUESS_S = 15.0  # a job's run time before any of its kind ended


@dataclass(frozen=True)
class PoolLoad:
    """What a pool holds at one moment (``LocalRunner.load``), for the site's status (``core.site``)."""

    workers: int  # processes started (at most the pool's size)
    size: int  # the pool's size: ``workers`` once warm
    running: dict[str, int]  # kind → jobs running
    waiting: dict[str, int]  # kind → jobs waiting their turn
    oldest_wait_s: float | None  # how long the longest-waiting job has waited; None when none waits


# this process's pools not yet closed (``open_load``), by id: a dataclass with ``eq`` is not hashable
_OPEN: weakref.WeakValueDictionary[int, LocalRunner] = weakref.WeakValueDictionary()


def open_load() -> PoolLoad | None:
    """The load of this process's open pools together (a server has one; ``core.site``'s heartbeat reports it);
    None when it has none."""
    loads = [runner.load() for runner in list(_OPEN.values())]
    if not loads:
        return None
    running: dict[str, int] = {}
    waiting: dict[str, int] = {}
    for load in loads:
        for kind, n in load.running.items():
            running[kind] = running.get(kind, 0) + n
        for kind, n in load.waiting.items():
            waiting[kind] = waiting.get(kind, 0) + n
    oldest = max((load.oldest_wait_s for load in loads if load.oldest_wait_s is not None), default=None)
    return PoolLoad(sum(x.workers for x in loads), sum(x.size for x in loads), running, waiting, oldest)


def _same(a: JobRequest, b: JobRequest) -> bool:
    return (a.owner, a.kind, a.key) == (b.owner, b.kind, b.key)


@dataclass
class LocalRunner(Rounds):
    """``core.jobs.runner.JobRunner`` on this machine. ``session_alive(session)`` says whether a job's tab is still
    there (checked each second; the jobs of a tab gone ``tab_grace_s`` are cancelled); ``owners_gone(owners)``, which
    of the owners of open jobs are gone (their account deleted elsewhere: checked each second, their jobs cancelled)."""

    workers: int = field(default_factory=default_workers)
    max_queued: int = MAX_QUEUED
    preload: tuple[str, ...] = ()  # modules each worker imports before its first job (torch: seconds)
    session_alive: Callable[[str], bool] | None = None
    owners_gone: Callable[[set[str]], set[str]] | None = None
    cancel_grace_s: float = 10.0
    tab_grace_s: float = 3.0  # a tab away this long has gone (Streamlit's frontend reconnects a blip within seconds)
    keep_ended_s: float = 600.0  # an ended job's status stays this long for its page

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._pool: list[Worker] = []
        self._seq = itertools.count()
        self._means: dict[str, float] = {}
        self._turns = itertools.count()
        self._last_ran: dict[str, int] = {}  # owner → the turn their last job started in (round robin, core.jobs.fair)
        self._away: dict[str, float] = {}  # session → when its tab was first seen gone
        self._version = 0  # counts changes of the queue or of who runs: the cached order below is of this one
        self._order: tuple[int, list[str]] = (-1, [])
        self._wake_r, self._wake_w = multiprocessing.Pipe(duplex=False)
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="handteach-jobs", daemon=True)
        self._thread.start()
        _OPEN[id(self)] = self

    # -- the interface ------------------------------------------------------------------------------------
    def submit(self, request: JobRequest) -> str:
        with self._lock:
            for job_id, job in self._jobs.items():
                if _same(job.request, request) and not job.status.ended and job.cancel_asked is None:
                    return job_id
            if fair.waiting_of(self._queued(), request.owner, request.kind) is not None:
                raise OneWaitingError(request.kind)
            if sum(j.status.state is JobState.QUEUED for j in self._jobs.values()) >= self.max_queued:
                raise ServerFullError()
            seq = next(self._seq)
            job_id = f"{request.kind}-{seq}"
            status = JobStatus(job_id, request.kind, request.owner, JobState.QUEUED, 0, None, 0, 0, None, None, None,
                               "", 0.0)  # fmt: skip
            self._jobs[job_id] = Job(request, seq, status, time.monotonic())
            self._version += 1
        self._wake()
        return job_id

    def status(self, job_id: str) -> JobStatus | None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            now = time.monotonic()
            seconds = (job.ended or now) - job.started if job.started is not None else 0.0
            status = replace(job.status, seconds=seconds, cancelled=job.cancel_asked is not None)
            return self._place(job_id, status) if status.state is JobState.QUEUED else status

    def cancel(self, job_id: str) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                self._cancel(job)
        self._wake()

    def cancel_session(self, session: str) -> int:
        """Cancel every job followed by tab ``session``; how many."""
        with self._lock:
            jobs = [j for j in self._jobs.values() if j.request.session == session and not j.status.ended]
            for job in jobs:
                self._cancel(job)
        self._wake()
        return len(jobs)

    def cancel_owner(self, owner: str) -> int:
        """Cancel every job of ``owner`` (queued ones end now, running ones are told to stop); how many."""
        with self._lock:
            jobs = [j for j in self._jobs.values() if j.request.owner == owner and not j.status.ended]
            for job in jobs:
                self._cancel(job)
        self._wake()
        return len(jobs)

    def close(self) -> None:
        _OPEN.pop(id(self), None)
        with self._lock:
            self._closed = True
        self._wake()
        self._thread.join(5)
        for worker in self._pool:
            worker.process.terminate()
        for worker in self._pool:
            worker.close(5)

    def warm(self) -> None:
        """Start every worker now, so that the first jobs wait for no import (torch: seconds)."""
        with self._lock:
            missing = 0 if self._closed else max(0, self.workers - len(self._pool))
            self._pool += [start_worker(self.preload, worker_threads(self.workers)) for _ in range(missing)]
        if missing:
            self._wake()  # the scheduler waits on the new workers' sockets too

    def load(self) -> PoolLoad:
        """Its workers, running and waiting jobs by kind, and the longest wait (a cancelled job is not counted)."""
        running: dict[str, int] = {}
        waiting: dict[str, int] = {}
        with self._lock:
            now = time.monotonic()
            for job in self._running():
                if not job.status.ended and job.cancel_asked is None:
                    running[job.request.kind] = running.get(job.request.kind, 0) + 1
            queued = [j for j in self._jobs.values() if j.status.state is JobState.QUEUED]
            for job in queued:
                waiting[job.request.kind] = waiting.get(job.request.kind, 0) + 1
            oldest = max((now - j.submitted for j in queued), default=None)
            return PoolLoad(len(self._pool), self.workers, running, waiting, oldest)

    def worker_pids(self) -> list[int]:
        """The worker processes' ids (for the benchmark's memory and for tests that end one)."""
        with self._lock:
            return [w.process.pid for w in self._pool if w.process.pid is not None]

    # -- under the lock -----------------------------------------------------------------------------------
    def _cancel(self, job: Job) -> None:
        if job.status.state is JobState.QUEUED:
            self._end(job, JobState.CANCELLED)
        elif job.status.state is JobState.RUNNING and job.cancel_asked is None:
            job.cancel_asked = time.monotonic()
            self._version += 1  # its owner's next job may go first now

    def _end(self, job: Job, state: JobState, **changes: Any) -> None:  # noqa: ANN401
        self._version += 1
        job.ended = time.monotonic()
        job.status = replace(job.status, state=state, ahead=0, wait_s=None, **changes)
        job.request = replace(job.request, kwargs={})  # an upload's bytes: not kept the ``keep_ended_s`` its status is
        if state is JobState.DONE and job.started is not None:  # the pace of its kind, for waiting times
            took, mean = job.ended - job.started, self._means.get(job.request.kind)
            self._means[job.request.kind] = took if mean is None else 0.7 * mean + 0.3 * took

    def _busy_owners(self) -> set[str]:
        running = (self._jobs[w.job] for w in self._pool if w.job is not None and w.job in self._jobs)
        return {j.request.owner for j in running if j.cancel_asked is None}

    def _queued(self) -> list[fair.Waiting]:
        return [fair.Waiting(i, j.request.kind, j.request.owner, j.seq) for i, j in self._jobs.items()
                if j.status.state is JobState.QUEUED]  # fmt: skip

    def _place(self, job_id: str, status: JobStatus) -> JobStatus:
        if self._order[0] != self._version:  # 30 tabs polling twice a second: the order once per change
            order = fair.dispatch_order(self._queued(), self._busy_owners(), self._last_ran)
            self._order = (self._version, [w.job_id for w in order])
        order = self._order[1]
        ahead = order[: order.index(job_id)] if job_id in order else []
        now = time.monotonic()
        left = [self._mean(j.request.kind) - (now - (j.started or now)) for j in self._running()]
        wait_s = fair.wait_estimate([self._mean(self._jobs[i].request.kind) for i in ahead], left, self.workers)
        return replace(status, ahead=len(ahead), wait_s=wait_s)

    def _mean(self, kind: str) -> float:
        return self._means.get(kind, GUESS_S)

    def _running(self) -> list[Job]:
        return [self._jobs[w.job] for w in self._pool if w.job is not None and w.job in self._jobs]

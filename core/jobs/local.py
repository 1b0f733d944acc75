"""The local job runner: a pool of worker processes (``core.jobs.procs``) shared by every session of the server process.

A scheduler thread keeps the queue (``core.jobs.fair``: one running job per owner, first come first served,
trainings before figures), hands a job to a free worker, reads progress and results from the workers' pipes and
watches their processes: a worker that dies (killed, out of memory) fails only its own job, in one line, and is
replaced. A cancel frees its owner's slot at once; a job that does not stop within ``cancel_grace_s`` has its
worker ended. Workers are fresh interpreters, never forks: the server's threads (Streamlit, MediaPipe) stay its own.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import pickle
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from multiprocessing.connection import wait
from typing import Any

from core.jobs import fair
from core.jobs.job import PRIORITY, WORKER_DIED, JobRequest, JobState, JobStatus, ServerFullError
from core.jobs.procs import Worker, send, start_worker
from core.jobs.runner import default_workers

MAX_QUEUED = 200
_LOGGER = logging.getLogger(__name__)
GUESS_S = 15.0  # a job's run time before any of its kind ended


@dataclass
class _Job:
    request: JobRequest
    seq: int
    status: JobStatus
    submitted: float
    started: float | None = None
    ended: float | None = None
    cancel_asked: float | None = None
    cancel_sent: bool = False
    yielding: bool = False  # asked to stop for a waiting training: back in the queue once stopped


def _same(a: JobRequest, b: JobRequest) -> bool:
    return (a.owner, a.kind, a.key) == (b.owner, b.kind, b.key)


@dataclass
class LocalRunner:
    """``core.jobs.runner.JobRunner`` on this machine. ``session_alive(session)`` says whether a job's tab is still
    there (checked each second; the jobs of a tab gone ``tab_grace_s`` are cancelled)."""

    workers: int = field(default_factory=default_workers)
    max_queued: int = MAX_QUEUED
    preload: tuple[str, ...] = ()  # modules each worker imports before its first job (torch: seconds)
    session_alive: Callable[[str], bool] | None = None
    cancel_grace_s: float = 10.0
    tab_grace_s: float = 3.0  # a tab away this long has gone (Streamlit's frontend reconnects a blip within seconds)
    keep_ended_s: float = 600.0  # an ended job's status stays this long for its page

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, _Job] = {}
        self._pool: list[Worker] = []
        self._seq = itertools.count()
        self._means: dict[str, float] = {}
        self._away: dict[str, float] = {}  # session → when its tab was first seen gone
        self._version = 0  # counts changes of the queue or of who runs: the cached order below is of this one
        self._order: tuple[int, list[str]] = (-1, [])
        self._wake_r, self._wake_w = multiprocessing.Pipe(duplex=False)
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="handteach-jobs", daemon=True)
        self._thread.start()

    # -- the interface ------------------------------------------------------------------------------------
    def submit(self, request: JobRequest) -> str:
        with self._lock:
            for job_id, job in self._jobs.items():
                if _same(job.request, request) and not job.status.ended and job.cancel_asked is None:
                    return job_id
            if sum(j.status.state is JobState.QUEUED for j in self._jobs.values()) >= self.max_queued:
                raise ServerFullError()
            seq = next(self._seq)
            job_id = f"{request.kind}-{seq}"
            status = JobStatus(job_id, request.kind, request.owner, JobState.QUEUED, 0, None, 0, 0, None, None, None,
                               "", 0.0)  # fmt: skip
            self._jobs[job_id] = _Job(request, seq, status, time.monotonic())
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

    def close(self) -> None:
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
            self._pool += [start_worker(self.preload) for _ in range(missing)]
        if missing:
            self._wake()  # the scheduler waits on the new workers' sockets too

    def worker_pids(self) -> list[int]:
        """The worker processes' ids (for the benchmark's memory and for tests that end one)."""
        with self._lock:
            return [w.process.pid for w in self._pool if w.process.pid is not None]

    # -- under the lock -----------------------------------------------------------------------------------
    def _cancel(self, job: _Job) -> None:
        if job.status.state is JobState.QUEUED:
            self._end(job, JobState.CANCELLED)
        elif job.status.state is JobState.RUNNING and job.cancel_asked is None:
            job.cancel_asked = time.monotonic()
            self._version += 1  # its owner's next job may go first now

    def _end(self, job: _Job, state: JobState, **changes: Any) -> None:  # noqa: ANN401
        self._version += 1
        job.ended = time.monotonic()
        job.status = replace(job.status, state=state, ahead=0, wait_s=None, **changes)
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
            self._order = (self._version, [w.job_id for w in fair.dispatch_order(self._queued(), self._busy_owners())])
        order = self._order[1]
        ahead = order[: order.index(job_id)] if job_id in order else []
        now = time.monotonic()
        left = [self._mean(j.request.kind) - (now - (j.started or now)) for j in self._running()]
        wait_s = fair.wait_estimate([self._mean(self._jobs[i].request.kind) for i in ahead], left, self.workers)
        return replace(status, ahead=len(ahead), wait_s=wait_s)

    def _mean(self, kind: str) -> float:
        return self._means.get(kind, GUESS_S)

    def _running(self) -> list[_Job]:
        return [self._jobs[w.job] for w in self._pool if w.job is not None and w.job in self._jobs]

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
        if kind == "done":
            self._end(job, JobState.DONE, result=message[2])
        elif kind == "cancelled":
            self._end(job, JobState.CANCELLED, result=message[2])
        else:
            self._end(job, JobState.FAILED, error=message[2], error_type=message[3])

    def _died(self, worker: Worker) -> None:
        with self._lock:
            if worker not in self._pool:
                return
            self._pool.remove(worker)
            job = self._jobs.get(worker.job) if worker.job else None
            if job is not None and not job.status.ended:
                if job.cancel_asked is not None:
                    self._end(job, JobState.CANCELLED)
                else:
                    self._end(job, JobState.FAILED, error=WORKER_DIED, error_type="WorkerDied")
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

    def _send_cancels(self) -> None:
        now = time.monotonic()
        for worker in list(self._pool):
            job = self._jobs.get(worker.job) if worker.job else None
            if job is None or job.cancel_asked is None:
                continue
            if not job.cancel_sent:
                job.cancel_sent = send(worker, ("cancel", worker.job))
            elif now - job.cancel_asked > self.cancel_grace_s:  # a job that does not stop: its worker goes
                worker.process.terminate()

    def _dispatch(self) -> None:
        while True:
            queued = self._queued()
            nxt = fair.pick(queued, self._busy_owners()) if queued else None
            if nxt is None:
                return
            worker = next((w for w in self._pool if w.job is None), None)
            if worker is None and len(self._pool) < self.workers:
                worker = start_worker(self.preload)
                self._pool.append(worker)
            if worker is None:
                self._make_way(nxt)
                return
            job = self._jobs[nxt.job_id]
            worker.job, job.started = nxt.job_id, time.monotonic()
            job.status = replace(job.status, state=JobState.RUNNING, ahead=0, wait_s=None)
            self._version += 1
            try:
                sent = send(worker, ("run", nxt.job_id, job.request.fn, job.request.kwargs))
            except (pickle.PicklingError, TypeError, AttributeError) as exc:  # a bug of the caller: said, not hung
                sent, worker.job = True, None
                self._end(job, JobState.FAILED, error=f"the job could not be sent to a worker: {exc}",
                          error_type=type(exc).__name__)  # fmt: skip
            if not sent:
                self._end(job, JobState.FAILED, error=WORKER_DIED, error_type="WorkerDied")
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

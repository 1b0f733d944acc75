"""Following a job of the server's runner from a page: a thread's shape (start, snapshot, cancel, wait) over
``ui.jobs.pool``.

A run submits its job on ``start`` and reads its status on each ``snapshot``; ``cancel`` frees the student's turn
at once; ``wait`` polls until it ended (tests, the command line's way of waiting).
"""

from __future__ import annotations

import time
from typing import Self

from core.data.sql.schema import StoreError
from core.jobs.job import DATABASE_AWAY, TIME_LIMIT, WORKER_VERSION, JobRequest, JobState, JobStatus, ServerFullError
from ui.common import state
from ui.jobs import pool

POLL_S = 0.05


class RemoteRun:
    """One job at a time, submitted with ``_submit``; subclasses build their snapshots from ``_status``."""

    said_errors: tuple[str, ...] = ("WorkerDied",)  # exception class names whose message is shown alone

    def _prepare(self) -> None:
        self._job: str | None = None
        self._refused: str | None = None  # the server was full: nothing queued
        self._started = time.monotonic()
        self._ended: dict[str, JobStatus] = {}
        self._seen: dict[str, JobStatus] = {}  # the latest status of each job, while the queue's database is away

    def _submit(self, kind: str, fn: object, kwargs: dict, key: str) -> str | None:
        try:
            state.require_session()  # signed out in another tab since this page ran: nothing is sent
            request = JobRequest(kind, pool.owner(), fn, kwargs, session=pool.session(), key=key,
                                 limit_s=pool.time_limit())  # fmt: skip
            return pool.runner().submit(request)
        except ServerFullError as exc:  # the queue is full, or one of this student's jobs of that kind waits already
            self._refused = str(exc)
            return None
        except StoreError as exc:  # the job queue's database did not answer (core.jobs.queue): nothing was queued
            self._refused = str(exc)
            return None

    def _status(self, job: str | None) -> JobStatus | None:
        """The job's status; once ended, kept here too (the runner forgets ended jobs after a while)."""
        if job is None:
            return None
        known = self._ended.get(job)
        try:
            status = known or pool.runner().status(job)
        except StoreError:  # the job queue's database away for a moment: the page shows what it saw last meanwhile
            if job not in self._seen:
                raise
            return self._seen[job]
        if status is not None:
            self._seen[job] = status
        if status is not None and status.ended:
            self._ended[job] = status
        return status

    def _error_of(self, status: JobStatus | None) -> str | None:
        if status is None or status.state is not JobState.FAILED:
            return None
        said_alone = (*self.said_errors, TIME_LIMIT, WORKER_VERSION, DATABASE_AWAY)  # lines of ours: shown as they are
        said = status.error_type in said_alone or bool(set(status.error_bases) & set(self.said_errors))
        return status.error if said else f"{status.error_type}: {status.error}"

    def _running(self) -> bool:
        raise NotImplementedError

    def wait(self, timeout: float | None = None) -> bool:
        end = None if timeout is None else time.monotonic() + timeout
        while self._running():
            if end is not None and time.monotonic() > end:
                return False
            time.sleep(POLL_S)
        return True


class FollowedJob(RemoteRun):
    """One job of the server's runner as a page follows it: ``start`` sends ``fn(**kwargs)`` as a job of ``kind``
    on ``key`` (the project: pressing again while it runs is the same job), ``status`` reads it, ``cancel``.

    The kwargs (an upload's bytes) are dropped once sent: the session keeps only what follows the job."""

    def __init__(self, kind: str, fn: object, kwargs: dict, key: str,
                 said_errors: tuple[str, ...] = ("ValueError", "WorkerDied")) -> None:  # fmt: skip
        self._prepare()
        self.kind, self.key, self.said_errors = kind, key, said_errors
        self._fn, self._kwargs = fn, kwargs

    def start(self) -> FollowedJob:
        self._started = time.monotonic()
        self._job = self._submit(self.kind, self._fn, self._kwargs, self.key)
        self._kwargs = {}
        return self

    def cancel(self) -> None:
        if self._job is not None:
            pool.runner().cancel(self._job)

    def status(self) -> JobStatus | None:
        return self._status(self._job)

    def _running(self) -> bool:
        status = self.status()
        return status is not None and not status.ended

    def error(self, status: JobStatus | None) -> str | None:
        """The page's one line: the server was full, the job's own error, or that the server forgot it."""
        if status is None:
            return self._refused or "the job was lost: the server restarted"
        return self._error_of(status)

    @staticmethod
    def cancelled(status: JobStatus | None) -> bool:
        return status is not None and (status.cancelled or status.state is JobState.CANCELLED)

    @staticmethod
    def waiting(status: JobStatus | None) -> str:
        """ "Waiting: 2 jobs ahead of your import, about 10 s." while queued, else ""."""
        return pool.waiting_text(status) if status is not None and status.state is JobState.QUEUED else ""


class FollowsOneJob:
    """``start``, ``cancel`` and ``wait`` of a page's run that is one ``FollowedJob``, made in its ``__post_init__``
    as ``_job`` (fine-tuning, a motion training): the run adds only its own snapshot."""

    _job: FollowedJob

    def start(self) -> Self:
        self._job.start()
        return self

    def cancel(self) -> None:
        self._job.cancel()

    def wait(self, timeout: float | None = None) -> bool:
        return self._job.wait(timeout)

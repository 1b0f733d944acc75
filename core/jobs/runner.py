"""The job runner's one interface: what a page or the command line needs to send long work away and follow it.

``core.jobs.local.LocalRunner`` (a pool of worker processes on this machine) is the default. Past one machine
``core.jobs.queue.QueueRunner`` implements the same five methods over procrastinate on PostgreSQL: its workers
(``python -m core jobs worker``) import ``core`` and call the same job functions (``core.jobs.tasks``) with the same
keyword arguments, sent as JSON, reporting progress to where ``status`` reads it (docs/site-servers.md).
"""

from __future__ import annotations

import os
from typing import Protocol

from core.jobs.job import JobRequest, JobStatus

WORKERS_ENV = "HANDTEACH_JOB_WORKERS"


class JobRunner(Protocol):
    def submit(self, request: JobRequest) -> str:
        """Queue ``request``; its job id (the one already queued or running, for the same owner, kind and key).
        Raises ``ServerFullError`` when the queue is at its bound."""
        ...

    def status(self, job_id: str) -> JobStatus | None:
        """The job's place, progress, result or error; None once forgotten (or never known)."""
        ...

    def cancel(self, job_id: str) -> None:
        """Stop the job (or drop it from the queue); its owner may run another at once."""
        ...

    def cancel_session(self, session: str) -> int:
        """Cancel every job a tab follows (the tab went); how many."""
        ...

    def cancel_owner(self, owner: str) -> int:
        """Cancel every job of ``owner``, queued or running (their account was deleted); how many."""
        ...


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def default_workers() -> int:
    """Worker processes: ``$HANDTEACH_JOB_WORKERS``, else the cores this process may use less one (the web
    process's), at least 1."""
    text = os.environ.get(WORKERS_ENV, "").strip()
    if text:
        if not text.isdigit() or not 1 <= int(text) <= 256:
            raise ValueError(f"{WORKERS_ENV} must be a whole number from 1 to 256, got {text!r}")
        return int(text)
    return max(1, usable_cores() - 1)


def worker_threads(workers: int) -> int:
    """Threads each worker's torch and BLAS may use: the cores left beside the web process's one, shared out.

    On the 2-core machine with other work running (load 7), the same training on torch's default two threads
    took 3.8-25 s, on one thread 2.7-4.0 s (four runs each): two threads wait on each other for a busy core."""
    return max(1, (usable_cores() - 1) // max(1, workers))

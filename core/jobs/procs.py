"""The local runner's worker processes: started, spoken to, ended (``core.jobs.local`` schedules them).

Each is a fresh interpreter running ``core.jobs.worker`` on one end of a socket pair (see its docstring for why
not a ``multiprocessing`` spawn); messages are plain pickles (``core.jobs.worker.dumps``).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from core.jobs.worker import dumps

ROOT = Path(__file__).resolve().parents[2]  # where ``core`` is: the workers' working folder


@dataclass
class Worker:
    process: subprocess.Popen
    conn: Connection  # readable at each answer, and at the process's end (EOF)
    job: str | None = None  # the job it runs

    def close(self, timeout: float = 1.0) -> None:
        self.conn.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout)


THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")  # torch's and NumPy's pools


def start_worker(preload: tuple[str, ...], threads: int) -> Worker:
    """A new worker importing ``preload`` (modules) before its first job, its torch and BLAS on ``threads``
    threads (``core.jobs.runner.worker_threads``) unless the server's own environment sets them."""
    here, there = socket.socketpair()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}  # the caller's modules too
    for name in THREAD_VARIABLES:
        env.setdefault(name, str(threads))
    try:
        process = subprocess.Popen([sys.executable, "-m", "core.jobs.worker", str(there.fileno()), *preload],
                                   pass_fds=(there.fileno(),), env=env, cwd=ROOT)  # fmt: skip
    finally:
        there.close()
    return Worker(process, Connection(here.detach()))


def send(worker: Worker, message: tuple[Any, ...]) -> bool:
    """False when the worker is gone (its end of the socket reads EOF next round)."""
    try:
        worker.conn.send_bytes(dumps(message))
    except (OSError, ValueError):
        return False
    return True

"""A worker process: runs one job at a time from its pipe, forwarding progress and taking cancels meanwhile.

Messages in (from ``core.jobs.local``): ``("run", job_id, fn, kwargs)``, ``("cancel", job_id)``, ``("stop",)``.
Messages out: ``("progress", job_id, done, total, detail)``, ``("done", job_id, result)``,
``("failed", job_id, message, type name[, its base classes' names])``, ``("cancelled", job_id, result)``. A reader thread receives while the main
thread works, so a cancel reaches a job between its steps; sends are serialised by a lock.

The process is a fresh interpreter (``python -m core.jobs.worker FD``), not a ``multiprocessing`` spawn: spawn
re-runs the parent's ``__main__`` in the child, and in the server that is whatever Streamlit's script thread
had put there at that moment (``app.py``: the pages ran in the worker, Streamlit warning about a missing
script context). The runner's end of the socket closing (the server went) ends the worker at once.
"""

from __future__ import annotations

import os
import pickle
import queue
import sys
import threading
from multiprocessing.connection import Connection
from typing import Any

from core.jobs.job import JobContext


class _Outbox:
    def __init__(self, conn: Connection) -> None:
        self._conn, self._lock = conn, threading.Lock()

    def send(self, message: tuple[Any, ...]) -> None:
        try:
            data = dumps(message)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:  # a result that cannot travel: a bug
            data = dumps(("failed", message[1], f"the job's answer could not be sent back: {exc}", type(exc).__name__))
        with self._lock:
            self._conn.send_bytes(data)


def dumps(message: tuple[Any, ...]) -> bytes:
    """Plain pickle, not ``Connection.send``'s: torch registers reducers there that share a tensor through a
    helper process of the sender, which a process not spawned by it may not reach. Plain pickle copies it (and
    is what a queue on another machine would carry)."""
    return pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)


def _read(conn: Connection, jobs: queue.Queue, cancels: dict[str, threading.Event], lock: threading.Lock) -> None:
    """The reader thread: runs go to ``jobs``, cancels set their job's event (now or once it arrives)."""
    while True:
        try:
            message = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):  # the runner went: nobody waits for the answer
            os._exit(0)
        if message[0] == "run":
            jobs.put(message)
        elif message[0] == "cancel":
            with lock:
                cancels.setdefault(message[1], threading.Event()).set()
        else:
            jobs.put(None)
            return


def _run_one(outbox: _Outbox, job_id: str, fn: Any, kwargs: dict[str, Any], cancel: threading.Event) -> None:  # noqa: ANN401
    def progress(done: int, total: int, detail: Any = None) -> None:  # noqa: ANN401 - the job's own payload
        outbox.send(("progress", job_id, int(done), int(total), detail))

    try:
        result = fn(JobContext(progress, cancel), **kwargs)
    except Exception as exc:  # the page shows it in one line; the worker lives on
        bases = tuple(c.__name__ for c in type(exc).__mro__[1:] if c not in (Exception, BaseException, object))
        outbox.send(("failed", job_id, str(exc) or type(exc).__name__, type(exc).__name__, bases))
        return
    outbox.send(("cancelled" if cancel.is_set() else "done", job_id, result))  # a stopped training keeps its best


def serve(conn: Connection, preload: tuple[str, ...] = ()) -> None:
    """The worker process's entry (spawned): import ``preload`` modules, then run jobs until told to stop."""
    import importlib

    from core.keypoints.native_logs import quiet_native_logs

    quiet_native_logs()
    for name in preload:  # torch and the store before the first job, not during it
        importlib.import_module(name)
    jobs: queue.Queue = queue.Queue()
    cancels: dict[str, threading.Event] = {}
    lock = threading.Lock()
    threading.Thread(target=_read, args=(conn, jobs, cancels, lock), name="handteach-job-reader", daemon=True).start()
    outbox = _Outbox(conn)
    while (message := jobs.get()) is not None:
        _, job_id, fn, kwargs = message
        with lock:
            cancel = cancels.setdefault(job_id, threading.Event())
        try:
            _run_one(outbox, job_id, fn, kwargs, cancel)
        finally:
            with lock:
                cancels.pop(job_id, None)


if __name__ == "__main__":  # python -m core.jobs.worker FD PRELOAD...
    serve(Connection(int(sys.argv[1])), tuple(sys.argv[2:]))

"""Work on uploaded files (finding hands and importing on Record, recognising gestures on Live) off the page's script.

A 13 s video showed "Recognising…" for 13 s with no way to stop it. Record's imports (photos, videos, CSV files,
a motion project's clips) are jobs of the server's runner (``submit``: parsed and stored in a worker process,
one at a time per student, in the queue with the others' trainings); Live's file is recognised on a thread of the
page (``start``: the page's own model on one file, a photo answering in a moment). ``follow`` shows the place in
the queue, then frames done of all and the time left with a Cancel button, reruns the page when it ends and hands
the finished run to the page once, which shows the result, the error or that it was stopped.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self

import streamlit as st

from core.io.progress import Progress, seconds_left
from core.jobs.job import JobState
from ui.common.text import time_left_text
from ui.jobs import pool
from ui.jobs.remote import FollowedJob, FollowsOneJob

QUICK_SECONDS = 2.0  # a job is waited for this long before its progress shows
Work = Callable[[Progress, threading.Event], Any]  # (on_progress, cancel) -> the result (None: cancelled)


@dataclass(frozen=True)
class FileSnapshot:
    done: int  # frames
    total: int  # 0 when the files' headers do not say
    seconds: float
    running: bool
    cancelled: bool
    result: Any
    error: str | None
    waiting: str = ""  # a job of the runner while others' go first: its place in the queue, in words
    tag: Any = None  # what the page gave ``submit`` to show with the result (the gesture's title)

    def text(self, doing: str, unit: str = "frame") -> str:
        """ "Looking for hands: frame 40 of 325, about 9 s left" (the frames, or rows, done of all, the time left)."""
        if not self.done:
            return f"{doing}: starting…"
        if self.total and self.done >= self.total:
            return f"{doing}: all {self.total} {unit}s done, finishing…"
        of = f" of {self.total}" if self.total else ""
        return f"{doing}: {unit} {self.done}{of}" + time_left_text(seconds_left(self.seconds, self.done, self.total))


class BackgroundRun:
    """A job whose work is ``self._work()`` on a daemon thread: ``start``, ``cancel`` (sets ``self._cancel``), ``wait``.

    An exception ends the work with its message in ``_error``, for the page to show: the message alone for the
    ``said_errors`` (ours, which name the problem already), with its type's name for anything else.
    """

    said_errors: tuple[type[Exception], ...] = ()

    def _prepare_thread(self, name: str) -> None:
        self._lock = threading.Lock()  # guards what the page reads
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._started = 0.0
        self._ended: float | None = None
        self._error: str | None = None

    def _work(self) -> None:
        raise NotImplementedError

    def _error_text(self, exc: Exception) -> str:
        return str(exc) if isinstance(exc, self.said_errors) else f"{type(exc).__name__}: {exc}"

    def _on_steps(self, done: int, total: int) -> None:
        """A progress callback for the work: ``(done, total)`` steps into ``self._steps``, for the page."""
        with self._lock:
            self._steps = (done, total)

    def _run(self) -> None:
        try:
            self._work()
        except Exception as exc:  # shown on the page
            with self._lock:
                self._error = self._error_text(exc)
        finally:
            with self._lock:
                self._ended = time.monotonic()

    def _timing(self) -> tuple[float, bool]:
        """(seconds since start, whether the work still runs). Lock held."""
        end = self._ended if self._ended is not None else time.monotonic()
        return end - self._started, self._ended is None and self._thread.is_alive()

    def start(self) -> Self:
        self._started = time.monotonic()
        self._thread.start()
        return self

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()


class FileRun(BackgroundRun):
    """``work`` on a daemon thread; its ``MediaError`` or ``ValueError`` kept as the plain message."""

    said_errors = (ValueError,)  # ours name the problem already

    def __init__(self, work: Work) -> None:
        self._prepare_thread("handteach-files")
        self._work_fn, self._steps, self._result = work, (0, 0), None

    def _work(self) -> None:
        result = self._work_fn(self._on_steps, self._cancel)
        with self._lock:
            self._result = result

    def snapshot(self) -> FileSnapshot:
        with self._lock:
            seconds, running = self._timing()
            return FileSnapshot(*self._steps, seconds, running, self._cancel.is_set(), self._result, self._error)


class JobFileRun(FollowsOneJob):
    """A job of the server's runner (``ui.jobs.remote.FollowedJob``, started) with ``FileRun``'s snapshot."""

    def __init__(self, job: FollowedJob, tag: Any = None) -> None:  # noqa: ANN401 - the page's own value
        self._job, self.tag = job, tag

    def snapshot(self) -> FileSnapshot:
        status = self._job.status()
        if status is None:
            return FileSnapshot(0, 0, 0.0, False, False, None, self._job.error(None), tag=self.tag)
        result = status.result if status.state in (JobState.DONE, JobState.CANCELLED) else None
        return FileSnapshot(status.done, status.total, status.seconds, not status.ended, self._job.cancelled(status),
                            result, self._job.error(status), self._job.waiting(status), self.tag)  # fmt: skip


Run = FileRun | JobFileRun


def running(key: str) -> bool:
    """Whether the page's job ``key`` waits or runs."""
    run = st.session_state.get(key)
    return isinstance(run, Run) and run.snapshot().running


def start(key: str, work: Work) -> None:
    """Start ``work`` on a thread as the page's job ``key`` (a run already under way is stopped first)."""
    _replace(key, FileRun(work).start())


def submit(key: str, kind: str, fn: Any, kwargs: dict[str, Any], project: str, tag: Any = None) -> None:  # noqa: ANN401
    """Send ``fn(context, **kwargs)`` (a job function of ``core.jobs``) to the server's runner as the page's job
    ``key`` of ``kind`` on ``project`` (a run already under way is stopped first); ``tag`` comes back with it."""
    _replace(key, JobFileRun(FollowedJob(kind, fn, kwargs, f"{project}/{key}").start(), tag))


def _replace(key: str, run: Run) -> None:
    previous = st.session_state.get(key)
    if isinstance(previous, Run):
        previous.cancel()
    st.session_state[key] = run


def follow(key: str, doing: str, slot: Any, unit: str = "frame") -> FileSnapshot | None:  # noqa: ANN401 - st.empty()
    """While job ``key`` waits or runs: its place in the queue, then its progress, and a Cancel button in ``slot`` (a
    fragment refreshing at ``pool.poll_every``), after waiting ``QUICK_SECONDS`` for a short job. Once it ended: its snapshot, returned on one page
    run only (then forgotten); the page draws the result into the same ``slot``, so a new run replaces the
    previous result at once (an element where the result's block was: the browser drops it and its buttons)."""
    run = st.session_state.get(key)
    if not isinstance(run, Run):
        return None
    snap = run.snapshot()
    young = QUICK_SECONDS - snap.seconds
    if young > 0 and snap.running and not snap.waiting:  # a photo or two: its result shows without a progress bar
        slot.progress(0.0, text=f"{doing}: starting…")
        run.wait(young)
    snap = run.snapshot()
    if snap.running:
        waiting = bool(snap.waiting)
        with slot.container():
            st.fragment(run_every=pool.poll_every(waiting))(_progress)(run, key, doing, unit, waiting)
        return None
    slot.empty()
    del st.session_state[key]
    return run.snapshot()


def _progress(run: Run, key: str, doing: str, unit: str, made_waiting: bool = False) -> None:
    snap = run.snapshot()
    if not snap.running:
        st.rerun(scope="app")  # the page shows the result
    pool.started(made_waiting, bool(snap.waiting))  # its turn came: the page follows it at the running pace
    with st.container(key=f"{key}_progress"):
        text = snap.waiting or snap.text(doing, unit)
        st.progress(min(1.0, snap.done / snap.total) if snap.total else 0.0, text=text)
        st.button("✖ Cancel", on_click=run.cancel, disabled=snap.cancelled, key=f"{key}_cancel")

"""Work on uploaded files (finding hands on Record, recognising gestures on Live) off the page's script.

A 13 s video showed "Recognising…" for 13 s with no way to stop it. ``start`` runs the work on a thread
(``ui.jobs.training.BackgroundRun``) with a ``Progress`` callback and a cancel event; ``follow`` shows frames
done of all and the time left with a Cancel button while it runs, reruns the page when it ends and hands the
finished run to the page once, which shows the result, the error or that it was stopped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from core.io.progress import Progress, seconds_left
from ui.common.text import time_left_text
from ui.jobs.training import BackgroundRun

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

    def text(self, doing: str, unit: str = "frame") -> str:
        """ "Looking for hands: frame 40 of 325, about 9 s left" (the frames, or rows, done of all, the time left)."""
        if not self.done:
            return f"{doing}: starting…"
        if self.total and self.done >= self.total:
            return f"{doing}: all {self.total} {unit}s done, finishing…"
        of = f" of {self.total}" if self.total else ""
        return f"{doing}: {unit} {self.done}{of}" + time_left_text(seconds_left(self.seconds, self.done, self.total))


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


def start(key: str, work: Work) -> None:
    """Start ``work`` as the page's job ``key`` (a run already under way is stopped first)."""
    previous = st.session_state.get(key)
    if isinstance(previous, FileRun):
        previous.cancel()
    st.session_state[key] = FileRun(work).start()


def follow(key: str, doing: str, slot: Any, unit: str = "frame") -> FileSnapshot | None:  # noqa: ANN401 - st.empty()
    """While job ``key`` runs: its progress and a Cancel button in ``slot`` (a fragment refreshing twice a
    second), after waiting ``QUICK_SECONDS`` for a short job. Once it ended: its snapshot, returned on one page
    run only (then forgotten); the page draws the result into the same ``slot``, so a new run replaces the
    previous result at once (an element where the result's block was: the browser drops it and its buttons)."""
    run = st.session_state.get(key)
    if not isinstance(run, FileRun):
        return None
    young = QUICK_SECONDS - run.snapshot().seconds
    if young > 0 and run.snapshot().running:  # a photo or two: its result shows without a progress bar
        slot.progress(0.0, text=f"{doing}: starting…")
        run.wait(young)
    if run.snapshot().running:
        with slot.container():
            st.fragment(run_every=0.5)(_progress)(run, key, doing, unit)
        return None
    slot.empty()
    del st.session_state[key]
    return run.snapshot()


def _progress(run: FileRun, key: str, doing: str, unit: str) -> None:
    snap = run.snapshot()
    if not snap.running:
        st.rerun(scope="app")  # the page shows the result
    with st.container(key=f"{key}_progress"):
        st.progress(min(1.0, snap.done / snap.total) if snap.total else 0.0, text=snap.text(doing, unit))
        st.button("✖ Cancel", on_click=run.cancel, disabled=snap.cancelled, key=f"{key}_cancel")

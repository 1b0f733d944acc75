"""The Train page's learning curve in the server's job runner: ``core.jobs.tasks.curve`` (``project_curve``).

One training per point and fold (a few seconds each with the starter set), so it runs as the training does:
the page polls ``snapshot()`` for trainings done of all and may ``cancel()`` (no points then). The last point
is the headline; when the page's latest training measured it on the very same samples and settings, that
figure is reused rather than measured again (``reusable``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Self

from core.data.project import Dataset
from core.data.store import Store
from core.gestures.crossval import CrossVal
from core.gestures.figure import CurvePoint
from core.gestures.training import TrainConfig
from core.io.progress import seconds_left
from core.jobs import tasks
from core.jobs.job import CURVE, JobState
from ui.jobs import pool
from ui.jobs.remote import RemoteRun
from ui.jobs.training import TrainingRun


@dataclass(frozen=True)
class CurveSnapshot:
    done: int  # trainings
    total: int  # 0 until the samples are read
    seconds: float
    running: bool
    cancelled: bool
    points: list[CurvePoint] | None
    error: str | None
    waiting: str = ""  # while trainings go first: the place in the queue, in words
    done_at: float | None = None  # ``seconds`` when the ``done``-th training ended, as this page first saw it

    def seconds_left(self) -> float | None:
        """At the pace of the trainings done so far, counting down between them; None before the first ends."""
        return seconds_left(self.seconds, self.done, self.total, self.done_at)


@dataclass
class CurveRun(RemoteRun):
    """One learning curve of one project, in the server's job runner (it yields to trainings), started by ``start``."""

    said_errors = ("ValueError", "WorkerDied")  # ours name the problem already

    store: Store
    project: str
    config: TrainConfig
    starter: bool = False
    keep_unrecorded: bool = False
    training: TrainingRun | None = None  # the page's latest training: its headline may serve as the last point

    def __post_init__(self) -> None:
        self._prepare()
        self._done: tuple[int, float] = (0, 0.0)  # (trainings done, the job's seconds when first seen so)

    def start(self) -> Self:
        self._started = time.monotonic()
        last, last_dataset = reusable(self.training, self.config, self.starter, self.keep_unrecorded)
        kwargs = {"data_dir": str(self.store.data_dir), "project": self.project, "config": self.config,
                  "starter": self.starter, "keep_unrecorded": self.keep_unrecorded, "last": last,
                  "last_dataset": last_dataset}  # fmt: skip
        self._job = self._submit(CURVE, tasks.curve, kwargs, self.project)
        return self

    def cancel(self) -> None:
        if self._job is not None:
            pool.runner().cancel(self._job)

    def _running(self) -> bool:
        status = self._status(self._job)
        return status is not None and not status.ended

    def snapshot(self) -> CurveSnapshot:
        status = self._status(self._job)
        if status is None:
            return CurveSnapshot(0, 0, 0.0, False, False, None, self._refused or "the learning curve was forgotten")
        cancelled = status.cancelled or status.state is JobState.CANCELLED
        points = status.result if status.state is JobState.DONE else None
        waiting = pool.waiting_text(status) if status.state is JobState.QUEUED else ""
        if status.done != self._done[0]:  # a training ended since the last look: its time is the pace's
            self._done = (status.done, status.seconds)
        return CurveSnapshot(status.done, status.total, status.seconds, not status.ended, cancelled, points,
                             self._error_of(status), waiting, self._done[1] if status.done else None)  # fmt: skip


def reusable(training: TrainingRun | None, config: TrainConfig, starter: bool,
             keep_unrecorded: bool) -> tuple[CrossVal | None, Dataset | None]:  # fmt: skip
    """(the headline ``training`` measured, the samples it was measured on) when measured with the same settings:
    the curve's job reuses it as its last point if the samples are still the very same (``core.jobs.tasks.curve``)."""
    if training is None:
        return None, None
    snap = training.snapshot()
    measured, before = (snap.measuring.crossval if snap.measuring else None), snap.dataset
    same_run = (training.config, training.starter, training.keep_unrecorded) == (config, starter, keep_unrecorded)
    return (measured, before) if measured is not None and before is not None and same_run else (None, None)

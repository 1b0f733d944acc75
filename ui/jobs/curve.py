"""The Train page's learning curve in a worker thread: ``core.data.project_accuracy.project_curve``.

One training per point and fold (a few seconds each with the starter set), so it runs as the training does:
the page polls ``snapshot()`` for trainings done of all and may ``cancel()`` (no points then). The last point
is the headline; when the page's latest training measured it on the very same samples and settings, that
figure is reused rather than measured again (``reusable``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.data.project import Dataset, project_dataset
from core.data.project_accuracy import project_curve
from core.data.store import Store
from core.gestures.crossval import CrossVal, fold_count
from core.gestures.figure import CurvePoint
from core.gestures.training import TrainConfig
from core.io.progress import seconds_left
from ui.jobs.training import BackgroundRun, TrainingRun


@dataclass(frozen=True)
class CurveSnapshot:
    done: int  # trainings
    total: int  # 0 until the samples are read
    seconds: float
    running: bool
    cancelled: bool
    points: list[CurvePoint] | None
    error: str | None

    def seconds_left(self) -> float | None:
        """At the pace of the trainings done so far; None before the first ends."""
        return seconds_left(self.seconds, self.done, self.total)


@dataclass
class CurveRun(BackgroundRun):
    """One learning curve of one project, started by ``start``."""

    said_errors = (ValueError,)  # ours name the problem already

    store: Store
    project: str
    config: TrainConfig
    starter: bool = False
    keep_unrecorded: bool = False
    training: TrainingRun | None = None  # the page's latest training: its headline may serve as the last point
    _steps: tuple[int, int] = (0, 0)
    _points: list[CurvePoint] | None = None
    _dataset: Dataset | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._prepare_thread(f"handteach-curve-{self.project}")

    def _work(self) -> None:
        dataset = project_dataset(self.store, self.project)
        if not fold_count(dataset.labels):
            raise ValueError("it tests your own samples, so it needs two gestures of at least two samples each")
        last = reusable(self.training, dataset, self.config, self.starter, self.keep_unrecorded)
        points = project_curve(dataset, self.config, self.starter, self.keep_unrecorded, self._on_steps,
                               self._cancel, last)  # fmt: skip
        with self._lock:
            self._points = points

    def snapshot(self) -> CurveSnapshot:
        with self._lock:
            seconds, running = self._timing()
            return CurveSnapshot(*self._steps, seconds, running, self._cancel.is_set(), self._points, self._error)


def reusable(training: TrainingRun | None, dataset: Dataset, config: TrainConfig, starter: bool,
             keep_unrecorded: bool) -> CrossVal | None:  # fmt: skip
    """The headline ``training`` measured, if it was measured on ``dataset``'s very samples (ids, labels,
    features) with the same settings: the curve's last point, as is."""
    if training is None:
        return None
    snap = training.snapshot()
    measured, before = (snap.measuring.crossval if snap.measuring else None), snap.dataset
    same_run = (training.config, training.starter, training.keep_unrecorded) == (config, starter, keep_unrecorded)
    if measured is None or before is None or not same_run:
        return None
    same_samples = before.sample_ids == dataset.sample_ids and before.labels == dataset.labels
    return measured if same_samples and np.array_equal(before.features, dataset.features) else None

"""The job functions: long work as plain functions of a ``JobContext`` and picklable keyword arguments.

The pages send them to the runner (``core.jobs.local``), the command line calls them in its own process with a
printing context: one function per job, so both do the same. Each opens the store from its ``data_dir`` (a
worker shares no objects with the web process) and reports progress through ``context.progress``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.data.project import Dataset
from core.gestures.crossval import CrossVal
from core.gestures.early_stop import EpochStats
from core.gestures.figure import CurvePoint, Figure
from core.gestures.training import TrainConfig, TrainResult
from core.jobs.job import JobContext

if TYPE_CHECKING:
    from core.classes.access import Viewer
    from core.classes.session import SessionRef

TOO_FEW_TO_MEASURE = ("Your own samples are too few to test each with a model trained without it (it takes two "
                      "gestures of at least two samples each).")  # fmt: skip
CURVE_TOO_FEW = "it tests your own samples, so it needs two gestures of at least two samples each"


@dataclass(frozen=True)
class Trained:
    """A training's answer: the run (its model saved unless cancelled), its samples, the replaced model's figure."""

    result: TrainResult
    dataset: Dataset
    previous: tuple[Figure, int] | None  # (figure, folds: 0 for a held-out figure); None without a saved model


@dataclass(frozen=True)
class Measured:
    crossval: CrossVal | None  # None: cancelled or too few samples (``note`` says which)
    note: str  # why there is no figure ("" once measured)
    recorded: bool  # written into the saved model (False: another model replaced it meanwhile)


def train(context: JobContext, data_dir: str | Path, project: str, config: TrainConfig, starter: bool = False,
          keep_unrecorded: bool = False, force: bool = False, viewer: Viewer | None = None,
          session: SessionRef | None = None) -> Trained:  # fmt: skip
    """``core.data.project.train_project``, the epochs so far as progress (detail: the list of ``EpochStats``).
    ``viewer``: who asked, in a class (the model is saved only into a project of theirs: ``NotYoursError``);
    ``session``: the page's sign-in, which the save must still hold to (``core.classes.session_store.job_store``).
    The saved model carries the last measurement of the one it replaced until its own (``measure``) is written."""
    from core.classes.session_store import job_store
    from core.data.project import train_project
    from core.data.project_accuracy import carry_measurement, previous_figure, previous_measurement

    store = job_store(data_dir, viewer, session)
    previous = previous_figure(store, project)  # before the training replaces it
    last = previous_measurement(store, project)
    history: list[EpochStats] = []

    def on_epoch(stats: EpochStats) -> None:
        history.append(stats)
        context.progress(stats.epoch, stats.epochs, list(history))

    result, dataset = train_project(store, project, config, on_epoch, context.cancel, starter=starter,
                                    force=force, keep_unrecorded=keep_unrecorded)  # fmt: skip
    if last is not None and not result.cancelled:
        carry_measurement(store, project, result.classifier, dataset.project_identity, last)
    return Trained(result, dataset, previous)


def measure(context: JobContext, data_dir: str | Path, project: str, config: TrainConfig, dataset: Dataset,
            result: TrainResult, starter: bool = False, keep_unrecorded: bool = False,
            viewer: Viewer | None = None,
            session: SessionRef | None = None) -> Measured:  # fmt: skip
    """The k-fold figure of the model of ``result`` trained on ``dataset``, written beside it with the Train page's
    report (on the held-out samples when there is no figure: too few samples, or skipped) when it is still the saved
    one (``core.data.project_accuracy``); folds done of all as progress."""
    from core.classes.session_store import job_store
    from core.data.project_accuracy import project_crossval, record_crossval, train_report
    from core.gestures.crossval import fold_count

    if not fold_count(dataset.labels):  # one gesture recorded (the starter fills the rest), or none
        cv, note = None, TOO_FEW_TO_MEASURE
    else:
        cv = project_crossval(dataset, config, starter, keep_unrecorded, context.steps, context.cancel)
        note = "" if cv is not None else "Measuring was skipped: no figure for this model."
    report = train_report(result, dataset, cv)
    recorded = record_crossval(
        job_store(data_dir, viewer, session), project, result.classifier, dataset.project_identity, cv, report
    )
    return Measured(cv, note, recorded)


def curve(context: JobContext, data_dir: str | Path, project: str, config: TrainConfig, starter: bool = False,
          keep_unrecorded: bool = False, last: CrossVal | None = None,
          last_dataset: Dataset | None = None) -> list[CurvePoint] | None:  # fmt: skip
    """The learning curve of the project's samples (``project_curve``), trainings done of all as progress.
    ``last``: the headline measured on ``last_dataset``, reused as the last point when the samples are the same."""
    import numpy as np

    from core.data.project import project_dataset
    from core.data.project_accuracy import project_curve
    from core.data.store import Store
    from core.gestures.crossval import fold_count

    dataset = project_dataset(Store(data_dir), project)
    if not fold_count(dataset.labels):
        raise ValueError(CURVE_TOO_FEW)
    same = last_dataset is not None and last_dataset.sample_ids == dataset.sample_ids and \
        last_dataset.labels == dataset.labels and np.array_equal(last_dataset.features, dataset.features)  # fmt: skip
    return project_curve(dataset, config, starter, keep_unrecorded, context.steps, context.cancel,
                         last if same else None)  # fmt: skip

"""Training from the Train page: the job ``core.jobs.tasks.train`` in the server's job runner (``ui.jobs.pool``).

The page polls ``snapshot()`` from a fragment (its place in the queue, every ``EpochStats`` so far, the result,
dataset and error) and may ``cancel()``. A cancelled run still holds the best weights so far, which ``keep()``
saves on request.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

import numpy as np

from core.classes.quotas import OverLimitError
from core.classes.session_store import sign_in_of
from core.data.class_plan import ClassPlan, plan_classes, starter_gestures
from core.data.project import Dataset, save_project_model
from core.data.project_accuracy import train_report
from core.data.saved_models.project_folders import ProjectReplacedError
from core.data.store import Store
from core.gestures import training
from core.gestures.catalog import shown_name
from core.gestures.crossval import CrossVal
from core.gestures.figure import Figure
from core.gestures.report import REPORT_KEY, TrainReport
from core.gestures.training import EpochStats, NotEnoughDataError, TrainConfig, TrainResult, trainable_classes
from core.io.progress import seconds_left
from core.jobs import tasks
from core.jobs.job import MEASURE, TRAIN, JobState, JobStatus
from core.jobs.tasks import TOO_FEW_TO_MEASURE  # noqa: F401 - the page's words, owned by the job
from core.starter import check_trainable as check_with_starter
from ui.common.model_classes import KEEP_LABEL
from ui.jobs import pool
from ui.jobs.remote import RemoteRun


class NotReadyError(ValueError):
    """The project cannot be trained yet; the message says what to record."""


def check_trainable(
    counts: dict[str, int], mirror_map: dict[str, str], config: TrainConfig, starter: bool = False,
    keep_unrecorded: bool = False,
) -> list[ClassPlan]:  # fmt: skip
    """The classes ``train_project`` will train and why; raises ``NotReadyError`` unless it would find two
    classes with enough samples.

    The rules are ``core.data.class_plan``'s (which classes) and ``core.gestures.training.trainable_classes``'
    (enough samples), which ``train_project`` applies inside the worker thread; checking them here lets the
    page answer at once, in words for the user. With ``starter`` the starter set joins
    (``core.starter.check_trainable`` on the planned classes, same rule).
    """
    plans = plan_classes(counts, mirror_map, config.mirror, starter_gestures() if starter else None, keep_unrecorded)
    kept = {p.name: counts[p.name] for p in plans if p.kept}
    try:
        if starter:
            check_with_starter(kept, mirror_map, config)
        else:
            trainable_classes(counts, mirror_map if config.mirror else {}, config.min_samples_per_class)
    except training.TooManyClassesError as exc:
        raise NotReadyError(f"{str(exc)[0].upper()}{str(exc)[1:]}.") from exc
    except NotEnoughDataError as exc:
        if exc.few:
            listed = ", ".join(f"{shown_name(name)} has {n}" for name, n in exc.few.items())
            raise NotReadyError(
                f"Each class you train needs at least {config.min_samples_per_class} samples: {listed}. "
                "Record a few more, or clear that class."
            ) from exc
        have = f"only {shown_name(exc.active[0])!r} has samples" if exc.active else "no class has samples yet"
        keep = f", or tick “{KEEP_LABEL}”" if starter and any(p.starter_gesture and not p.kept for p in plans) else ""
        raise NotReadyError(
            f"Training needs samples of at least two classes; {have}. Record another gesture first{keep}."
        ) from exc
    return plans


@dataclass(frozen=True)
class Measuring:
    """The k-fold figure of a saved model (``core.data.project_accuracy``): folds done so far, the figure once
    measured, or why there is none (skipped, failed), and the previous model's figure to compare with."""

    done: int
    folds: int  # 0 until the folds are known
    seconds: float  # since measuring began
    crossval: CrossVal | None
    note: str  # why there is no figure: "" while measuring or once measured
    previous: tuple[Figure, int] | None  # (figure, folds: 0 for a held-out figure) of the model this one replaced
    waiting: str = ""  # while other students' jobs go first: the place in the queue, in words

    @property
    def running(self) -> bool:
        return self.crossval is None and not self.note

    def seconds_left(self) -> float | None:
        """At the pace of the folds done so far; None before the first ends."""
        return seconds_left(self.seconds, self.done, self.folds)


@dataclass(frozen=True)
class RunSnapshot:
    history: list[EpochStats]
    running: bool  # the thread: training, then measuring
    cancelled: bool
    result: TrainResult | None
    dataset: Dataset | None
    error: str | None
    seconds: float
    saved: bool
    measuring: Measuring | None = None  # None: not measured (not saved, or a run that does not measure)
    waiting: str = ""  # while other students' jobs go first: the place in the queue, in words

    @property
    def training(self) -> bool:
        """Still training: no result yet (measuring comes after the model is saved)."""
        return self.running and self.result is None and self.error is None

    @property
    def report(self) -> TrainReport | None:
        """What the page shows once trained (``core.data.project_accuracy.train_report``): on every sample once
        measured, on the held-out samples until then or without a figure."""
        if self.result is None or self.dataset is None:
            return None
        return train_report(self.result, self.dataset, self.measuring.crossval if self.measuring else None)


@dataclass
class TrainingRun(RemoteRun):
    """One training of one project in the server's job runner (``ui.jobs.pool``), started by ``start``: the
    training job, then (``measure``) the measuring job, which yields to other students' trainings. The page
    follows both through ``snapshot``; ``cancel`` stops the training, ``skip_measuring`` the measuring."""

    said_errors = ("ProjectReplacedError", "WorkerDied", "NotYoursError", "OverLimitError")  # a model over the quota

    store: Store
    project: str
    config: TrainConfig
    starter: bool = False  # add the built-in starter set to the project's samples
    keep_unrecorded: bool = False  # keep the starter gestures the project lists but never recorded
    # once saved, measure the headline by k-fold in a job of its own (the Train page; a few s per fold)
    measure: bool = False
    _measure_job: str | None = None
    _measure_refused: str | None = None
    _skipped: bool = False
    _kept: bool = False
    _keep_error: str | None = None

    def __post_init__(self) -> None:
        self._prepare()

    def _kwargs(self) -> dict:
        # the viewer, in a class: the worker saves the model only into a project of theirs
        return {"data_dir": str(self.store.data_dir), "project": self.project, "config": self.config,
                "starter": self.starter, "keep_unrecorded": self.keep_unrecorded, **sign_in_of(self.store)}  # fmt: skip

    def start(self) -> Self:
        self._started = time.monotonic()
        self._job = self._submit(TRAIN, tasks.train, self._kwargs(), self.project)
        return self

    def cancel(self) -> None:
        if self._job is not None:
            pool.runner().cancel(self._job)

    def skip_measuring(self) -> None:
        self._skipped = True
        if self._measure_job is not None:
            pool.runner().cancel(self._measure_job)

    def _advance(self) -> tuple[JobStatus | None, JobStatus | None]:
        """(training, measuring) now; the measuring job is sent once the model is saved."""
        training = self._status(self._job)
        trained = training.result if training is not None and training.state is JobState.DONE else None
        if self.measure and trained is not None and self._measure_job is None and not self._skipped:
            kwargs = {**self._kwargs(), "dataset": trained.dataset, "result": trained.result}
            refused, self._refused = self._refused, None
            self._measure_job = self._submit(MEASURE, tasks.measure, kwargs, self.project) or ""
            # a refused measuring (another of this student's waits) is the measuring's note, not the training's error
            self._measure_refused, self._refused = self._refused, refused
        return training, self._status(self._measure_job or None)

    def _running(self) -> bool:
        return self._still(*self._advance())

    def _still(self, training: JobStatus | None, measuring: JobStatus | None) -> bool:
        """Whether the training, or the measuring after it, waits or runs."""
        if self._job is None:
            return False
        if training is None or not training.ended:
            return True
        return self._measure_job is not None and measuring is not None and not measuring.ended

    def keep(self) -> None:
        """Save the best weights of a stopped run as the project's model (only into the project it trained on:
        when that was replaced or deleted meanwhile, the run's error says so)."""
        snap = self.snapshot()
        if snap.result is None or snap.dataset is None:
            raise ValueError("this run has no model to keep")
        report = train_report(snap.result, snap.dataset)
        try:
            save_project_model(self.store, self.project, snap.result.classifier, snap.dataset.project_identity,
                               **{REPORT_KEY: report.to_metadata()})  # fmt: skip
        except (ProjectReplacedError, OverLimitError) as exc:  # replaced meanwhile, or over the class's quota
            self._keep_error = str(exc)
            return
        self._kept = True

    def snapshot(self) -> RunSnapshot:
        training, measuring = self._advance()
        trained = training.result if training is not None and isinstance(training.result, tasks.Trained) else None
        result = trained.result if trained is not None else None
        queued = training is not None and training.state is JobState.QUEUED
        return RunSnapshot(
            history=list(training.detail or []) if training is not None else [],
            running=self._still(training, measuring),
            cancelled=training is not None and (training.cancelled or training.state is JobState.CANCELLED),
            result=result,
            dataset=trained.dataset if trained is not None else None,
            error=self._refused or self._keep_error or self._error_of(training),
            seconds=training.seconds if training is not None else 0.0,
            saved=self._kept or (result is not None and not result.cancelled),
            measuring=self._measuring(trained, measuring),
            waiting=pool.waiting_text(training) if queued and training is not None else "",
        )

    def _measuring(self, trained: tasks.Trained | None, status: JobStatus | None) -> Measuring | None:
        if not self.measure or trained is None or trained.result.cancelled or self._measure_job is None:
            return None
        previous = trained.previous
        if status is None:  # refused (the server was full) or forgotten
            return Measuring(0, 0, 0.0, None, self._measure_refused or "Measuring stopped.", previous)
        measured = status.result if status.state is JobState.DONE else None
        if status.state is JobState.QUEUED:
            return Measuring(0, 0, 0.0, None, "", previous, waiting=pool.waiting_text(status))
        note = measured.note if measured is not None else ""
        if status.state is JobState.FAILED:
            note = f"The accuracy could not be measured: {status.error}"
        elif status.state is JobState.CANCELLED:
            note = "Measuring was skipped: no figure for this training." if self._skipped else "Measuring stopped."
        crossval = measured.crossval if measured is not None else None
        return Measuring(status.done, status.total, status.seconds, crossval, note, previous)


FIX_RUN_KEY = "live_fix_run"  # session state: (take ident, its TrainingRun or None, why none) of Live's latest fix


def fix_run(session_state: Mapping[str, Any], project: str) -> TrainingRun | None:
    """The run of Live's latest *Teach it here* of ``project`` in this tab (``ui.live.live_fix``), or None: Train
    follows its measuring (it trains, saves, then measures in the queue behind other students' trainings)."""
    latest = session_state.get(FIX_RUN_KEY)
    run = latest[1] if isinstance(latest, tuple) and len(latest) > 1 else None
    return run if isinstance(run, TrainingRun) and run.project == project else None


def misclassified(result: TrainResult, dataset: Dataset) -> list[tuple[int, str, str]]:
    """(sample id, true class, predicted class) of the validation samples the model gets wrong."""
    wrong = []
    for row, predicted in zip(result.val_indices.tolist(), result.val_predictions, strict=True):
        truth = dataset.labels[row]
        if predicted != truth:
            wrong.append((dataset.sample_ids[row], truth, predicted))
    return wrong


def confusion_table(result: TrainResult) -> tuple[list[str], np.ndarray]:
    """(class names, (C, C) counts with rows = true class) for display."""
    return list(result.classes), np.asarray(result.confusion)

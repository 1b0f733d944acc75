"""Training from the Train page: a worker thread around ``core.data.project.train_project``.

The run keeps its progress (every ``EpochStats``), result, dataset and error behind a
lock; the page polls ``snapshot()`` from a fragment and may ``cancel()``. A cancelled
run still holds the best weights so far, which ``keep()`` saves on request.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Self

import numpy as np

from core.data.class_plan import ClassPlan, plan_classes, starter_gestures
from core.data.project import Dataset, save_project_model, train_project
from core.data.project_accuracy import previous_figure, project_crossval, record_crossval, train_report
from core.data.project_folders import ProjectReplacedError
from core.data.store import Store
from core.gestures import training
from core.gestures.crossval import CrossVal, fold_count
from core.gestures.figure import Figure
from core.gestures.report import REPORT_KEY, TrainReport
from core.gestures.training import EpochStats, NotEnoughDataError, TrainConfig, TrainResult, trainable_classes
from core.io.progress import seconds_left
from core.starter import check_trainable as check_with_starter
from ui.common.model_classes import KEEP_LABEL


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
            listed = ", ".join(f"{name} has {n}" for name, n in exc.few.items())
            raise NotReadyError(
                f"Each class you train needs at least {config.min_samples_per_class} samples: {listed}. "
                "Record a few more, or clear that class."
            ) from exc
        have = f"only {exc.active[0]!r} has samples" if exc.active else "no class has samples yet"
        keep = f", or tick “{KEEP_LABEL}”" if starter and any(p.starter_gesture and not p.kept for p in plans) else ""
        raise NotReadyError(
            f"Training needs samples of at least two classes; {have}. Record another gesture first{keep}."
        ) from exc
    return plans


TOO_FEW_TO_MEASURE = ("Your own samples are too few to test each with a model trained without it (it takes two "
                      "gestures of at least two samples each).")  # fmt: skip


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


@dataclass
class TrainingRun(BackgroundRun):
    """One training of one project, started by ``start``."""

    said_errors = (ProjectReplacedError,)

    store: Store
    project: str
    config: TrainConfig
    starter: bool = False  # add the built-in starter set to the project's samples
    keep_unrecorded: bool = False  # keep the starter gestures the project lists but never recorded
    # once saved, measure the headline by k-fold in the same thread (the Train page; a few s per fold)
    measure: bool = False
    _history: list[EpochStats] = field(default_factory=list)
    _result: TrainResult | None = None
    _dataset: Dataset | None = None
    _saved: bool = False
    _previous: tuple[Figure, int] | None = None
    _steps: tuple[int, int] = (0, 0)  # folds (done, total) of the accuracy's measuring
    _measure_started: float | None = None
    _crossval: CrossVal | None = None
    _measure_note: str = ""

    def __post_init__(self) -> None:
        self._prepare_thread(f"handteach-train-{self.project}")
        self._skip = threading.Event()  # stops measuring; the saved model stays

    def _on_epoch(self, stats: EpochStats) -> None:
        with self._lock:
            self._history.append(stats)

    def _work(self) -> None:
        previous = previous_figure(self.store, self.project) if self.measure else None  # before it is replaced
        result, dataset = train_project(self.store, self.project, self.config, self._on_epoch, self._cancel,
                                        starter=self.starter, keep_unrecorded=self.keep_unrecorded)  # fmt: skip
        measure = self.measure and not result.cancelled
        with self._lock:
            self._result, self._dataset, self._saved = result, dataset, not result.cancelled
            self._previous, self._measure_started = previous, time.monotonic() if measure else None
        if measure:
            self._measure(result, dataset)

    def _measure(self, result: TrainResult, dataset: Dataset) -> None:
        """The k-fold figure of the saved model, written beside it with the page's report (the held-out one when
        there is no figure); a failure is a note, the model stays."""
        if not fold_count(dataset.labels):  # one gesture recorded (the starter fills the rest), or none
            cv, note = None, TOO_FEW_TO_MEASURE
        else:
            try:
                cv = project_crossval(dataset, self.config, self.starter, self.keep_unrecorded, self._on_steps,
                                      self._skip)  # fmt: skip
            except Exception as exc:  # the model is saved: say why there is no figure, not that training failed
                cv, note = None, f"The accuracy could not be measured: {exc}"
            else:
                note = "" if cv is not None else "Measuring was skipped: no figure for this model."
        try:  # the page's report kept with the model (on the held-out samples when there is no figure)
            report = train_report(result, dataset, cv)
            record_crossval(self.store, self.project, result.classifier, dataset.project_identity, cv, report)
        except Exception as exc:  # as above: the model stays, the page says why there is no figure
            cv, note = None, f"The accuracy could not be measured: {exc}"
        with self._lock:
            self._crossval, self._measure_note = cv, note

    def skip_measuring(self) -> None:
        self._skip.set()

    def keep(self) -> None:
        """Save the best weights of a stopped run as the project's model (only into the project it trained on:
        when that was replaced or deleted meanwhile, the run's error says so)."""
        with self._lock:
            result, dataset = self._result, self._dataset
        if result is None or dataset is None:
            raise ValueError("this run has no model to keep")
        report = train_report(result, dataset)
        try:
            save_project_model(self.store, self.project, result.classifier, dataset.project_identity,
                               **{REPORT_KEY: report.to_metadata()})  # fmt: skip
        except ProjectReplacedError as exc:
            with self._lock:
                self._error = str(exc)
            return
        with self._lock:
            self._saved = True

    def snapshot(self) -> RunSnapshot:
        with self._lock:
            seconds, running = self._timing()
            return RunSnapshot(
                history=list(self._history),
                running=running,
                cancelled=self._cancel.is_set(),
                result=self._result,
                dataset=self._dataset,
                error=self._error,
                seconds=seconds,
                saved=self._saved,
                measuring=self._measuring(),
            )

    def _measuring(self) -> Measuring | None:
        """Lock held."""
        if self._measure_started is None:
            return None
        end = self._ended if self._ended is not None else time.monotonic()
        return Measuring(*self._steps, end - self._measure_started, self._crossval, self._measure_note or
                         ("" if self._crossval or self._ended is None else "Measuring stopped."), self._previous)  # fmt: skip


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

"""The job functions of the other trainings: a project's keypoint network fine-tuned, a motion project's model.

The pages send them to the runner, the command line calls them in its own process with a printing context
(``core.cli.finetune``, ``core.cli.motion``). Each saves its model only when it ended well (fine-tuning: not
worse on the held-out crops; motion: not stopped), so a worker that dies leaves the previous model as it was.
``viewer``: the signed-in student the store is opened as (a project they may only read refuses the change).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.jobs.job import JobContext

if TYPE_CHECKING:
    from core.classes.access import Viewer
    from core.classes.session import SessionRef
    from core.data.project_finetune import ProjectFinetuneReport
    from core.gestures.early_stop import EpochStats
    from core.motion.evaluate import ClipReport
    from core.motion.train import MotionTrainConfig


def finetune(context: JobContext, data_dir: str | Path, project: str, epochs: int, max_crops: int | None = None,
             viewer: Viewer | None = None,
             session: SessionRef | None = None) -> ProjectFinetuneReport:  # fmt: skip
    """``core.data.project_finetune.finetune_project``; progress: epochs done of all, detail the epoch's mean loss."""
    from core.classes.session_store import job_store
    from core.data.project_finetune import finetune_project

    def on_epoch(epoch: int, total: int, loss: float) -> None:
        context.progress(epoch, total, loss)

    return finetune_project(job_store(data_dir, viewer, session), project, epochs, on_epoch, context.cancel, max_crops)


@dataclass(frozen=True)
class MotionTrained:
    """A motion training's answer (its model is in the project, not here: a model does not travel back)."""

    history: list[EpochStats]
    best_epoch: int
    cancelled: bool
    classes: list[str]
    clips: int  # the project's clips, which ``report`` ran
    report: ClipReport  # the saved model on the project's clips (those it learnt from)
    seconds: float  # the training alone


def train_motion(context: JobContext, data_dir: str | Path, project: str, config: MotionTrainConfig | None = None,
                 viewer: Viewer | None = None,
                 session: SessionRef | None = None) -> MotionTrained:  # fmt: skip
    """``core.data.project_motion.train_motion_project`` then its model on the project's clips; progress: the
    epochs so far (detail: the list of ``EpochStats``)."""
    from core.classes.session_store import job_store
    from core.data.clips import project_clips
    from core.data.project_motion import train_motion_project
    from core.motion.evaluate import evaluate_clips

    store, history = job_store(data_dir, viewer, session), []

    def on_epoch(stats: EpochStats) -> None:
        history.append(stats)
        context.progress(stats.epoch, stats.epochs, list(history))

    started = time.perf_counter()
    result = train_motion_project(store, project, config, on_epoch, context.cancel)
    seconds = time.perf_counter() - started
    clips = project_clips(store, project)
    report = evaluate_clips(result.model, clips, result.model.classes)
    return MotionTrained(result.history, result.best_epoch, result.cancelled, list(result.model.classes), len(clips),
                         report, seconds)  # fmt: skip

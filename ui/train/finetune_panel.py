"""Train page: "teach the keypoint model my hand", a fine-tuning run of the project's network (the CPM, or the
ResNet-deconv of a resnet-deconv project) in a worker process of the server's job runner.

The run (``FinetuneRun``) sends the job ``core.jobs.model_tasks.finetune`` (the command line's too) and follows
it: its place in the queue, the epochs and loss, the report or error. The panel polls ``snapshot()`` from a
fragment and may ``cancel()`` it: a stopped run saves nothing, and so does a worker that died.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from core.classes.session_store import sign_in_of
from core.data.project_cpm import MIN_CROPS, TITLES, count_crops, has_finetuned, project_network
from core.data.project_finetune import ProjectFinetuneReport, reset_project_cpm
from core.data.store import Store
from core.jobs import model_tasks
from core.jobs.job import FINETUNE, JobState
from ui.common.text import plain
from ui.jobs import pool
from ui.jobs.remote import FollowedJob, FollowsOneJob

RUN_KEY = "finetune_run"
SEEN_KEY = "finetune_seen"
RESET_KEY = "finetune_reset_note"
MAX_CROPS = 300  # the app caps a run at a few minutes on a 2-core CPU; the CLI can use every crop


@dataclass(frozen=True)
class FinetuneSnapshot:
    epoch: int  # epochs done
    epochs: int
    loss: float | None  # mean loss of the last epoch
    running: bool
    cancelled: bool
    report: ProjectFinetuneReport | None
    error: str | None
    seconds: float
    waiting: str = ""  # while other students' jobs go first: the place in the queue, in words


@dataclass(eq=False)
class FinetuneRun(FollowsOneJob):
    """One fine-tuning of one project's network in the server's job runner, started by ``start``."""

    store: Store
    project: str
    epochs: int = 10
    max_crops: int | None = MAX_CROPS
    _job: FollowedJob = field(init=False)

    def __post_init__(self) -> None:
        kwargs = {"data_dir": str(self.store.data_dir), "project": self.project, "epochs": self.epochs,
                  "max_crops": self.max_crops, **sign_in_of(self.store)}  # fmt: skip
        self._job = FollowedJob(FINETUNE, model_tasks.finetune, kwargs, self.project)  # ours name the problem

    def snapshot(self) -> FinetuneSnapshot:
        status = self._job.status()
        if status is None:
            return FinetuneSnapshot(0, self.epochs, None, False, False, None, self._job.error(None), 0.0)
        report = status.result if status.state in (JobState.DONE, JobState.CANCELLED) else None
        loss = float(status.detail) if status.detail is not None else None
        return FinetuneSnapshot(status.done, status.total or self.epochs, loss, not status.ended,
                                self._job.cancelled(status), report, self._job.error(status), status.seconds,
                                self._job.waiting(status))  # fmt: skip


def report_text(report: ProjectFinetuneReport) -> str:
    """One line: PCK before → after on the held-out crops, and the time; how many crops MediaPipe labelled (the
    keypoint network's samples) and how many it found no hand in."""
    crops = report.train_crops + report.held_out_crops
    labelled = f"; MediaPipe labelled {report.relabelled_crops} of the {crops} crops" if report.relabelled_crops else ""
    skipped = f"; {report.no_hand_crops} skipped: MediaPipe found no hand in them" if report.no_hand_crops else ""
    return (
        f"PCK@0.2 against MediaPipe on {report.held_out_crops} held-out crops of your hand: "
        f"{report.pck_before:.0%} → {report.pck_after:.0%} ({report.pck_after - report.pck_before:+.1%}), "
        f"{report.train_crops} training crops, {report.epochs} epochs, {report.seconds:.1f} s{labelled}{skipped}"
    )


def _outcome(report: ProjectFinetuneReport, title: str) -> None:
    st.write(report_text(report))
    if report.cancelled:
        st.info("Stopped: nothing was saved, the keypoint model is unchanged.")
    elif report.saved:
        st.success(f"The new weights were kept: this project now uses its own fine-tuned {title}.")
    else:
        st.info(f"The new weights were not kept (PCK dropped on the held-out crops): the previous {title} stays.")


def _progress(run: FinetuneRun, title: str = "CPM", made_waiting: bool = False) -> None:
    """Place in the queue, then progress bar, and Stop while running; the outcome after; reruns the page once when
    the run ends (and once when its turn comes, to follow it at the running pace)."""
    snap = run.snapshot()
    pool.started(made_waiting, bool(snap.waiting))
    with st.container(key="finetune_progress"):
        if snap.running:
            text = snap.waiting or (
                f"Epoch {snap.epoch} of {snap.epochs} · loss {snap.loss:.3f}"
                if snap.epoch and snap.loss is not None
                else "Preparing your crops (MediaPipe labels those the keypoint model recorded) and measuring…"
            )
            st.progress(min(1.0, snap.epoch / snap.epochs), text=text)
            st.button("⏹ Stop", on_click=run.cancel, disabled=snap.cancelled, key="finetune_stop")
        elif snap.error:
            st.error(plain(f"Fine-tuning failed: {snap.error}"))
        elif snap.report is not None:
            _outcome(snap.report, title)
        elif snap.cancelled:  # stopped while it waited its turn
            st.info(f"Stopped: nothing was saved, the {title} is unchanged.")
    if not snap.running and st.session_state.get(SEEN_KEY) is not run:
        st.session_state[SEEN_KEY] = run
        st.rerun(scope="app")


def _reset(store: Store, project: str) -> None:
    reset_project_cpm(store, project)
    st.session_state.pop(RUN_KEY, None)
    st.session_state[RESET_KEY] = project


def finetune_panel(store: Store, project: str) -> None:
    """The expander of the Train page that fine-tunes the project's network on the project's own samples."""
    title = TITLES[project_network(store, project)]
    with st.expander(f"🖐 Teach the keypoint model ({title}) my hand"):
        st.caption(
            f"Fine-tunes the {title} keypoint model on the hand crops of your webcam and photo samples, with "
            "MediaPipe's keypoints as the teacher (for samples the keypoint model recorded, MediaPipe labels "
            "their crops first; a crop where it finds no hand is skipped); the new weights are kept only if "
            "they match MediaPipe at least as well on crops held out from training."
        )
        run = st.session_state.get(RUN_KEY)
        run = run if isinstance(run, FinetuneRun) and run.project == project else None
        snap = run.snapshot() if run is not None else None
        running = snap is not None and snap.running
        counts = count_crops(store, project)
        if counts.usable < MIN_CROPS:
            st.warning(counts.explain())
        else:
            epochs = st.number_input("Epochs", 1, 50, 10, key="finetune_epochs", disabled=running)
            if st.button(f"Fine-tune the {title} on my samples", disabled=running, key="finetune_start"):
                st.session_state.pop(RESET_KEY, None)
                run = st.session_state[RUN_KEY] = FinetuneRun(store, project, int(epochs)).start()
                snap, running = run.snapshot(), True
        if run is not None and snap is not None:
            waiting = bool(snap.waiting)
            st.fragment(run_every=pool.poll_every(waiting) if running else None)(_progress)(run, title, waiting)
        if st.session_state.get(RESET_KEY) == project:
            st.info(f"This project is back to the default {title}.")
        if has_finetuned(store, project):
            st.caption(f"This project uses its own fine-tuned {title}.")
            st.button(
                f"Back to the default {title}",
                on_click=_reset,
                args=(store, project),
                disabled=running,
                key="finetune_reset",
            )

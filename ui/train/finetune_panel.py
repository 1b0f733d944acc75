"""Train page: "teach the keypoint model my hand", a fine-tuning run of the project's network (the CPM, or the
ResNet-deconv of a resnet-deconv project) in a worker thread.

The run (``FinetuneRun``) wraps ``core.data.project_finetune.finetune_project``; its progress,
report and error sit behind a lock. The panel polls ``snapshot()`` from a fragment, so the page
stays responsive, and may ``cancel()`` it: a stopped run saves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from core.data.project_cpm import MIN_CROPS, TITLES, count_crops, has_finetuned, project_network
from core.data.project_finetune import ProjectFinetuneReport, finetune_project, reset_project_cpm
from core.data.store import Store
from ui.common.text import plain
from ui.jobs.training import BackgroundRun

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


@dataclass(eq=False)
class FinetuneRun(BackgroundRun):
    """One fine-tuning of one project's CPM, started by ``start``."""

    said_errors = (ValueError,)  # ours name the problem already

    store: Store
    project: str
    epochs: int = 10
    max_crops: int | None = MAX_CROPS
    _epoch: int = 0
    _loss: float | None = None
    _report: ProjectFinetuneReport | None = None

    def __post_init__(self) -> None:
        self._prepare_thread(f"handteach-finetune-{self.project}")

    def _on_progress(self, epoch: int, epochs: int, loss: float) -> None:
        with self._lock:
            self._epoch, self._loss = epoch, loss

    def _work(self) -> None:
        report = finetune_project(
            self.store, self.project, self.epochs, self._on_progress, self._cancel, self.max_crops
        )
        with self._lock:
            self._report = report

    def snapshot(self) -> FinetuneSnapshot:
        with self._lock:
            seconds, running = self._timing()
            return FinetuneSnapshot(
                epoch=self._epoch,
                epochs=self.epochs,
                loss=self._loss,
                running=running,
                cancelled=self._cancel.is_set(),
                report=self._report,
                error=self._error,
                seconds=seconds,
            )


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


def _progress(run: FinetuneRun, title: str = "CPM") -> None:
    """Progress bar and Stop while running, the outcome after; reruns the page once when the run ends."""
    snap = run.snapshot()
    with st.container(key="finetune_progress"):
        if snap.running:
            text = (
                f"Epoch {snap.epoch} of {snap.epochs} · loss {snap.loss:.3f}"
                if snap.epoch and snap.loss is not None
                else "Preparing your crops (MediaPipe labels those the keypoint model recorded) and measuring…"
            )
            st.progress(snap.epoch / snap.epochs, text=text)
            st.button("⏹ Stop", on_click=run.cancel, disabled=snap.cancelled, key="finetune_stop")
        elif snap.error:
            st.error(plain(f"Fine-tuning failed: {snap.error}"))
        elif snap.report is not None:
            _outcome(snap.report, title)
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
        running = run is not None and run.snapshot().running
        counts = count_crops(store, project)
        if counts.usable < MIN_CROPS:
            st.warning(counts.explain())
        else:
            epochs = st.number_input("Epochs", 1, 50, 10, key="finetune_epochs", disabled=running)
            if st.button(f"Fine-tune the {title} on my samples", disabled=running, key="finetune_start"):
                st.session_state.pop(RESET_KEY, None)
                run = st.session_state[RUN_KEY] = FinetuneRun(store, project, int(epochs)).start()
                running = True
        if run is not None:
            st.fragment(run_every=0.5 if running else None)(_progress)(run, title)
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

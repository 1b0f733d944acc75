"""Motion projects on the pages: video uploads as clips, the clips per gesture, training in the server's job runner.

Record and Train hand over to these when the current project is a motion project; the work itself is
``core.data.project_motion``'s (the same functions as ``python -m core extract / train``).
"""

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import streamlit as st

from core.classes.session_store import sign_in_of
from core.data.clips import clip_counts, delete_clips, list_clips
from core.data.counts import project_counts
from core.data.store import Store
from core.gestures.early_stop import EpochStats
from core.io.writers import write_video
from core.jobs import model_tasks
from core.jobs.job import TRAIN, JobState
from core.jobs.model_tasks import MotionTrained
from core.motion.clip import Clip
from core.motion.evaluate import ClipReport
from core.motion.train import MotionTrainConfig
from core.viz.draw import skeleton_on
from ui.common import widgets
from ui.jobs import pool
from ui.jobs.remote import FollowedJob, FollowsOneJob
from ui.samples import clip_uploads
from ui.webcam.clip_recorder import ClipRecorder, TakePlan


def clip_table(store: Store, project: str, class_name: str) -> None:
    """The clips of one gesture, with a delete button for the ones ticked."""
    clips = list_clips(store, project, class_name)
    if not clips:
        st.caption("No clips of this gesture yet.")
        return
    table = pd.DataFrame({
        "delete": False,
        "clip": [c.clip.source for c in clips],
        "frames": [c.clip.num_frames for c in clips],
        "seconds": [round(c.clip.duration, 2) for c in clips],
        "hand found": [f"{c.clip.present.mean():.0%}" for c in clips],
        "from": [c.source_kind for c in clips],
    })  # fmt: skip
    edited = st.data_editor(
        table, hide_index=True, disabled=list(table.columns[1:]), key=f"clips_{project}_{class_name}"
    )
    chosen = [c.id for c, tick in zip(clips, edited["delete"], strict=True) if tick and c.id is not None]
    if chosen and st.button(f"🗑 Delete {len(chosen)} clip(s)", key=f"clips_delete_{project}_{class_name}"):
        delete_clips(store, chosen)
        st.rerun()


@dataclass(frozen=True)
class MotionRunSnapshot:
    history: list[EpochStats]
    running: bool
    error: str | None
    seconds: float
    result: MotionTrained | None  # the model itself stays in the project (``load_motion_model``)
    report: ClipReport | None  # the saved model on the project's clips (those it learnt from)
    waiting: str = ""  # while other students' jobs go first: the place in the queue, in words
    cancelled: bool = False


@dataclass(eq=False)
class MotionTrainingRun(FollowsOneJob):
    """One training of a motion project's model in the server's job runner (``core.jobs.model_tasks.train_motion``,
    the command line's too); cancel keeps the best epoch's weights."""

    store: Store
    project: str
    config: MotionTrainConfig = field(default_factory=MotionTrainConfig)
    _job: FollowedJob = field(init=False)

    def __post_init__(self) -> None:
        kwargs = {"data_dir": str(self.store.data_dir), "project": self.project, "config": self.config,
                  **sign_in_of(self.store)}  # fmt: skip
        self._job = FollowedJob(TRAIN, model_tasks.train_motion, kwargs, self.project)

    def snapshot(self) -> MotionRunSnapshot:
        status = self._job.status()
        if status is None:
            return MotionRunSnapshot([], False, self._job.error(None), 0.0, None, None)
        trained = status.result if status.state in (JobState.DONE, JobState.CANCELLED) else None
        return MotionRunSnapshot(list(status.detail or []), not status.ended, self._job.error(status), status.seconds,
                                 trained, trained.report if trained is not None else None, self._job.waiting(status),
                                 self._job.cancelled(status))  # fmt: skip


def show_run(run: MotionTrainingRun) -> None:
    """Progress while it trains, then accuracy per gesture, the confusion matrix and the clips it gets wrong."""
    snap = run.snapshot()
    if snap.history:
        with widgets.details_panel():
            st.caption("How training went, pass by pass: accuracy on the clips it learns from and on a few "
                       "set aside (not the figure below, which runs every clip of the project).")  # fmt: skip
            curves = pd.DataFrame(
                [(s.epoch, s.train_accuracy, s.val_accuracy) for s in snap.history],
                columns=["pass", "clips it learns from", "clips set aside"],
            ).set_index("pass")
            st.line_chart(curves, height=220)
    if snap.running:
        epoch, epochs = (snap.history[-1].epoch, snap.history[-1].epochs) if snap.history else (0, run.config.epochs)
        # epochs: every member's together when the model averages several (fingertip projects)
        text = snap.waiting or f"Training: pass {epoch} over the clips · {snap.seconds:.0f} s"
        st.progress(min(epoch / max(epochs, 1), 1.0), text=text)
        if st.button("⏹ Stop", key="motion_train_stop"):
            run.cancel()
        return
    if snap.error:
        st.error(widgets.plain(f"Training failed: {snap.error}"))
        return
    if snap.result is None or snap.report is None:
        if snap.cancelled:  # stopped while it waited its turn
            st.info("Stopped before it began: the previous model stays.")
        return
    report = snap.report
    st.success(f"Trained in {snap.result.seconds:.0f} s: {report.accuracy:.0%} of the project's own clips recognised.")
    st.dataframe(pd.DataFrame({"gesture": list(report.per_class), "recognised": list(report.per_class.values())}),
                 hide_index=True, column_config={"recognised": st.column_config.ProgressColumn(format="%.2f")})  # fmt: skip
    st.markdown("**Confusion** (rows: the clip's gesture, columns: what the model said)")
    st.dataframe(pd.DataFrame(report.confusion, index=report.labels, columns=report.labels))
    clips = [c.clip for c in list_clips(run.store, run.project)]
    wrong = report.wrong(clips) if len(clips) == len(report.predictions) else []
    if wrong:
        st.markdown(f"**Clips it gets wrong** ({len(wrong)}): fix them by recording again, or delete them on Record")
    for column, (clip, prediction) in zip(st.columns(4) * 3, wrong[:12], strict=False):
        column.image(clip_animation(clip), caption=f"{clip.source}: {clip.label} → {prediction.label} "
                     f"({prediction.score:.0%})")  # fmt: skip


def clip_animation(clip: Clip, side: int = 160, max_frames: int = 40) -> bytes:
    """A small looping GIF of a clip as the user saw it (mirrored): the skeleton moving, its root's trail."""
    width, height = clip.image_size
    present = np.flatnonzero(clip.present)
    pixels = clip.points[:, :, :2] * [width, height]
    pixels[:, :, 0] = width - pixels[:, :, 0]  # the selfie view
    seen = pixels[present].reshape(-1, 2)
    low, high = seen.min(axis=0), seen.max(axis=0)
    scale = 0.85 * side / max(float((high - low).max()), 1.0)
    fitted = (pixels - (low + high) / 2) * scale + side / 2  # (T, K, 2) canvas px
    roots = fitted[:, list(clip.skeleton.root_joints)].mean(axis=1)
    frames = []
    for t in np.linspace(0, clip.num_frames - 1, min(max_frames, clip.num_frames)).round().astype(int):
        canvas = np.full((side, side, 3), 24, np.uint8)
        trail = roots[present[present <= t]]
        if len(trail) >= 2:
            cv2.polylines(canvas, [trail.round().astype(np.int32)], False, (255, 200, 0), 2, cv2.LINE_AA)
        if clip.present[t]:
            skeleton_on(canvas, fitted[t], skeleton=clip.skeleton, scale=0.5)
        frames.append(canvas)
    fps = len(frames) / max(clip.duration, 0.1)
    with tempfile.TemporaryDirectory(prefix="handteach-gif-") as tmp:
        path = Path(tmp) / "clip.gif"
        write_video(path, frames, fps)
        return path.read_bytes()


def train_page(store: Store, project: str) -> None:
    project_count = project_counts(store, project)  # the sidebar's, Home's and `projects list`'s words
    counts = project_count.per_class
    listed = ", ".join(f"{n} {c}" for n, c in counts.items())
    st.caption(widgets.plain(f"{project_count.summary()}: {listed or 'none yet'}"))
    run = st.session_state.get("motion_train_run")
    run = run if isinstance(run, MotionTrainingRun) and run.project == project else None
    snap = run.snapshot() if run is not None else None
    running = snap is not None and snap.running
    short = {n: c for n, c in counts.items() if c < 3}
    if short:
        st.info(widgets.plain(f"Each gesture needs at least 3 clips (about 10 is better); short: {short}"))
    fingertip = store.project_skeleton(project).num_joints == 1  # its paths have no shape to ignore
    path_only = st.toggle("Path only (ignore the hand's shape)", key="motion_path_only", disabled=fingertip,
                          help="Learn from the path alone: better on people the model has not seen "
                               "(handteach's documentation has the measured difference)")  # fmt: skip
    if st.button("🧠 Train motion model", type="primary", disabled=running or bool(short) or len(counts) < 2,
                 key="motion_train_start"):  # fmt: skip
        base = MotionTrainConfig()
        config = replace(base, features=replace(base.features, use_shape=False)) if path_only else base
        run = MotionTrainingRun(store, project, config=config).start()
        st.session_state["motion_train_run"] = run
        snap, running = run.snapshot(), True
    if run is not None and snap is not None:
        waiting = bool(snap.waiting)
        st.fragment(run_every=pool.poll_every(waiting) if running else None)(_follow)(run, waiting)


def _follow(run: MotionTrainingRun, made_waiting: bool) -> None:
    """``show_run`` in the page's fragment: the page runs again once the job's turn comes (the running pace)."""
    pool.started(made_waiting, bool(run.snapshot().waiting))
    show_run(run)


def record_takes(store: Store, project: str, class_name: str) -> None:
    """The webcam with a countdown, then N takes with a pause between; each take becomes a clip."""
    from ui.webcam.widget import stream_session, tracker_config, webcam

    session = stream_session("record", draw_predictions=False)
    session.set_tracker_config(tracker_config(max_hands=1))
    left, right = st.columns(2)
    takes = left.number_input("Takes", 1, 50, 5, key="clip_takes")
    seconds = right.slider("Seconds per take", 0.5, 10.0, 2.0, 0.5, key="clip_seconds")
    recorder = st.session_state.get("clip_recorder")
    recorder = recorder if isinstance(recorder, ClipRecorder) and recorder.plan.project == project else None
    active = recorder is not None and recorder.status().active
    if st.button(
        f"⏺ Record {int(takes)} takes of {widgets.plain(class_name)}",
        type="primary",
        disabled=active,
        key="clip_record",
    ):
        writer = st.session_state.setdefault("clip_writer", ThreadPoolExecutor(1, thread_name_prefix="handteach-clips"))
        plan = TakePlan(project, class_name, store.project_skeleton(project), int(takes), float(seconds))
        recorder = ClipRecorder(plan, store, writer)
        st.session_state["clip_recorder"] = recorder
        session.set_motion_hook(recorder)
        active = True
    # always there (disabled between takes): a button appearing above the video would move it, and the
    # browser would remount the video and stop the stream
    if st.button("⏹ Stop", key="clip_stop", disabled=not active) and recorder is not None:
        recorder.stop()
    playing = bool(webcam("record-webcam", session).state.playing)

    def takes_status() -> None:
        with st.container(key="clip_takes_status"):
            if recorder is None:
                return
            status = recorder.status()
            st.caption(status.text)
            for problem in status.problems:
                st.warning(widgets.plain(problem))

    st.fragment(run_every=0.5 if playing else None)(takes_status)()


def record_page(store: Store, project: str) -> None:
    """Record for a motion project: pick or add a gesture, record takes or upload them, review its clips."""
    counts = clip_counts(store, project)
    side, main = st.columns([2, 3], gap="large")
    with side:
        names = list(counts)
        target = st.radio("Motion gesture", names, key="clip_class") if names else None
        if target is None:
            st.info("No motion gestures yet: add one (e.g. swipe_left, swipe_right, wave, idle).")
        st.caption(widgets.plain(", ".join(f"{n}: {c} clips" for n, c in counts.items())))
        with st.expander("➕ Add a gesture"), st.form("add_motion_class", border=False):
            name = st.text_input("Name", placeholder="e.g. swipe_left", key="new_motion_class")
            if st.form_submit_button("Add gesture"):
                try:
                    store.add_class(project, name)
                except ValueError as exc:
                    st.error(widgets.plain(f"Could not add the gesture: {exc}."))
                else:
                    st.rerun()
        if target is not None:
            st.markdown(f"**{widgets.plain(target)}**: about 10 takes of 0.5–3 s; an `idle` gesture of holding still or moving "
                        "casually keeps Live from firing on everything.")  # fmt: skip
            clip_uploads.record_uploads(store, project, target)
    with main:  # (the page showed the flash message above)
        if target is not None:
            record_takes(store, project, target)
            clip_table(store, project, target)

"""Train page pieces: live progress of a run, then accuracy, confusion (``ui.train.confusion``) and samples to fix."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from core.data.project_accuracy import LAST_MEASURED_KEY, MEASURED_AT_KEY
from core.data.store import Store
from core.gestures.catalog import GestureClass
from core.gestures.figure import TESTED_WITHOUT
from core.gestures.mirror_weights import mirror_landings_text
from core.gestures.report import TrainReport, saved_report
from core.gestures.training import TrainResult
from core.types import UNKNOWN_LABEL
from ui.common import figures, sharing, state
from ui.common.dates import readable_time
from ui.common.text import plain
from ui.common.widgets import details_panel
from ui.jobs import pool
from ui.jobs.training import RunSnapshot, TrainingRun, fix_run
from ui.samples.gallery import fix_gallery
from ui.train import headline
from ui.train.charts import chart
from ui.train.confusion import confusion_cells, confusion_spec, show_confusion  # noqa: F401 - the first two re-exported
from ui.train.headline import FEW_SAMPLES, held_out_warning  # noqa: F401 - the first re-exported
from ui.train.kept_panel import kept_panel

LEARNED, SET_ASIDE = "samples it learns from", "samples set aside"  # the curves' two lines, in plain words


def history_frames(snapshot: RunSnapshot) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(loss, accuracy) per pass over the samples (an epoch), columns ``LEARNED``/``SET_ASIDE``, indexed by pass."""
    passes = pd.Index([s.epoch for s in snapshot.history], name="pass")
    history = snapshot.history
    loss = pd.DataFrame({LEARNED: [s.train_loss for s in history], SET_ASIDE: [s.val_loss for s in history]}, passes)
    accuracy = pd.DataFrame(
        {LEARNED: [s.train_accuracy for s in history], SET_ASIDE: [s.val_accuracy for s in history]}, passes
    )
    return loss, accuracy


def curves_spec(value_name: str, frame: pd.DataFrame) -> dict:
    """Vega-Lite lines of ``frame``'s ``LEARNED`` and ``SET_ASIDE`` columns over ``pass`` (its index).

    A plain spec rather than ``st.line_chart``: that builds an Altair chart whose schema
    validation took most of a core at the fragment's refresh rate, starving the training thread. The axes'
    ranges come with the spec: a chart drawn afresh (``ui.train.charts``) computed them on no data first, and
    Vega warned "Infinite extent" in the browser's console at every redraw.
    """
    values = frame.to_numpy(dtype=float)
    top = float(np.nanmax(values)) if np.isfinite(values).any() else 1.0
    last = int(frame.index.max()) if len(frame.index) else 1
    return {
        "transform": [{"fold": [LEARNED, SET_ASIDE], "as": ["set", value_name]}],
        "mark": {"type": "line"},
        "encoding": {
            "x": {
                "field": "pass",
                "type": "quantitative",
                "title": "pass over the samples",
                "scale": {"domain": [min(1, last), max(last, 1)]},
            },  # fmt: skip
            "y": {
                "field": value_name,
                "type": "quantitative",
                "title": None,  # the caption names it
                "scale": {"domain": [0, max(top, 1.0) if value_name == "accuracy" else max(top, 1e-6)]},
            },  # fmt: skip
            "color": {"field": "set", "type": "nominal", "title": None, "legend": {"orient": "bottom"}},
        },
    }


def progress(run: TrainingRun, made_waiting: bool = False) -> None:
    """Progress bar and a Stop button (the curves in the diagnostics panel); reruns the page once at the end, and
    once the job starts when the fragment was made while it waited (``ui.jobs.pool.poll_every``)."""
    snapshot = run.snapshot()
    pool.started(made_waiting, bool(snapshot.waiting) or not snapshot.training)
    with st.container(key="train_progress"):
        passes = len(snapshot.history)
        if snapshot.history and snapshot.training:
            # No accuracy figure here: the one figure is the result's, on the user's own samples
            # (the samples set aside also hold starter rows and said 98% where the result said 14%).
            last = snapshot.history[-1]
            st.progress(last.epoch / last.epochs, text=f"Training: practice {last.epoch} of at most {last.epochs} "
                                                       "with your samples")  # fmt: skip
        elif snapshot.history:
            end = "Stopped" if snapshot.cancelled else "Trained"
            # the one training time (TrainResult.wall_seconds): from reading the samples to the model saved
            seconds = snapshot.result.wall_seconds if snapshot.result is not None else snapshot.seconds
            st.progress(1.0, text=f"{end} after {passes} practices with your samples, in {seconds:.1f} s")
        elif snapshot.training:  # waiting for a worker (other students' trainings first), then reading the samples
            st.progress(0.0, text=snapshot.waiting or "Preparing the samples…")
        if snapshot.training:
            st.button("⏹ Stop", on_click=run.cancel, disabled=snapshot.cancelled, key="train_stop")
            st.caption("Training stops by itself once it no longer gets better on samples it does not learn from.")
            if snapshot.history:
                with details_panel():  # once trained, the results' panel shows them (one panel a page)
                    curves(snapshot, run.starter)
    if not snapshot.training:  # its results show while it measures
        state.rerun_once("train_seen", run)


def curves(snapshot: RunSnapshot, starter: bool) -> None:
    """Loss and accuracy pass by pass, said to be on the samples set aside, not the page's one figure."""
    aside = "a few of your samples and starter examples" if starter else "a few of your samples"
    st.caption(f"How training went, pass by pass. The samples set aside are {aside} it does not learn from; "
               "their accuracy is not the figure above, which tests every one of your samples.")  # fmt: skip
    loss, accuracy = history_frames(snapshot)
    left, right = st.columns(2)
    left.caption("Loss (lower is better)")
    with left:
        chart(loss.reset_index(), curves_spec("loss", loss), "train_loss", height=220)
    right.caption("Accuracy")
    with right:
        chart(accuracy.reset_index(), curves_spec("accuracy", accuracy), "train_accuracy", height=220)


@dataclass(frozen=True)
class AccuracyFigure:
    """What the one accuracy figure of a run rests on, in words for the page."""

    correct: int
    total: int
    measured_on: str  # ui.common.figures.measured_on, e.g. "14 of your own held-out samples"
    warning: str  # empty when the figure rests on enough samples

    @property
    def text(self) -> str:
        return f"{self.correct} of {self.total} right: measured on {self.measured_on}."


def accuracy_figure(result: TrainResult) -> AccuracyFigure:
    """What ``result.val_accuracy`` is measured on and how many samples it rests on (``core.starter.fit._result``)."""
    confusion = np.asarray(result.confusion)
    correct, total = int(np.trace(confusion)), int(confusion.sum())
    measured_on = figures.measured_on(result.n_val, bool(result.classifier.metadata.get("val_on_training_samples")))
    warning = held_out_warning(total)
    return AccuracyFigure(correct, total, measured_on, warning)


def samples_words(report: TrainReport, metadata: Mapping[str, Any], whose: str = "your") -> str:
    """What ``report``'s samples are, in words (the headline's): "all 60 of your samples, each one guessed by a
    copy that learned without it", or the held-out ones of the model whose ``metadata`` this is (``whose``:
    "Ana's" on a project the viewer looks at, ``sharing.whose``)."""
    if report.folds:
        return f"all {report.tally.total} of {whose} samples, {TESTED_WITHOUT}"
    return held_out_words(metadata, whose)


def held_out_words(metadata: Mapping[str, Any], whose: str = "your") -> str:
    """ "the 12 of your own held-out samples": what a model's held-out figure rests on (``figures.measured_on``)."""
    on = figures.measured_on(int(metadata.get("n_val") or 0), bool(metadata.get("val_on_training_samples")), whose)
    return on if on.startswith("the ") else f"the {on}"


def training_details(report: TrainReport, result: TrainResult | None, body: bool) -> list[str]:
    """The training's own numbers, each said in words: one training time (from reading the samples to the
    model saved), and the measuring's time apart (it said 2.6 s, then 10.8 s, and Details 2.1 s)."""
    lines = [
        f"Training took {report.training_seconds:.1f} s, from reading your samples until the model was saved: "
        f"{report.passes} passes over the samples, the best after pass {report.best_pass}.",
    ]
    if result is not None:
        lines.append(f"Samples the network learned from: {result.n_train}; set aside to tell it when to stop: "
                     f"{result.n_val}.")  # fmt: skip
        if result.val_accuracy_mirrored is not None:
            side = "side" if body else "hand"
            lines.append(f"The set-aside samples mirrored, as if shown with the other {side}: "
                         f"{result.val_accuracy_mirrored:.0%} right.")  # fmt: skip
        # TrainResult.starter_rows: 0 when the starter data was off or no class is a starter gesture
        lines.append(f"Example hands from the built-in starter data learned alongside yours: {result.starter_rows:,}.")
    if report.folds:
        lines.append(f"Measuring the accuracy took {report.measuring_seconds:.1f} s more, after the model was saved: "
                     f"{report.folds} trainings, each without the samples it then tested.")  # fmt: skip
    return lines


def show_details(lines: list[str], snapshot: RunSnapshot | None, starter: bool) -> None:
    with details_panel():
        with st.container(key="train_details"):
            st.caption("  \n".join(lines))
        if snapshot is not None and snapshot.history:
            curves(snapshot, starter)


def results(run: TrainingRun, store: Store, project: str, gestures: list[GestureClass]) -> None:
    """What a finished run learned, and what to fix."""
    snapshot = run.snapshot()
    if snapshot.error:
        st.error(plain(f"Training failed: {snapshot.error}"))
        return
    result, dataset, report = snapshot.result, snapshot.dataset, snapshot.report
    if result is None or dataset is None or report is None:
        return
    titles = {g.name: g.title for g in gestures}
    if snapshot.cancelled and not snapshot.saved:
        st.warning(
            f"Stopped after {len(result.history)} practices with your samples. What it learned so far was not saved."
        )
        if st.button("Keep it anyway", key="train_keep"):
            run.keep()
            st.rerun()
    elif snapshot.saved:
        st.success(plain(f"Trained and saved. It knows {', '.join(titles.get(c, c) for c in result.classes)}."))
        st.page_link("pages/live.py", label="Try it live", icon="✨")
    metadata = result.classifier.metadata
    with st.container(key="train_metrics"):
        measuring = snapshot.measuring is not None and snapshot.measuring.running
        waiting = measuring and bool(snapshot.measuring.waiting)
        held_out = held_out_words(metadata)
        st.fragment(run_every=pool.poll_every(waiting) if measuring else None)(headline.show)(run, held_out, waiting)
    body = dataset.feature_config.skeleton == "body"
    show_details(training_details(report, result, body), snapshot, run.starter)
    if result.skipped_classes:  # user-typed names: plain text, not Markdown
        st.text("Left out (not recorded): " + ", ".join(titles.get(c, c) for c in result.skipped_classes))
    if result.mirror_landings:  # user-typed names: plain text, not Markdown
        st.info(plain(mirror_landings_text(result.mirror_landings, titles)), icon="🤚")
    if measuring:  # no figure yet: tables of other samples than the coming headline's would mislead
        st.caption(
            "How often each gesture is right, which ones it mixes up and the samples to fix follow once checked."
        )
        return
    report_tables(store, project, report, samples_words(report, metadata), dataset.labels, gestures)


def saved_model_results(store: Store, project: str, gestures: list[GestureClass], fixes: bool = True) -> None:
    """The saved model's results if it has any; ``fixes=False`` (someone only looking at the project) leaves out
    the gallery whose buttons delete and move samples, and says when there is no model."""
    summary = state.model_summary(project)
    if summary and "val_accuracy" in summary:
        saved_results(store, project, gestures, summary, fixes)
    elif not fixes:
        st.markdown("**Trained:** " + (figures.saved_figure_text(summary, sharing.whose(store, project)) if summary and "error" not in summary
                                       else "not yet"))  # fmt: skip


def saved_results(store: Store, project: str, gestures: list[GestureClass], summary: Mapping[str, Any],
                  fixes: bool = True) -> None:  # fmt: skip
    """The saved model's results as the Train page measured them when it trained it (``TrainReport`` in its
    metadata): they used to vanish once the page was left ("Train again to see details")."""
    report = saved_report(summary)
    whose = sharing.whose(store, project)  # "Ana's samples" for her teacher: "your samples" read as theirs
    last = summary.get(LAST_MEASURED_KEY)
    if report is None and isinstance(last, dict) and saved_report(last) is not None:  # after Teach it here
        _measuring_again(project, summary, fixes)
        report, summary = saved_report(last), {**summary, **last}
        when = readable_time(last.get(MEASURED_AT_KEY))
        st.caption(plain(f"The last measurement, taken {when} on {last.get('n_samples')} samples. It has "
                         "learned again since (as Teach it here does)."))  # fmt: skip
    elif report is None:  # a model from the command line, or a handteach before reports
        figure = figures.saved_kfold(summary)
        if figure is None:
            more = " Train it here to measure it on all your samples." if fixes else ""
            st.info(f"How well it learned has not been measured yet.{more}")
        else:
            more = ": train again to see them" if fixes else ""
            st.info(f"What it learned: {figures.saved_figure_text(summary, whose)}. Its results per gesture were not "
                    f"kept{more}.")  # fmt: skip
        return
    else:
        when = readable_time(summary.get(MEASURED_AT_KEY) or summary.get("trained_at"))
        changed = summary.get("n_samples") != sum(store.class_counts(project).values())
        again = " You have changed the samples since: train again to measure it on them." if fixes else (
            " The samples have changed since.")  # fmt: skip
        st.caption(plain(f"Results of the last training, measured when it trained ({when})."
                         + (again if changed else "")))  # fmt: skip
    on = samples_words(report, summary, whose)
    with st.container(key="train_metrics"), st.container(key="train_headline"):
        note = "" if report.folds else f"Not measured on all {whose} samples."
        headline.report_headline(report, on, note)
    show_details(training_details(report, None, store.project_skeleton(project).name == "body"), None, False)
    counts = store.class_counts(project)
    labels = [name for name, n in counts.items() for _ in range(n)]
    report_tables(store, project, report, on, labels, gestures, fixes)


def _measuring_again(project: str, summary: Mapping[str, Any], fixes: bool) -> None:
    """Above the last measurement: the new model's measuring as it goes (a fix of this tab's), in the queue behind
    other students' trainings; the page reruns once it is written, and shows it instead."""
    run = fix_run(st.session_state, project) if fixes else None
    measuring = run.snapshot().measuring if run is not None else None
    if run is None or measuring is None or not measuring.running:
        return
    waiting = bool(measuring.waiting)
    held_out = held_out_words(summary)
    st.fragment(run_every=pool.poll_every(waiting))(headline.show)(run, held_out, waiting)


def report_tables(store: Store, project: str, report: TrainReport, on: str, labels: list[str],
                  gestures: list[GestureClass], fixes: bool = True) -> None:  # fmt: skip
    """Per gesture, the confusion matrix, what "unknown" does and the samples to fix: all on ``report``'s samples
    (``on``, in words), in one order (``labels``: the project's samples' gestures, for the note on few)."""
    titles = {g.name: g.title for g in gestures}
    per_gesture(report, titles, on)
    kept_panel(report, labels, titles)
    if not fixes:  # someone only looking: the samples drawn, nothing to change (issue 64 item 3: nothing showed)
        st.markdown("**Samples it gets wrong**: the project's owner can delete them or move them.")
        fix_gallery(store, project, report.wrong, gestures, look=True)
        return
    st.markdown("**Samples it gets wrong**: delete bad ones or move them to the right gesture, then train again.")
    fix_gallery(store, project, report.wrong, gestures)


def per_gesture(report: TrainReport, titles: dict[str, str], on: str) -> None:
    """Accuracy per gesture and the confusion matrix, on the headline's samples (``report.tally``) in the
    project's order: the matrix stood on 12 held-out samples beside a headline on all 60, in another order."""
    tally = report.tally
    titles = {**titles, UNKNOWN_LABEL: "❔ unknown"}
    per_class = tally.per_class()
    left, right = st.columns([2, 3])
    with left, st.container(key="train_per_gesture"):
        st.markdown("**Accuracy per gesture**")
        st.caption(f"On the same {tally.total} samples as the accuracy above.")
        table = pd.DataFrame({"gesture": [titles.get(c, c) for c in per_class],
                              "accuracy": [f.share for f in per_class.values()]})  # fmt: skip
        st.dataframe(table, hide_index=True, width="stretch",
                     column_config={"accuracy": st.column_config.ProgressColumn(format="percent", min_value=0,
                                                                                max_value=1)})  # fmt: skip
    with right:
        show_confusion(tally.classes, tally.counts, titles, on)

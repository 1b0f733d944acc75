"""Train page pieces: live progress of a run, then accuracy, confusion (``ui.train.confusion``) and samples to fix."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from core.data.project import Dataset
from core.data.store import Store
from core.gestures.catalog import GestureClass
from core.gestures.crossval import CrossVal, answers_confusion, wrong_answers
from core.gestures.mirror_weights import mirror_landings_text
from core.gestures.training import TrainResult
from core.types import UNKNOWN_LABEL
from ui.common import figures, state
from ui.common.text import plain
from ui.common.widgets import details_panel
from ui.jobs.training import Measuring, RunSnapshot, TrainingRun, misclassified
from ui.samples.gallery import fix_gallery
from ui.train import headline
from ui.train.confusion import confusion_cells, confusion_spec, show_confusion  # noqa: F401 - the first two re-exported
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


def curves_spec(value_name: str) -> dict:
    """Vega-Lite lines of the ``LEARNED`` and ``SET_ASIDE`` columns over ``pass``.

    A plain spec rather than ``st.line_chart``: that builds an Altair chart whose schema
    validation took most of a core at the fragment's refresh rate, starving the training thread.
    """
    return {
        "transform": [{"fold": [LEARNED, SET_ASIDE], "as": ["set", value_name]}],
        "mark": {"type": "line"},
        "encoding": {
            "x": {"field": "pass", "type": "quantitative", "title": "pass over the samples"},
            "y": {"field": value_name, "type": "quantitative", "title": None},  # the caption names it
            "color": {"field": "set", "type": "nominal", "title": None, "legend": {"orient": "bottom"}},
        },
    }


def progress(run: TrainingRun) -> None:
    """Progress bar and a Stop button (the curves in the diagnostics panel); reruns the page once at the end."""
    snapshot = run.snapshot()
    with st.container(key="train_progress"):
        passes = len(snapshot.history)
        if snapshot.history and snapshot.training:
            # No accuracy figure here: the one figure is the result's, on the user's own samples
            # (the samples set aside also hold starter rows and said 98% where the result said 14%).
            last = snapshot.history[-1]
            st.progress(last.epoch / last.epochs, text=f"Training: pass {last.epoch} of at most {last.epochs} "
                                                       "over the samples")  # fmt: skip
        elif snapshot.history:
            end = "Stopped" if snapshot.cancelled else "Trained"
            st.progress(1.0, text=f"{end} after {passes} passes over the samples, {snapshot.seconds:.1f} s")
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
    left.vega_lite_chart(loss.reset_index(), curves_spec("loss"), height=220)
    right.caption("Accuracy")
    right.vega_lite_chart(accuracy.reset_index(), curves_spec("accuracy"), height=220)


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


FEW_SAMPLES = 10  # below this, one sample moves the figure by more than ten points


def accuracy_figure(result: TrainResult) -> AccuracyFigure:
    """What ``result.val_accuracy`` is measured on and how many samples it rests on (``core.starter.fit._result``)."""
    confusion = np.asarray(result.confusion)
    correct, total = int(np.trace(confusion)), int(confusion.sum())
    measured_on = figures.measured_on(result.n_val, bool(result.classifier.metadata.get("val_on_training_samples")))
    warning = ""
    if total < FEW_SAMPLES:
        step = f", so one sample more or less right moves it by {100 / total:.0f} points" if total else ""
        warning = (
            f"This figure rests on only {total} sample{'s' if total != 1 else ''}{step}. Record about ten samples of "
            "each gesture for a figure you can trust."
        )
    return AccuracyFigure(correct, total, measured_on, warning)


def training_details(result: TrainResult, body: bool, snapshot: RunSnapshot, starter: bool) -> None:
    """The training's own numbers in the page's diagnostics panel, each said in words (they read "Other hand
    (mirrored) 92%", "Samples (train / validation)", "Starter rows used: 21,864" on the page before)."""
    lines = [
        f"Samples the network learned from: {result.n_train}; set aside to tell it when to stop: {result.n_val}.",
        f"Training took {result.seconds:.1f} s: {len(result.history)} passes over the samples, the best after "
        f"pass {result.best_epoch}.",
        # TrainResult.starter_rows: 0 when the starter data was off or no class is a starter gesture
        f"Example hands from the built-in starter data learned alongside yours: {result.starter_rows:,}.",
    ]
    if result.val_accuracy_mirrored is not None:
        side = "side" if body else "hand"
        lines.insert(1, f"The set-aside samples mirrored, as if shown with the other {side}: "
                        f"{result.val_accuracy_mirrored:.0%} right.")  # fmt: skip
    with details_panel():
        with st.container(key="train_details"):
            st.caption("  \n".join(lines))
        if snapshot.history:
            curves(snapshot, starter)


def results(run: TrainingRun, store: Store, project: str, gestures: list[GestureClass]) -> None:
    """What a finished run learned, and what to fix."""
    snapshot = run.snapshot()
    if snapshot.error:
        st.error(plain(f"Training failed: {snapshot.error}"))
        return
    result, dataset = snapshot.result, snapshot.dataset
    if result is None or dataset is None:
        return
    titles = {g.name: g.title for g in gestures}
    if snapshot.cancelled and not snapshot.saved:
        st.warning(f"Stopped after {len(result.history)} passes over the samples. This model was not saved.")
        if st.button("Keep this model anyway", key="train_keep"):
            run.keep()
            st.rerun()
    elif snapshot.saved:
        st.success(plain(f"Model saved. It knows {', '.join(titles.get(c, c) for c in result.classes)}."))
        st.page_link("pages/live.py", label="Try it live", icon="✨")
    figure = accuracy_figure(result)
    with st.container(key="train_metrics"):
        held_out = (f"{result.val_accuracy:.0%}", figure.measured_on, figure.text, figure.warning)
        measuring = snapshot.measuring is not None and snapshot.measuring.running
        st.fragment(run_every=0.5 if measuring else None)(headline.show)(run, held_out)
    training_details(result, dataset.feature_config.skeleton == "body", snapshot, run.starter)
    if result.skipped_classes:  # user-typed names: plain text, not Markdown
        st.text("Left out (not recorded): " + ", ".join(titles.get(c, c) for c in result.skipped_classes))
    if result.mirror_landings:  # user-typed names: plain text, not Markdown
        st.info(plain(mirror_landings_text(result.mirror_landings, titles)), icon="🤚")
    per_gesture(result, dataset, snapshot.measuring, titles)
    kept_panel(snapshot.measuring, dataset, titles)
    st.markdown(
        "**Samples the model gets wrong**: delete bad ones or move them to the right gesture, then train again."
    )
    fix_gallery(store, project, _wrong(result, dataset, snapshot.measuring), gestures)


def _crossval(measuring: Measuring | None) -> CrossVal | None:
    return measuring.crossval if measuring is not None else None


def _wrong(result: TrainResult, dataset: Dataset, measuring: Measuring | None) -> list[tuple[int, str, str]]:
    """(sample id, true, answered) of the samples to fix: the k-fold answers the headline counts once measured
    (every sample, "unknown" included), else the held-out samples'."""
    crossval = _crossval(measuring)
    if crossval is None:
        return misclassified(result, dataset)
    return [
        (dataset.sample_ids[row], truth, answer)
        for row, truth, answer in wrong_answers(dataset.labels, crossval.answers)
    ]


def per_gesture(result: TrainResult, dataset: Dataset, measuring: Measuring | None, titles: dict[str, str]) -> None:
    """Accuracy per gesture and the confusion matrix, on the same answers as the headline: every sample tested
    by a model trained without it once measured (the headline said 79% beside gestures at 100% when these came
    from the few held-out samples), the held-out samples until then."""
    crossval = _crossval(measuring)
    if crossval is not None:
        per_class = {c: f.share for c, f in crossval.per_class.items()}
        classes, confusion = answers_confusion(dataset.labels, crossval.answers, list(result.classes), UNKNOWN_LABEL)
        titles = {**titles, UNKNOWN_LABEL: "❔ unknown"}
        on = "every sample, each tested by a model trained without it"
    else:
        per_class, classes, confusion = dict(result.per_class), list(result.classes), np.asarray(result.confusion)
        on = "the samples set aside"
    left, right = st.columns([2, 3])
    with left, st.container(key="train_per_gesture"):
        st.markdown("**Accuracy per gesture**")
        st.caption(f"On {on}.")
        table = pd.DataFrame({"gesture": [titles.get(c, c) for c in per_class], "accuracy": list(per_class.values())})
        st.dataframe(table, hide_index=True, width="stretch",
                     column_config={"accuracy": st.column_config.ProgressColumn(format="percent", min_value=0,
                                                                                max_value=1)})  # fmt: skip
    with right:
        show_confusion(classes, confusion, titles)

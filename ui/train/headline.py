"""Train's one accuracy figure: measured by k-fold over all samples once the model is saved, in plain words.

While the folds run (``ui.jobs.training.TrainingRun`` with ``measure``) the page shows rounds done of all and
the time left, with a button to skip; then the figure with its range and whether it moved from the previous
model by more than chance (``core.gestures.figure``). Skipped or failed: the held-out figure, saying so.
"""

from __future__ import annotations

import streamlit as st

from core.gestures.figure import Figure, change_text, figure_text, span_text
from core.gestures.report import TrainReport
from core.gestures.training import TrainResult
from ui.common import state
from ui.common.text import plain, time_left_text
from ui.jobs import pool
from ui.jobs.training import Measuring, TrainingRun

FEW_SAMPLES = 10  # below this, one sample moves a figure by more than ten points
SKIP_CHECK = "Skip the check"
MEASURED_HELP = (
    "Each of your samples was tested once, by a copy that learned the same way from the others ({folds} rounds). "
    "The true figure lies {span} 95 times in 100: the fewer the samples, the wider that range."
)


def show(run: TrainingRun, held_out_on: str, made_waiting: bool = False) -> None:
    """The headline of ``run``: measuring's progress, then its report's figure (``held_out_on``: what the
    held-out samples are, in words, for a figure without k-fold). Meant as a fragment refreshing while
    measuring; reruns the page once measured."""
    snapshot = run.snapshot()
    measuring, report = snapshot.measuring, snapshot.report
    pool.started(made_waiting, measuring is not None and measuring.running and bool(measuring.waiting))
    with st.container(key="train_headline"):
        if measuring is not None and measuring.running:
            _progress(run, measuring, snapshot.result)
        elif report is not None:
            note = measuring.note if measuring is not None else ""
            previous = measuring.previous if measuring is not None else None
            report_headline(report, held_out_on, note, previous)
    if measuring is not None and not measuring.running:
        state.rerun_once("train_measured", run)  # the Train button and the fragment's refresh follow the run's end


def _progress(run: TrainingRun, measuring: Measuring, result: TrainResult | None) -> None:
    samples = result.n_samples if result is not None else 0
    left = measuring.seconds_left()
    rounds = f"{measuring.done} of {measuring.folds} copies done" if measuring.folds else "starting"
    time_left = time_left_text(left)
    st.progress(
        measuring.done / measuring.folds if measuring.folds else 0.0,
        text=measuring.waiting  # other students' trainings go first
        or f"Checking how often it is right: each of your {samples} samples guessed by a copy that learned "
        f"without it ({rounds}{time_left})",
    )
    st.caption("Saved: Live already uses what it learned.")
    st.button(SKIP_CHECK, on_click=run.skip_measuring, key="train_skip_measuring")


def report_headline(report: TrainReport, held_out_on: str, note: str = "",
                    previous: tuple[Figure, int] | None = None) -> None:  # fmt: skip
    """The one accuracy figure of ``report``: k-fold in words with its range and its change from ``previous``,
    or the held-out samples' (``held_out_on``) after ``note`` (why there is no k-fold figure)."""
    figure = report.tally.figure
    if report.folds:
        st.metric(
            "Accuracy", f"{figure.share:.0%}", help=MEASURED_HELP.format(folds=report.folds, span=span_text(figure))
        )
        st.caption(figure_text(figure, report.folds))
        change = change_text(figure, previous[0] if previous else None)
        if change:
            st.caption(change)
        return
    st.metric("Accuracy", f"{figure.share:.0%}", help=held_out_on)
    st.caption(plain(" ".join(filter(None, [note, f"{figure.correct} of {figure.total} right: measured on "
                                                   f"{held_out_on}."]))))  # fmt: skip
    warning = held_out_warning(figure.total)
    if warning:
        st.warning(warning)


def held_out_warning(total: int) -> str:
    """What to say of a figure resting on ``total`` samples: "" from ``FEW_SAMPLES`` on."""
    if total >= FEW_SAMPLES:
        return ""
    step = f", so one sample more or less right moves it by {100 / total:.0f} points" if total else ""
    return (f"This figure rests on only {total} sample{'s' if total != 1 else ''}{step}. Record about ten samples "
            "of each gesture for a figure you can trust.")  # fmt: skip

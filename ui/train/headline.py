"""Train's one accuracy figure: measured by k-fold over all samples once the model is saved, in plain words.

While the folds run (``ui.jobs.training.TrainingRun`` with ``measure``) the page shows rounds done of all and
the time left, with a button to skip; then the figure with its range and whether it moved from the previous
model by more than chance (``core.gestures.figure``). Skipped or failed: the held-out figure, saying so.
"""

from __future__ import annotations

import streamlit as st

from core.gestures.figure import change_text, figure_text
from core.gestures.training import TrainResult
from ui.common import state
from ui.common.text import time_left_text
from ui.jobs.training import Measuring, TrainingRun

MEASURED_HELP = (
    "Each of your samples was tested once, by a model trained the same way on the others ({folds} rounds). "
    "The range is where the true figure lies 95 times in 100: the fewer the samples, the wider it is."
)


def show(run: TrainingRun, held_out: tuple[str, str, str, str]) -> None:
    """The headline of ``run``; (figure, what it rests on, its sentence, warning) of the held-out samples serve
    when there is no k-fold figure. Meant as a fragment refreshing while measuring; reruns the page once measured."""
    snapshot = run.snapshot()
    measuring = snapshot.measuring
    with st.container(key="train_headline"):
        if measuring is not None and measuring.running:
            _progress(run, measuring, snapshot.result)
        elif measuring is not None and measuring.crossval is not None:
            _measured(measuring)
        else:
            _held_out(*held_out, measuring.note if measuring is not None else "")
    if measuring is not None and not measuring.running:
        state.rerun_once("train_measured", run)  # the Train button and the fragment's refresh follow the run's end


def _progress(run: TrainingRun, measuring: Measuring, result: TrainResult | None) -> None:
    samples = result.n_samples if result is not None else 0
    left = measuring.seconds_left()
    rounds = f"round {measuring.done} of {measuring.folds}" if measuring.folds else "starting"
    time_left = time_left_text(left)
    st.progress(
        measuring.done / measuring.folds if measuring.folds else 0.0,
        text=measuring.waiting  # other students' trainings go first
        or f"Measuring the accuracy: each of your {samples} samples tested by a model trained without it "
        f"({rounds}{time_left})",
    )
    st.caption("Your model is saved: Live already uses it.")
    st.button("Skip measuring", on_click=run.skip_measuring, key="train_skip_measuring")


def _measured(measuring: Measuring) -> None:
    assert measuring.crossval is not None  # the caller's branch
    figure, folds = measuring.crossval.figure, measuring.crossval.folds
    st.metric("Accuracy", f"{figure.share:.0%}", help=MEASURED_HELP.format(folds=folds))
    st.caption(figure_text(figure, folds))
    change = change_text(figure, measuring.previous[0] if measuring.previous else None)
    if change:
        st.caption(change)


def _held_out(value: str, rests_on: str, text: str, warning: str, note: str) -> None:
    st.metric("Accuracy", value, help=rests_on)
    st.caption(" ".join(filter(None, [note, text])))
    if warning:
        st.warning(warning)

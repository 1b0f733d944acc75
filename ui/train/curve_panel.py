"""Train's learning curve: accuracy against samples per gesture, measured as the headline is, in words.

The work is ``ui.jobs.curve.CurveRun`` (one training per point and round): the panel shows trainings done of
all and the time left with a Stop button, then the points with their ranges and what they show.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.data.store import Store
from core.gestures.crossval import curve_sizes, fold_count, typical_pool, typical_samples
from core.gestures.figure import CurvePoint, curve_plan_text, curve_text
from core.gestures.training import TrainConfig
from ui.common import state
from ui.common.text import plain, time_left_text
from ui.jobs.curve import CurveRun, CurveSnapshot
from ui.jobs.training import TrainingRun
from ui.train.charts import chart

RUN_KEY = "train_curve_run"


def panel(store: Store, project: str, starter: bool, keep_unrecorded: bool = False) -> None:
    """The Measure button and, once started, the curve run of this project."""
    st.caption(plan_text(store.class_counts(project)))
    run = st.session_state.get(RUN_KEY)
    run = run if isinstance(run, CurveRun) and run.project == project else None
    running = run is not None and run.snapshot().running
    if st.button("📈 Measure", key="train_curve", disabled=running):
        training = st.session_state.get("train_run")
        training = training if isinstance(training, TrainingRun) and training.project == project else None
        config = training.config if training is not None else TrainConfig()
        run = CurveRun(store, project, config, starter, keep_unrecorded, training)
        st.session_state[RUN_KEY] = run.start()
        running = True
    if run is not None:
        st.fragment(run_every=0.5 if running else None)(_show)(run)


def plan_text(counts: dict[str, int]) -> str:
    """The curve's points as they will be measured on the project's own samples (``counts``: per gesture)."""
    labels = [name for name, n in counts.items() for _ in range(n)]
    folds = fold_count(labels)
    if not folds:
        return ("Tests each of your samples with copies that learned from fewer samples of each gesture, the way the "
                "accuracy above is measured. It needs two gestures of at least two samples each.")  # fmt: skip
    pool = typical_pool(labels, folds)
    return curve_plan_text(curve_sizes(labels, folds), pool, typical_samples(labels), folds)


def _show(run: CurveRun) -> None:
    snap = run.snapshot()
    with st.container(key="train_curve_panel"):
        if snap.running:
            _progress(run, snap)
        elif snap.error:
            st.error(plain(f"Cannot measure a learning curve yet: {snap.error}"))
        elif snap.points is None:
            st.info("Stopped: no curve was measured.")
        else:
            _curve(snap.points)
    if not snap.running:
        state.rerun_once("train_curve_seen", run)  # the Measure button and the fragment's refresh follow the run's end


def _progress(run: CurveRun, snap: CurveSnapshot) -> None:
    left = snap.seconds_left()
    time_left = time_left_text(left)
    text = (
        f"Measuring the curve: {snap.done} of {snap.total} trainings{time_left}"
        if snap.total
        else snap.waiting or "Reading the samples…"  # trainings go first
    )
    st.progress(snap.done / snap.total if snap.total else 0.0, text=text)
    st.button("⏹ Stop", on_click=run.cancel, disabled=snap.cancelled, key="train_curve_stop")


def _curve(points: list[CurvePoint]) -> None:
    st.markdown(plain(curve_text(points)))
    table = pd.DataFrame(
        {
            "samples per gesture": [p.samples_per_class for p in points],
            "accuracy": [p.figure.share for p in points],
            "low": [p.figure.low for p in points],
            "high": [p.figure.high for p in points],
            "trained on": [
                f"{p.samples_per_class} (all a training learns from)" if p.everything else str(p.samples_per_class)
                for p in points
            ],  # fmt: skip
        }
    )
    chart(table, curve_spec([p.samples_per_class for p in points]), "train_curve_chart", height=220)
    st.caption("The bars: where the true figure lies 95 times in 100. The last point is the accuracy above.")


def curve_spec(sizes: list[int]) -> dict:
    """Vega-Lite: accuracy per samples-per-gesture as a line with points, and its range as error bars; the axis
    ticks at the points' ``sizes``, whole samples (it ticked 2.5, 7.5 between points at 3, 6 and 12). Both axes'
    ranges come with the spec: drawn afresh (``ui.train.charts``), Vega first computed the x range on no data and
    warned "Infinite extent" three times in the browser's console (issue 64, item 8)."""
    axis = {"values": sizes, "format": "d", "title": "samples of each gesture a training learns from"}
    right = max(sizes, default=1) * 1.05  # the last point and its bar whole, not on the edge
    x = {"field": "samples per gesture", "type": "quantitative", "axis": axis, "scale": {"domain": [0, right]}}
    y_scale = {"domain": [0, 1]}
    return {
        "layer": [
            {
                "mark": {"type": "errorbar"},
                "encoding": {
                    "x": x,
                    "y": {"field": "low", "type": "quantitative", "scale": y_scale, "title": "accuracy"},
                    "y2": {"field": "high"},
                },
            },  # fmt: skip
            {
                "mark": {"type": "line", "point": True},
                "encoding": {
                    "x": x,
                    "y": {"field": "accuracy", "type": "quantitative", "scale": y_scale, "axis": {"format": "%"}},
                    "tooltip": [
                        {"field": "trained on"},
                        {"field": "accuracy", "format": ".0%"},
                        {"field": "low", "format": ".0%"},
                        {"field": "high", "format": ".0%"},
                    ],
                },  # fmt: skip
            },
        ]
    }

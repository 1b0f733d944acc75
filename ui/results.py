"""Train page pieces: live progress of a run, then accuracy, confusion matrix and samples to fix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core.gestures import GestureClass
from core.store import Store
from ui.gallery import fix_gallery
from ui.jobs import RunSnapshot, TrainingRun, misclassified


def history_frames(snapshot: RunSnapshot) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(loss, accuracy) per epoch, columns train/validation, indexed by epoch."""
    epochs = [s.epoch for s in snapshot.history]
    loss = pd.DataFrame(
        {"train": [s.train_loss for s in snapshot.history], "validation": [s.val_loss for s in snapshot.history]},
        index=pd.Index(epochs, name="epoch"),
    )
    accuracy = pd.DataFrame(
        {
            "train": [s.train_accuracy for s in snapshot.history],
            "validation": [s.val_accuracy for s in snapshot.history],
        },
        index=pd.Index(epochs, name="epoch"),
    )
    return loss, accuracy


def curves_spec(value_name: str) -> dict:
    """Vega-Lite lines of the train and validation columns over ``epoch``.

    A plain spec rather than ``st.line_chart``: that builds an Altair chart whose schema
    validation took most of a core at the fragment's refresh rate, starving the training thread.
    """
    return {
        "transform": [{"fold": ["train", "validation"], "as": ["set", value_name]}],
        "mark": {"type": "line"},
        "encoding": {
            "x": {"field": "epoch", "type": "quantitative"},
            "y": {"field": value_name, "type": "quantitative", "title": None},  # the caption names it
            "color": {"field": "set", "type": "nominal", "title": None, "legend": {"orient": "bottom"}},
        },
    }


def progress(run: TrainingRun) -> None:
    """Progress bar, loss/accuracy curves and a Stop button; reruns the page once when the run ends."""
    snapshot = run.snapshot()
    with st.container(key="train_progress"):
        if snapshot.history and snapshot.running:
            last = snapshot.history[-1]
            text = f"Epoch {last.epoch} of at most {last.epochs} · validation accuracy {last.val_accuracy:.0%}"
            st.progress(last.epoch / last.epochs, text=text)
        elif snapshot.history:
            end = "stopped" if snapshot.cancelled else "finished (it stops once validation stops improving)"
            st.progress(1.0, text=f"Training {end} after {len(snapshot.history)} epochs, {snapshot.seconds:.1f} s")
        elif snapshot.running:
            st.progress(0.0, text="Preparing the samples…")
        if snapshot.history:
            loss, accuracy = history_frames(snapshot)
            left, right = st.columns(2)
            left.caption("Loss")
            left.vega_lite_chart(loss.reset_index(), curves_spec("loss"), height=220)
            right.caption("Accuracy")
            right.vega_lite_chart(accuracy.reset_index(), curves_spec("accuracy"), height=220)
        if snapshot.running:
            st.button("⏹ Stop", on_click=run.cancel, disabled=snapshot.cancelled, key="train_stop")
            st.caption("Training stops by itself when the validation loss stops improving.")
    if not snapshot.running and st.session_state.get("train_seen") is not run:
        st.session_state["train_seen"] = run
        st.rerun(scope="app")


def _confusion_frame(classes: list[str], confusion: np.ndarray, titles: dict[str, str]) -> pd.io.formats.style.Styler:
    labels = [titles.get(c, c) for c in classes]
    frame = pd.DataFrame(confusion, index=pd.Index(labels, name="true ↓ / predicted →"), columns=labels)
    peak = max(1, int(confusion.max()))

    def colour(data: pd.DataFrame) -> pd.DataFrame:
        styles = pd.DataFrame("", index=data.index, columns=data.columns)
        for i in range(len(data)):
            for j in range(len(data.columns)):
                value = data.iat[i, j]
                if value:
                    alpha = 0.15 + 0.6 * value / peak
                    rgb = "47,158,90" if i == j else "220,60,60"
                    styles.iat[i, j] = f"background-color: rgba({rgb},{alpha:.2f})"
        return styles

    return frame.style.apply(colour, axis=None)


def results(run: TrainingRun, store: Store, project: str, gestures: list[GestureClass]) -> None:
    """What a finished run learned, and what to fix."""
    snapshot = run.snapshot()
    if snapshot.error:
        st.error(f"Training failed: {snapshot.error}")
        return
    result, dataset = snapshot.result, snapshot.dataset
    if result is None or dataset is None:
        return
    titles = {g.name: g.title for g in gestures}
    if snapshot.cancelled and not snapshot.saved:
        st.warning(f"Stopped after {len(result.history)} epochs. This model was not saved.")
        if st.button("Keep this model anyway", key="train_keep"):
            run.keep()
            st.rerun()
    elif snapshot.saved:
        st.success(f"Model saved. It knows {', '.join(titles.get(c, c) for c in result.classes)}.")
        st.page_link("pages/live.py", label="Try it live", icon="✨")
    with st.container(key="train_metrics"):
        cols = st.columns(4)
        cols[0].metric("Validation accuracy", f"{result.val_accuracy:.0%}")
        if result.val_accuracy_mirrored is not None:
            cols[1].metric("Other hand (mirrored)", f"{result.val_accuracy_mirrored:.0%}")
        cols[2].metric("Samples (train / validation)", f"{result.n_train} / {result.n_val}")
        cols[3].metric(
            "Time", f"{result.seconds:.1f} s", help=f"{len(result.history)} epochs, best {result.best_epoch}"
        )
    if result.skipped_classes:
        st.caption("Not trained (no samples): " + ", ".join(titles.get(c, c) for c in result.skipped_classes))
    left, right = st.columns([2, 3])
    with left:
        st.markdown("**Accuracy per gesture**")
        per_class = pd.DataFrame(
            {"gesture": [titles.get(c, c) for c in result.per_class], "accuracy": list(result.per_class.values())}
        )
        st.dataframe(
            per_class,
            hide_index=True,
            width="stretch",
            column_config={"accuracy": st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)},
        )
    with right:
        st.markdown("**Confusion matrix** (validation samples)")
        st.dataframe(_confusion_frame(result.classes, result.confusion, titles), width="stretch")
    st.markdown(
        "**Samples the model gets wrong**: delete bad ones or move them to the right gesture, then train again."
    )
    fix_gallery(store, project, misclassified(result, dataset), gestures)


def learning_curve_panel(store: Store, project: str, starter: bool) -> None:
    """Accuracy against samples per class, measured on the project's own later samples."""
    from core.starter.curve import project_curve

    st.caption(
        "Trains once per size on the first N samples of each gesture and tests on the last 30% of them "
        "(about 6 s per point with the starter data). More samples help until the curve flattens."
    )
    if not st.button("📈 Measure", key="train_curve"):
        return
    bar = st.progress(0.0, text="Measuring…")
    sizes = (1, 2, 3, 5, 10, 20, 50)
    done: list[int] = []

    def advance(point: object) -> None:
        done.append(1)
        bar.progress(len(done) / len(sizes), text=f"{len(done)} of {len(sizes)} sizes")

    try:
        points = project_curve(store, project, sizes, starter=starter, on_point=advance)
    except ValueError as exc:
        bar.empty()
        st.error(f"Cannot measure a learning curve yet: {exc}")
        return
    bar.empty()
    table = pd.DataFrame(
        {"samples per gesture": [p.samples_per_class for p in points], "accuracy": [p.accuracy for p in points]}
    )
    st.line_chart(table, x="samples per gesture", y="accuracy")
    st.dataframe(table, hide_index=True)

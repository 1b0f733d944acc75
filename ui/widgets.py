"""Small widgets shared by the pages: next-step link, class titles, stream status, prediction cards."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core.gestures.catalog import GestureClass
from core.types import UNKNOWN_LABEL, Keypoints, Prediction
from ui import state
from ui.figures import saved_figure_text
from ui.recorder import RecordPlan, RecordStatus
from ui.stream import StreamSession, StreamSnapshot
from ui.text import plain
from ui.unknown_panel import why_unknown
from ui.uploads import AnnotatedUpload

PAGES = {"home": "pages/home.py", "record": "pages/record.py", "train": "pages/train.py", "live": "pages/live.py"}

# Extra panels under the Live results (e.g. the CPM keypoint view): each is called with
# the Live page's StreamSession inside the results column. Empty by default.
LIVE_PANELS: list[Callable[[StreamSession], None]] = []


def next_step(counts: dict[str, int], summary: dict | None) -> tuple[str, str]:
    """(page, why) of the most useful next step for a project."""
    recorded = [name for name, n in counts.items() if n > 0]
    if len(recorded) < 2:
        have = "one gesture" if recorded else "no samples yet"
        return PAGES["record"], f"Record at least two gestures (you have {have})"
    if not summary or "error" in summary:
        return PAGES["train"], "Train your first model: one click, a few seconds"
    if summary.get("n_samples") != sum(counts.values()):
        return PAGES["train"], "You changed the samples since the last training: train again"
    return PAGES["live"], "Try it live with your webcam"


def next_step_link(page: str, why: str, key: str) -> None:
    """The next step in words (wrapped, never cut at the column edge as a long link label is) and a link there."""
    with st.container(key=key):
        st.markdown(f"👉 **Next:** {why}")
        title = next(name for name, path in PAGES.items() if path == page).capitalize()
        st.page_link(page, label=f"Go to {title}", icon="➡️")


def page_title(icon: str, title: str, subtitle: str) -> None:
    st.title(f"{icon} {title}")
    project = state.current_project()
    st.caption(f"{subtitle} · project **{plain(project)}** (change it on [Home]({state.project_url(project)}))")


def sidebar_status() -> None:
    """Project, sample count and model quality, shown on every page."""
    project = state.current_project()
    if state.store().project_is_motion(project):  # clips and a motion model (light imports: on every page)
        from core.data.clips import clip_counts
        from core.data.project_motion import has_motion_model

        clips = clip_counts(state.store(), project)
        st.sidebar.markdown(f"**Project:** {project} (motion)")
        st.sidebar.caption(
            f"{_count(sum(clips.values()), 'clip')} in {_count(sum(1 for n in clips.values() if n), 'gesture')}"
        )
        trained = has_motion_model(state.store(), project)
        st.sidebar.caption("Model: motion model trained" if trained else "Model: not trained yet")
        return
    counts = state.store().class_counts(project)
    summary = state.model_summary(project)
    st.sidebar.markdown(f"**Project:** {project}")
    st.sidebar.caption(
        f"{_count(sum(counts.values()), 'sample')} in {_count(sum(1 for n in counts.values() if n), 'class')}"
    )
    if summary and "val_accuracy" in summary:
        st.sidebar.caption(f"Model: {saved_figure_text(summary)}")
    else:
        st.sidebar.caption("Model: not trained yet")


def _count(n: int, noun: str) -> str:
    """ "1 sample", "2 samples", "1 class", "3 classes"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}{'es' if noun.endswith('s') else 's'}"


def counts_text(gestures: list[GestureClass], counts: dict[str, int]) -> str:
    """ "Samples so far: 👍 thumbs_up 14 · ✋ open_palm 15" (gestures without samples left out)."""
    parts = [f"{g.title} {counts[g.name]}" for g in gestures if counts.get(g.name)]
    return "Samples so far: " + (" · ".join(parts) if parts else "none yet")


def timings_text(snapshot: StreamSnapshot) -> str:
    """ "27.3 fps · landmarks 24.1 ms · …" for the per-stage timings of a stream."""
    stages = " · ".join(f"{k} {v:.1f} ms" for k, v in snapshot.ms.items())
    return f"{snapshot.fps:.1f} fps · {stages}" if stages else "waiting for frames…"


def show_stream_health(snapshot: StreamSnapshot, key: str) -> None:
    """Timings line (testid'd container) and any error raised in the frame callback."""
    with st.container(key=f"{key}_timings"):
        st.caption(f"Server: {timings_text(snapshot)}")
    if snapshot.error:
        with st.container(key=f"{key}_error"):
            st.error(plain(f"The video processing failed: {snapshot.error}"))


def _top3(prediction: Prediction, gestures: list[GestureClass]) -> None:
    for name, prob in prediction.top(3):
        st.progress(min(1.0, max(0.0, prob)), text=f"{plain(state.title_of(name, gestures))} {prob:.0%}")


def prediction_cards(snapshot: StreamSnapshot, gestures: list[GestureClass], body: bool = False) -> None:
    """One card per hand (or person, ``body``): emoji + label + confidence, top-3 bars, handedness."""
    if not snapshot.running:
        st.info("Press **START** on the video to begin. Allow the camera when the browser asks.")
        return
    if not snapshot.hands:
        st.markdown("### 🫥 No one in view" if body else "### 🫥 No hand in view")
        return
    columns = st.columns(len(snapshot.hands))
    for column, (handedness, prediction) in zip(columns, snapshot.hands, strict=True):
        with column, st.container(border=True):
            st.caption("person" if body else f"{handedness} hand")
            if prediction is None:
                st.markdown("### 🖐 (no model)")
                continue
            title = "❔ unknown" if prediction.label == UNKNOWN_LABEL else state.title_of(prediction.label, gestures)
            st.markdown(f"### {plain(title)}")
            reason = why_unknown(prediction, gestures)
            st.caption(reason if reason else f"confidence {prediction.score:.0%}")
            _top3(prediction, gestures)


def prediction_text(snapshot: StreamSnapshot) -> str:
    """Plain text of the current labels ("thumbs_up 0.93 (Right)"; a body has no side: "tree 0.97"), for tests
    and screen readers."""
    parts = [
        f"{p.label} {p.score:.2f}" + (f" ({h})" if h != "Unknown" else "") for h, p in snapshot.hands if p is not None
    ]
    return "; ".join(parts) if parts else "none"


def show_flash() -> None:
    """A one-shot success message left by the previous run (before its st.rerun).

    Its container is there with or without a message: an element appearing above the webcam
    would shift it in the page, and the browser would remount the video and stop the stream.
    """
    message = st.session_state.pop("flash", None)
    warning = st.session_state.pop("flash_warning", None)  # what the user should know about what just succeeded
    with st.container(key="flash"):
        if message:
            st.success(message)
        if warning:
            st.warning(warning)


def rejection_text(rejected: dict[str, int]) -> str:
    """ "3 frames rejected: 2 no hand, 1 more hands than asked for" (empty when none)."""
    total = sum(rejected.values())
    if not total:
        return ""
    reasons = ", ".join(f"{n} {why}" for why, n in sorted(rejected.items(), key=lambda kv: -kv[1]))
    return f"{total} frame{'s' if total != 1 else ''} rejected: {reasons}"


_REJECTION_TIPS = {
    "no hand": "keep your hand fully in the picture, with some light on it",
    "no person": "step back so that the camera sees you, with some light on you",
    "person partly in view (legs cut off or hidden)": "step back until your hips, knees and ankles are in the picture",
    "more hands than asked for": "show one hand only, or set 'Hands per sample' to 2",
    "low confidence": "move closer and hold the pose steady",
}


def record_panel(session: StreamSession, plan: RecordPlan, title: str, gestures: list[GestureClass],
                 playing: bool) -> None:  # fmt: skip
    """The Record button and the countdown / progress / result of the latest take (a fragment on Record).

    Record is disabled while a take counts down or captures, so a second press cannot cut a
    take short; ``StreamSession.start_recording`` says so should one get through anyway.
    A finished take of another gesture is not shown once the user has picked a new one.
    """
    snapshot = session.snapshot()
    recording = snapshot.recording
    running = recording is not None and recording.running
    if not playing:
        why = "Press START on the video first"
    elif running:
        why = "A take is running: wait until it is stored"
    else:
        why = None
    st.button(f"⏺ Record {title} for {plan.duration:g} s", type="primary", disabled=why is not None,
              on_click=session.start_recording, args=(plan,), key="record_start", help=why)  # fmt: skip
    if playing:  # "waiting for frames" before START only confuses
        show_stream_health(snapshot, "record")
    if recording is not None and recording.finished and recording.plan.class_name != plan.class_name:
        recording = None  # the previous gesture's result, not this one's
    with st.container(key="record_status"):
        if recording is None:
            st.caption("Press **START**, pick a gesture, then **Record**: a 3-2-1 countdown gives you time to pose.")
            return
        _take_status(recording, gestures)
    if recording.finished and st.session_state.get("record_seen") != recording.ident:
        st.session_state["record_seen"] = recording.ident
        st.rerun(scope="app")  # refresh counts and the gallery


def _take_status(recording: RecordStatus, gestures: list[GestureClass]) -> None:
    title = plain(state.title_of(recording.plan.class_name, gestures))
    st.caption(f"Take {recording.take} · {title}")
    if recording.restarted:
        take, captured = recording.restarted
        st.warning(f"Take {take} was stopped and restarted as take {recording.take}: its {captured} samples are kept.")
    if recording.phase == "countdown":
        st.info(f"Get ready to show {title}… {recording.countdown_left}")
    elif recording.phase == "recording":
        done = 1.0 - recording.seconds_left / recording.plan.duration
        st.progress(min(1.0, max(0.0, done)), text=f"Recording {title}: {recording.captured} samples so far")
    elif recording.phase == "saving":
        st.info(f"Saving {recording.captured} samples…")
    else:
        verb = "Stopped early. " if recording.phase == "stopped" else ""
        text = f"{verb}Stored {recording.stored} samples of {title} (from {recording.attempts} frames)."
        if recording.stored:
            st.success(text)
        else:
            body = recording.plan.skeleton == "body"
            keep = "Stay fully in view, hips to ankles," if body else "Keep your hand in view"
            st.warning(f"{text} {keep} and record again.")
    if recording.error:
        st.error(plain(recording.error))
    text = rejection_text(recording.rejected)
    if text:
        tips = "; ".join(_REJECTION_TIPS[w] for w in recording.rejected if w in _REJECTION_TIPS)
        st.warning(f"{text}. Tip: {tips}." if tips else text)


def file_result(annotated: AnnotatedUpload, gestures: list[GestureClass]) -> None:
    """What was recognised in an uploaded file: per hand for an image, label counts for a video."""
    hands = [h for r in annotated.records for h in r["hands"]]
    labels = [h["label"] for h in hands if h["label"]]
    found = {name: labels.count(name) for name in dict.fromkeys(labels)}
    with st.container(key="live_file_result"):
        summary = ", ".join(f"{plain(state.title_of(n, gestures))} ×{c}" for n, c in found.items())
        st.markdown(f"**{len(annotated.records)} frame(s)** · {summary or 'no gesture found'}")
        if annotated.kind == "image" and hands:
            rows = [
                {
                    "hand": "person" if h.get("skeleton") == "body" else h["handedness"],
                    "gesture": state.title_of(h["label"], gestures) if h["label"] else "(no model)",
                    "confidence": h["score"] or 0.0,
                }
                for h in hands
            ]
            st.dataframe(
                rows,
                hide_index=True,
                column_config={
                    "confidence": st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)
                },
            )
        elif not hands:
            st.info("No hand or person found: try a closer or brighter picture.")


def view3d_panel(keypoints: tuple[Keypoints, ...] | list[Keypoints], key: str) -> None:
    """The first hand's or person's world keypoints in a rotatable 3D figure (``core.viz.view3d``)."""
    from core.viz.view3d import view_3d  # imports Plotly: only when the view is shown

    shown = next((k for k in keypoints if k.has_depth), None)
    with st.container(key=key):
        if shown is None:
            st.caption(
                "3D view: no keypoints with depth in view" if not keypoints else "3D view: these keypoints are 2D"
            )
            return
        st.plotly_chart(view_3d(shown), key=f"{key}_chart", config={"displaylogo": False})
        st.caption(f"3D view of the {'person' if shown.skeleton.name == 'body' else 'hand'} in metres: drag to turn")


def live_model(project: str, body: bool):  # noqa: ANN201 - a GestureClassifier or None (torch imported lazily)
    """The model Live runs (the starter for an untrained hand project), with a note saying which, or why none.

    The note sits in one keyed container whether it shows or not: when the model changes under a streaming
    webcam (Live's "Teach it here" retrains), a vanished element above the webcam would remount it and stop
    the stream."""
    with st.container(key="live_model_note"):  # one element, note or not: the webcam under it keeps streaming
        return _live_model_note(project, body)


def _live_model_note(project: str, body: bool):  # noqa: ANN202 - a GestureClassifier or None
    from core.gestures.classifier import ModelFileError
    from core.starter import is_shipped_starter

    try:
        model = state.project_model(project, starter_fallback=True)
    except ModelFileError as exc:
        st.error(plain(f"The saved model cannot be read ({exc}). Train again to replace it."))
        return None
    if model is not None and is_shipped_starter(model):
        st.info(
            "Using the built-in starter model for 👍 👎 ☝️ 👌 👊 👉 👈 ✋. Record a few samples of your own hand "
            "and train to make it yours."
        )
    elif model is None:
        with st.container(border=True):
            st.markdown(f"No trained model yet: you will see the {'body' if body else 'hand'} skeleton, but no names.")
            st.page_link(PAGES["train"], label="Train a model first", icon="🧠")
    return model

"""A take's panel on Record (the Record button and what the take is doing) and what became of uploaded files."""

from __future__ import annotations

import streamlit as st

from core.gestures.catalog import GestureClass
from ui.common import state
from ui.common.text import plain
from ui.samples.uploads import AnnotatedUpload
from ui.webcam.health import show_stream_health
from ui.webcam.recorder import RecordPlan, RecordStatus
from ui.webcam.stream import StreamSession

# why a picture was left out, as a child reads it, and what to do about it next time
_REJECTION_WORDS = {
    "no hand": ("no hand in sight", "keep your hand fully in the picture, with some light on it"),
    "no person": ("nobody in sight", "step back so that the camera sees you, with some light on you"),
    "person partly in view (legs cut off or hidden)": (
        "you partly out of the picture",
        "step back until your hips, knees and ankles are in the picture",
    ),
    "more hands than asked for": ("more than one hand", "show one hand only, or set 'Hands per sample' to 2"),
    "low confidence": ("a hand hard to see", "move closer and hold the pose steady"),
}


def rejection_text(rejected: dict[str, int]) -> str:
    """ "4 pictures left out: 3 with no hand in sight, 1 with more than one hand. Next time: keep your hand fully in
    the picture, with some light on it; show one hand only, …." (empty when none): why each was left out, and
    what to do, so that a take that kept 11 samples of 15 says how to keep all of them."""
    total = sum(rejected.values())
    if not total:
        return ""
    ordered = sorted(rejected.items(), key=lambda kv: -kv[1])
    reasons = ", ".join(f"{n} with {_REJECTION_WORDS.get(why, (why,))[0]}" for why, n in ordered)
    tips = "; ".join(_REJECTION_WORDS[why][1] for why, _ in ordered if why in _REJECTION_WORDS)
    line = f"{total} picture{'s' if total != 1 else ''} left out: {reasons}."
    return f"{line} Next time: {tips}." if tips else line


def _why_not(recording: RecordStatus | None, playing: bool) -> str | None:
    """Why Record cannot start now (None: it can)."""
    if not playing:
        return "Press START on the video first"
    if recording is not None and recording.running:
        return "A take is running: wait until it is stored"
    return None


def record_button(session: StreamSession, plan: RecordPlan, title: str, playing: bool) -> None:
    """The Record button (a fragment on Record, above the video: under it, the button was below the fold of a
    1280×720 screen, and pressing it scrolled the video's top out of view; issue 45, item 6).

    Record is disabled while a take counts down or captures, so a second press cannot cut a
    take short; ``StreamSession.start_recording`` says so should one get through anyway.
    """
    why = _why_not(session.snapshot().recording, playing)
    st.button(f"⏺ Record {title} for {plan.duration:g} s", type="primary", disabled=why is not None,
              on_click=session.start_recording, args=(plan,), key="record_start", help=why)  # fmt: skip


def record_panel(session: StreamSession, plan: RecordPlan, gestures: list[GestureClass], playing: bool) -> None:
    """The countdown / progress / result of the latest take and the stream's health (a fragment under the video).

    A finished take of another gesture is not shown once the user has picked a new one.
    """
    snapshot = session.snapshot()
    recording = snapshot.recording
    if playing:  # "waiting for frames" before START only confuses
        show_stream_health(snapshot, "record")
    if playing and snapshot.running and snapshot.hand_left:
        with st.container(key="record_no_hand"):  # said once by the page's live region (ui/common/assistive.js)
            st.caption("🫥 No one in view" if plan.skeleton == "body" else "🫥 No hand in view")
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
        st.info(f"Get ready to show {title}: the countdown is on the video")  # one clock: the video's
    elif recording.phase == "recording":
        done = 1.0 - recording.seconds_left / recording.plan.duration
        st.progress(min(1.0, max(0.0, done)), text=f"Recording {title}: keep it in view")
    elif recording.phase == "saving":
        st.info(f"Saving {recording.captured} samples…")
    else:
        verb = "Stopped early. " if recording.phase == "stopped" else ""
        looked = f" from {recording.attempts} pictures" if recording.attempts != recording.stored else ""
        text = f"{verb}Stored {recording.stored} samples of {title}{looked}."
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
        st.warning(text)


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
                    "gesture": state.title_of(h["label"], gestures) if h["label"] else "(not trained)",
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

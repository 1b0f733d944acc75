"""Live on the browser path: the tab finds the hands and the gestures; the page shows its labels and sends them on.

One fragment holds the camera component and the cards, so a label event reruns only it; the settings (the unknown
slider, *Hands to follow*, the Outputs expander) lie outside it, under the video: a label event reruns none of their
widgets (7 of a rerun's 10.5 ms went to them), and changing one reruns the page, which hands the fragment their new
values. *Teach it here* sits in the fragment under the card, beside the video that draws its countdown (under the
video, open, it scrolled the video off a 1280x720 window). The page reruns too when a take arrives, for *Teach it
here* to follow its training; its button reads whether the camera runs as it is pressed. The tab
sends each hand's label when it changes (``core.outputs.browser_labels``): checked, paced per session by an
``EventGate``, shown on the cards and published to the same ``Outputs`` the server path uses
(``ui.live.outputs_panel``, on this session's ``StreamSession``, whose webcam never starts here).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import streamlit as st

from core.gestures.catalog import GestureClass
from core.outputs.browser_labels import EventGate, label_result
from core.types import Prediction
from ui.browser.component import camera, steady_args
from ui.browser.model import model_for_browser
from ui.common import state
from ui.common.text import plain
from ui.common.widgets import details_panel
from ui.live import browser_fix, cards, outputs_panel
from ui.live.steady import steady_setting
from ui.live.unknown_panel import unknown_setting
from ui.webcam.widget import stream_session

KEY = "live-browser"


@dataclass
class BrowserLive:
    """What the page knows of this session's tab (kept in the session state)."""

    running: bool = False  # the tab's camera and hand model are up
    hands: list[tuple[str, Prediction | None]] = field(default_factory=list)
    fps: float = 0.0
    model_version: str = ""  # the model the tab says it runs
    problem: str | None = None  # a camera problem, in the tab's words
    events: int = 0
    gate: EventGate = field(default_factory=EventGate)


@dataclass(frozen=True)
class Settings:
    """What the widgets outside the fragment chose, handed to it on each page run (a fragment rerun keeps them)."""

    threshold: float
    tolerance: float
    hands: int
    steady: dict[str, float] | None  # the tab's keypoint filter (steady_args), None: off


def live_browser(project: str, model, gestures: list[GestureClass], debug_frames: int = 0) -> None:  # noqa: ANN001
    """The webcam half of Live on the browser path (``model``: a GestureClassifier or None)."""
    session = stream_session("live", draw_predictions=True)  # for its outputs: its server-side webcam never starts
    frame = st.container()  # the fragment first on the page, the settings under it
    with st.container(key="live_browser_settings"):
        left, right = st.columns([3, 2], gap="large")
        with left:
            threshold, tolerance = unknown_setting(model, project)
            smoothing = steady_setting(in_browser=True)
            st.caption("The 3D view and the CPM panel need keypoints on the server (sidebar).")
        with right:
            hands = st.segmented_control("Hands to follow", [1, 2], default=1, key="live_hands")
            outputs_panel.show(session)
    stamp = state.model_stamp(project)  # the model the page loaded; a later save reruns the page (_body)
    with frame:
        settings = Settings(threshold, tolerance, hands or 1, steady_args(smoothing))
        st.fragment(_body)(project, model, stamp, gestures, settings, debug_frames)


def _body(project: str, model, stamp: int, gestures: list[GestureClass], settings: Settings,  # noqa: ANN001
          debug_frames: int) -> None:  # fmt: skip
    if model is not None and state.model_stamp(project) != stamp:
        # saved since the page ran: a fragment rerun still holds the model before, which must not go out as the new
        # one (a label event between a training's save and the page's rerun once sent the tab the old model)
        st.rerun(scope="app")
    live: BrowserLive = st.session_state.setdefault("browser_live", BrowserLive())
    session = stream_session("live", draw_predictions=True)
    video_col, result_col = st.columns([3, 2], gap="large")
    ticket = browser_fix.pending_ticket(project)  # Teach it here: a take for the tab to record
    args: dict = {"tolerance": settings.tolerance, "threshold": settings.threshold, "debug_frames": debug_frames,
                  "take": ticket.as_args() if ticket else None, "steady": settings.steady}  # fmt: skip
    if model is not None:
        version, data = model_for_browser(project, stamp, model, gestures)
        args.update(model_version=version, model=data if live.model_version != version else None)
    with video_col:
        event = camera(KEY, "live", settings.hands, **args)
    if event is not None and event.get("kind") == "take":
        browser_fix.handle_take(event, state.store(), gestures)
        st.rerun(scope="app")  # Teach it here, outside this fragment, follows the training of the take stored
    elif event is not None:
        _handle(event, live, model, session)
    with result_col, st.container(key="live_prediction"):
        if live.problem:
            st.warning(plain(live.problem))
            if st.button("🖼 Use an image or a video instead", key="live_browser_files", on_click=st.session_state.update,
                         args=({"live_source": "🖼 Image or video file"},)):  # fmt: skip
                st.rerun(scope="app")  # the Source control lies outside this fragment
        cards.prediction_cards(live, gestures, waiting=cards.BROWSER_WAITING)  # type: ignore[arg-type] - as a StreamSnapshot
        with st.container(key="live_labels"):  # as the server path's cards.labels_line
            st.caption(plain(f"Labels: {label_text(live.hands)}"))
        # the tab measures its rate as it runs and sends it with a label change only: none yet at its first frame
        rate = f": {live.fps:.1f} frames a second" if live.fps > 0 else ""
        st.caption(f"Video: your browser finds the hands{rate}.")
        with details_panel():
            st.caption(f"The server got {live.events} changes of label from this tab and skipped "
                       f"{live.gate.dropped} that came too fast; the rate is the tab's at its last change.")  # fmt: skip
        outputs_panel.status(session)
    with result_col, st.container(key="live_fix_slot"):  # under the card, beside the video: its countdown in view
        known = list(model.classes) if model is not None else None
        browser_fix.panel(state.store(), project, gestures, known, lambda: _camera_ready(live))


def _camera_ready(live: BrowserLive) -> bool:
    return live.running and live.problem is None


def label_text(hands: list[tuple[str, Prediction | None]]) -> str:
    """The labels the tab draws, word for word ("thumbs_up 93% (Right)"), for tests and screen readers."""
    parts = [f"{p.label} {p.score:.0%} ({h})" for h, p in hands if p is not None]
    return "; ".join(parts) if parts else "none"


def _handle(event: dict, live: BrowserLive, model, session) -> None:  # noqa: ANN001
    kind = event.get("kind")
    if kind == "status":
        live.running = event.get("state") == "ready"
        live.problem = None if live.running else str(event.get("message", "the camera did not start"))[:300]
    elif kind == "model":
        live.model_version = str(event.get("version", ""))[:100]
    elif kind == "labels" and model is not None:
        if not live.gate.admit():
            time.sleep(min(live.gate.pause, 0.5))  # this session's reruns slow down; the others' do not
            return
        try:
            checked = label_result(event, list(model.classes), live.events)
        except ValueError as exc:
            live.problem = f"The browser sent a label the server refused: {exc}"
            return
        live.events += 1
        live.running, live.fps = True, checked.fps
        live.hands = [(k.handedness, p) for k, p in zip(checked.result.hands, checked.result.predictions, strict=True)]
        if session.outputs is not None:
            session.outputs.publish(checked.result, time.monotonic())

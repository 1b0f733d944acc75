"""Live on the browser path: the tab finds the hands and the gestures; the page shows its labels and sends them on.

One fragment holds the camera component and the cards, so a label event reruns only it; the settings (the unknown
slider, *How many hands*, the Outputs expander) lie outside it, under the video: a label event reruns none of their
widgets (7 of a rerun's 10.5 ms went to them), and changing one reruns the page, which hands the fragment their new
values. *Teach it here* sits in the fragment under the card, beside the video that draws its countdown (under the
video, open, it scrolled the video off a 1280x720 window). The page reruns too when a take arrives, for *Teach it
here* to follow its training; its button reads whether the camera runs as it is pressed. The tab sends each hand's
answer when its label changes, and again every 2.5 s at most while its numbers move (about 10 ms of server CPU an
answer; ``core.outputs.browser_labels``): checked, paced per session by an ``EventGate``, shown on the cards and
published to the same ``Outputs`` the server path uses (``ui.live.outputs_panel``, on this session's
``StreamSession``, whose webcam never starts here). The event is handled before the component is drawn, so the
same run tells the tab which event the card shows (``shown``): one refused or paced away goes again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

import streamlit as st

from core.gestures.catalog import GestureClass
from core.outputs.browser_labels import EventGate, label_result
from core.types import Prediction
from ui.browser import path as keypoints_path
from ui.browser.component import camera, fresh_event, steady_args
from ui.browser.model import model_for_browser
from ui.browser.record import CAMERA_FAILED, camera_problem
from ui.common import more, state
from ui.common.text import plain
from ui.common.widgets import details_panel
from ui.live import browser_fix, cards, live_fix, outputs_panel
from ui.live.steady import steady_setting
from ui.live.unknown_panel import unknown_setting
from ui.webcam.widget import stream_session

KEY = "live-browser"
HANDS_LABEL = "How many hands"  # Live's hands to follow (1 or 2), both paths


@dataclass
class BrowserLive:
    """What the page knows of this session's tab (kept in the session state)."""

    project: str = ""  # the project whose Live this is: another one starts afresh
    tab: str = ""  # the iframe whose events these are (its random id): a new one starts afresh
    running: bool = False  # the tab's camera and hand model are up
    hands: list[tuple[str, Prediction | None]] = field(default_factory=list)
    fps: float = 0.0
    model_version: str = ""  # the model the tab says it runs
    problem: str | None = None  # a camera problem (``ui.browser.record.camera_problem``)
    refused: str | None = None  # why the last label event was refused: that event only, the next good one clears it
    shown_seq: int = 0  # the number of the label event the cards show
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
        with right:
            hands = st.segmented_control(HANDS_LABEL, [1, 2], default=1, key="live_hands")
            if more.more_switch("live"):  # the outputs and why the expert panels are absent: behind More
                st.caption("The 3D view and the CPM panel need keypoints on the server (sidebar).")
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
        _rerun_page()
    live = _state(project)
    session = stream_session("live", draw_predictions=True)
    version, data = model_for_browser(project, stamp, model, gestures) if model is not None else ("", None)
    event = fresh_event(st.session_state, f"{KEY}_seen", st.session_state.get(KEY))  # camera() then finds it seen
    if event is not None and event.get("kind") == "take":
        browser_fix.handle_take(event, state.store(), gestures)
        _rerun_page()  # Teach it here, outside this fragment, follows the training of the take stored
    elif event is not None:
        _handle(event, live, model, version, session)
    video_col, result_col = st.columns([3, 2], gap="large")
    ticket = browser_fix.pending_ticket(project)  # Teach it here: a take for the tab to record
    args: dict = {"tolerance": settings.tolerance, "threshold": settings.threshold, "debug_frames": debug_frames,
                  "take": ticket.as_args() if ticket else None, "steady": settings.steady,
                  "shown": {"tab": live.tab, "seq": live.shown_seq}}  # fmt: skip
    if model is not None:
        args.update(model_version=version, model=data if live.model_version != version else None)
    with video_col:  # the video's own notes under it: in the results column they left an empty band under the video
        camera(KEY, "live", settings.hands, **args)
        _video_notes(live)
    with result_col, st.container(key="live_prediction"):
        # the lines above the card in a slot of their own, there when empty too: a line that came or went moved the
        # card one place in the page, and while the fragment ran again the card at its old place still showed
        # beside the new one (two cards at once)
        with st.container():
            if live.refused and not live.problem:
                st.warning(plain(live.refused))
            if live.problem:
                st.warning(plain(live.problem))
                if st.button("🖼 Use an image or a video instead", key="live_browser_files",
                             on_click=st.session_state.update, args=({"live_source": "🖼 Image or video file"},)):  # fmt: skip
                    st.rerun(scope="app")  # the Source control lies outside this fragment
        waiting = "" if live.problem else cards.BROWSER_WAITING  # the problem's line says what to do instead
        cards.prediction_cards(
            live,  # type: ignore[arg-type] - as a StreamSnapshot
            gestures,
            waiting=waiting,
            bars=not live_fix.is_open(),  # Teach it here open under it: in the window too
        )
        with st.container(key="live_labels"):  # as the server path's cards.labels_line
            st.caption(plain(f"Labels: {label_text(live.hands)}"))
        outputs_panel.status(session)
    with result_col, st.container(key="live_fix_slot"):  # under the card, beside the video: its countdown in view
        known = list(model.classes) if model is not None else None
        browser_fix.panel(state.store(), project, gestures, known, lambda: _camera_ready(live))


def _video_notes(live: BrowserLive) -> None:
    # the tab measures its rate as it runs and sends it with its answers: none yet at its first frame
    rate = f": {live.fps:.0f} pictures a second" if live.fps > 0 else ""
    st.caption(f"Video: your browser finds the hands{rate}.")
    with details_panel():
        st.caption(f"The server got {live.events} answers from this tab (at each change of label, and every 2.5 s "
                   f"at most while the numbers move) and skipped {live.gate.dropped} that came too fast; the rate is "
                   "the tab's at its last answer.")  # fmt: skip


def _camera_ready(live: BrowserLive) -> bool:
    return live.running and live.problem is None


def _rerun_page() -> None:
    """Reruns the page from this fragment, keeping the component's value. Raised before the component is drawn, a
    rerun drops that value as leaving the page does, though the tab runs on: ``_state`` then took the camera for
    stopped (the card said "Allow the camera", "Labels: none", through Teach it here's 4 s of retraining), and the
    run after acknowledged nothing, so the tab held its labels back until it sent the take again, 5 s later. Set
    again before the component is drawn, the value is the tab's last, read once (``fresh_event``)."""
    value = st.session_state.get(KEY)
    if value is not None:
        st.session_state[KEY] = value
    st.rerun(scope="app")


def _state(project: str) -> BrowserLive:
    """This session's ``BrowserLive`` for ``project``, afresh for another project, or when no tab has sent a value
    yet while the state holds one's (the component's value goes when the page is left, and the cards must not show
    the last visit's hands while the new tab is still loading its hand model; the page's own reruns keep it,
    ``_rerun_page``). One object for a page run: Teach it here reads whether the camera runs from the one it was
    handed."""
    live: BrowserLive | None = st.session_state.get("browser_live")
    if live is None or live.project != project or (live.tab and st.session_state.get(KEY) is None):
        live = BrowserLive(project=project)
        st.session_state["browser_live"] = live
    return live


def label_text(hands: list[tuple[str, Prediction | None]]) -> str:
    """The labels the tab draws, word for word ("thumbs up 93% (Right)", ``Prediction.short_text``), for tests
    and screen readers."""
    parts = [f"{p.short_text()} ({h})" for h, p in hands if p is not None]
    return "; ".join(parts) if parts else "none"


REFUSED = "One answer from the camera was left out"


def refused_line(reason: str, sent: str = "", trained_at: object = None) -> str | None:
    """A label event this page refused, in one plain line (issue 64: "The browser sent an answer the server refused:
    hands[0].label: 'no_such_gesture' is not a gesture of this model" to a 12-year-old): which one, and that the next
    answers count. The field-by-field reason is for the tests and the code, not the student.

    An answer from another version of the model than the page's (``sent``: ``model_for_browser``'s "<save stamp in
    ns>-<hash>") says "before the last training" only when the page's model (``trained_at``, its metadata's ISO time)
    was trained after that version was saved. A model saved again without a training (its accuracy written in) gives
    a new version too: then nothing is said, since a child who had not trained again was told she had."""
    if "no longer runs" not in reason:
        return f"{REFUSED}: it did not fit what Live knows now. The next ones count as usual."
    try:
        saved_s = int(sent.partition("-")[0]) / 1e9
        trained_s = datetime.fromisoformat(str(trained_at)).timestamp()
    except ValueError:
        return f"{REFUSED}: it did not fit what Live knows now. The next ones count as usual."
    if trained_s <= saved_s:  # the same training as the tab's, saved again: the tab is loading it anew
        return None
    return f"{REFUSED}: it came from before the last training. The next ones use what it learned since."


def _handle(event: dict, live: BrowserLive, model, version: str, session) -> None:  # noqa: ANN001
    kind, tab = event.get("kind"), str(event.get("tab", ""))[:64]
    if keypoints_path.fall_back_if_tab_failed(event):
        st.session_state.pop("browser_live", None)
        st.rerun(scope="app")  # the page draws the server path's webcam instead
    if tab != live.tab:  # a new iframe (the page was opened again): nothing of the one before holds
        fresh = BrowserLive(project=live.project, tab=tab, events=live.events, gate=live.gate)
        live.__dict__.update(fresh.__dict__)  # in place: Teach it here's check holds this object
    if kind == "status":
        live.running = event.get("state") == "ready"
        live.problem = None if live.running else camera_problem(event) or CAMERA_FAILED  # our words, not the tab's
    elif kind == "model":
        live.model_version = str(event.get("version", ""))[:100]
    elif kind == "labels" and model is not None:
        if not live.gate.admit():
            time.sleep(min(live.gate.pause, 0.5))  # this session's reruns slow down; the others' do not
            return
        try:
            checked = label_result(event, list(model.classes), live.events, version)
        except ValueError as exc:  # this event only: the next good one clears it
            trained_at = getattr(model, "metadata", {}).get("trained_at")
            live.refused = refused_line(str(exc), str(event.get("model_version", "")), trained_at)
            return
        live.events += 1
        live.refused, live.shown_seq = None, int(event["seq"])
        live.running, live.fps = True, checked.fps
        live.hands = [(k.handedness, p) for k, p in zip(checked.result.hands, checked.result.predictions, strict=True)]
        if session.outputs is not None:
            session.outputs.publish(checked.result, time.monotonic())

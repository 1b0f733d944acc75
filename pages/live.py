"""Live: recognise gestures on the webcam (per hand, with confidence and timings), or on an uploaded file."""

import streamlit as st

from ui.browser import path as keypoints_path
from ui.common import more, state, widgets
from ui.live import browser_live, cards, cpm_panel, file_panel, live_fix, outputs_panel
from ui.live.steady import steady_setting
from ui.live.unknown_panel import unknown_setting
from ui.webcam import health
from ui.webcam.widget import session_backend, stream_session, tracker_config, webcam

widgets.page_title("✨", "Live", "Show a gesture to the camera")
project = state.current_project()
widgets.look_only(project)  # not one's own: it runs here, Teach it here and the outputs are absent
if state.store().project_is_motion(project):  # motion gestures: spotted when they end, with the hand's trail
    from ui.live import spotting

    spotting.live_page(state.store(), project)
    st.stop()
gestures = state.classes()
backend = session_backend()
body = backend.skeleton == "body"
model = cards.live_model(project, body)  # the starter for an untrained hand project; a note says which

source = st.segmented_control(
    "Look at",
    ["📷 Webcam", "🖼 Image or video file"],
    default="📷 Webcam",
    key="live_source",
    label_visibility="collapsed",
)
if source == "🖼 Image or video file":
    file_panel.file_panel(model, gestures, backend, body)  # frames done, time left, Cancel
elif keypoints_path.use_browser_for(state.store(), project, more.more_on("live")):  # the sidebar's: the tab works
    browser_live.live_browser(project, model, gestures)
else:
    session = stream_session("live", draw_predictions=True)
    video_col, result_col = st.columns([3, 2], gap="large")
    with result_col:  # beside the video at 1280x720: the cards, then Teach it here, then the settings under them
        results_slot, fix_slot, status_slot = st.container(), st.container(), st.container()
        threshold, tolerance = unknown_setting(model, project)
        hands = st.segmented_control(
            browser_live.HANDS_LABEL,
            [1, 2],
            default=1,
            key="live_hands",
            disabled=body,  # MediaPipe Pose follows one person
            help="It follows one person" if body else "With 2, it looks for a second hand on every picture: slower",
        )
        show_3d = st.toggle(
            "🧊 3D view", key="live_3d", help="Your hand's dots in 3D: turn it with the mouse or the arrow keys"
        )
        smoothing = steady_setting()
        expert = more.more_switch("live")  # the network's panel and the outputs: behind More
        cpm_on = expert and not body and cpm_panel.stream_toggle(backend)
        cpm_view = cpm_panel.view_choice(backend) if cpm_on else None
        if expert:
            outputs_panel.show(session)
    session.set_cpm_panel(cpm_on)
    session.set_smoothing(smoothing)
    session.set_classifier(model, threshold, tolerance)
    session.set_tracker_config(tracker_config(max_hands=hands or 1))
    with video_col:
        context = webcam("live-webcam", session)
        playing = bool(context.state.playing)

    def live_results() -> None:
        snapshot = session.snapshot(publish=True)  # from now on the video draws the answer the cards show
        # One container: the rerun's elements come and go (a card more) inside it, so the panel under it (Teach it
        # here) keeps its place; shifted, its button was drawn afresh under the pointer
        with st.container(key="live_results"), st.container(key="live_prediction"):
            cards.prediction_cards(snapshot, gestures, body, bars=not live_fix.is_open())  # Teach it here in view
            cards.labels_line(snapshot)  # word for word the labels drawn on the video

    def live_status() -> None:  # under Teach it here: the card and the panel fit beside the video at 1280x720
        with st.container(key="live_status"):
            health.show_stream_health(session.snapshot(), "live")
            outputs_panel.status(session)
            for panel in cards.LIVE_PANELS:
                panel(session)

    def live_cpm() -> None:
        with st.container(key="live_cpm_panel"):
            cpm_panel.show_stream(session.snapshot(), cpm_view or "MULTI", cpm_panel.title(backend))

    with results_slot:
        st.fragment(run_every=0.5 if playing else None)(live_results)()
    with fix_slot:
        known = list(model.classes) if model is not None else None
        # the Teach it here panel polls only while its take or training runs: redrawn idle, it lost presses
        polling = playing and live_fix.in_progress(session, project)
        fix = st.fragment(run_every=0.5 if polling else None)(live_fix.panel)  # record a take, retrain
        fix(session, state.store(), project, gestures, known, playing, polling)
    with status_slot:
        st.fragment(run_every=0.5 if playing else None)(live_status)()
    if show_3d:  # under the video: in the results column it was squeezed (its axis title cut to "epth (m)")
        with video_col:
            st.fragment(run_every=0.5 if playing else None)(cards.stream_view3d)(session, "live_3d_view")
    if cpm_view:  # under the video, the column's full width: the space the results column leaves there
        with video_col:
            st.fragment(run_every=0.5 if playing else None)(live_cpm)()

st.page_link("pages/make.py", label="Make a game with your gestures", icon="🎮")  # the step after Live

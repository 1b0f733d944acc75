"""Live: recognise gestures on the webcam (per hand, with confidence and timings), or on an uploaded file."""

from dataclasses import replace
from pathlib import Path

import streamlit as st

from core.io.video import VIDEO_EXTENSIONS, MediaError
from ui.browser import path as keypoints_path
from ui.common import state, widgets
from ui.live import browser_live, cards, cpm_panel, live_fix, outputs_panel
from ui.live.unknown_panel import unknown_setting
from ui.samples import take_panel
from ui.samples.uploads import UploadedFile, annotate_upload
from ui.webcam import health
from ui.webcam.widget import session_backend, stream_session, tracker_config, webcam

widgets.page_title("✨", "Live", "Show a gesture to the camera")
project = state.current_project()
if state.store().project_is_motion(project):  # motion gestures: spotted when they end, with the hand's trail
    from ui.live import spotting

    spotting.live_page(state.store(), project)
    st.stop()
gestures = state.classes()
backend = session_backend()
body = backend.skeleton == "body"
model = cards.live_model(project, body)  # the starter for an untrained hand project; a note says which

source = st.segmented_control(
    "Source",
    ["📷 Webcam", "🖼 Image or video file"],
    default="📷 Webcam",
    key="live_source",
    label_visibility="collapsed",
)
if source == "🖼 Image or video file":
    nonce = st.session_state.setdefault("live_upload_nonce", 0)
    upload = st.file_uploader("An image or a video", key=f"live_upload_{nonce}")
    is_video = upload is not None and Path(upload.name).suffix.lower() in VIDEO_EXTENSIONS
    every_n = st.slider("Process every n-th frame", 1, 10, 1, key="live_every_n") if is_video else 1
    run = upload is not None and st.button("▶ Recognise", type="primary", key="live_run")
    # One slot for the result. While a file runs, the slot holds the spinner: an element where
    # the result was a block, so the browser drops the previous result and its Download button
    # at once (a new container there would keep the old one's content, faded but clickable).
    slot = st.empty()
    # (Streamlit's file_id of the upload, its annotated copy): a result shows only beside its own file
    previous = st.session_state.get("live_annotated")
    if run or upload is None or (previous is not None and previous[0] != upload.file_id):
        st.session_state.pop("live_annotated", None)
    if run:
        with slot, st.spinner(f"Recognising gestures in {upload.name}…"):
            try:
                annotated = annotate_upload(
                    UploadedFile(upload.name, upload.getvalue()),
                    model,
                    state.settings().model_complexity,
                    every_n,
                    session_backend(),
                )
            except (MediaError, ValueError) as exc:
                st.error(widgets.plain(f"Could not process the file. {exc}"))
            else:
                st.session_state["live_annotated"] = (upload.file_id, annotated)
    shown = st.session_state.get("live_annotated")
    if shown is not None:
        annotated = shown[1]
        with slot.container():
            media_col, info_col = st.columns([3, 2], gap="large")
            with media_col:
                if annotated.kind == "image":
                    st.image(annotated.data, caption=annotated.name)
                else:
                    st.video(annotated.data, format="video/mp4")
            with info_col:
                take_panel.file_result(annotated, gestures)
                st.download_button(
                    "⬇ Download the annotated file",
                    annotated.data,
                    annotated.download_name,
                    annotated.mime,
                    key="live_dl",
                    on_click="ignore",
                )
    photo = upload is not None and not is_video and not body
    if photo and st.toggle(cpm_panel.toggle_label(backend, photo=True), key="live_cpm"):
        cpm_panel.show(upload.name, upload.getvalue(), backend)
elif keypoints_path.use_browser_for(state.store(), project):  # the sidebar's setting: the tab does the work
    browser_live.live_browser(project, model, gestures)
else:
    session = stream_session("live", draw_predictions=True)
    video_col, result_col = st.columns([3, 2], gap="large")
    with result_col:
        threshold, tolerance = unknown_setting(model, project)
        hands = st.segmented_control(
            "Hands to follow",
            [1, 2],
            default=1,
            key="live_hands",
            disabled=body,  # MediaPipe Pose follows one person
            help="MediaPipe Pose follows one person"
            if body
            else "With 2, MediaPipe looks for a second hand on every frame: about twice the time per frame",
        )
        cpm_on = not body and cpm_panel.stream_toggle(backend)
        show_3d = st.toggle("🧊 3D view", key="live_3d", help="The keypoints in metres, rotatable, twice a second")
        smoothing = state.settings().smoothing
        steady = st.toggle(
            "〰 Steady keypoints",
            value=smoothing.enabled,
            key="live_steady",
            help="A One Euro filter on the keypoints: the skeleton and the features stop jittering "
            "(parameters: HANDTEACH_SMOOTHING_* settings)",
        )
        cpm_view = cpm_panel.view_choice(backend) if cpm_on else None
        outputs_panel.show(session)
    session.set_cpm_panel(cpm_on)
    session.set_smoothing(replace(smoothing, enabled=steady))
    session.set_classifier(model, threshold, tolerance)
    session.set_tracker_config(tracker_config(max_hands=hands or 1))
    with video_col:
        context = webcam("live-webcam", session)
        playing = bool(context.state.playing)

    def live_results() -> None:
        snapshot = session.snapshot(publish=True)  # from now on the video draws the answer the cards show
        with st.container(key="live_prediction"):
            cards.prediction_cards(snapshot, gestures, body)
            cards.labels_line(snapshot)  # word for word the labels drawn on the video
        if show_3d:
            cards.view3d_panel(snapshot.keypoints, "live_3d_view")
        health.show_stream_health(snapshot, "live")
        outputs_panel.status(session)
        for panel in cards.LIVE_PANELS:
            panel(session)

    def live_cpm() -> None:
        with st.container(key="live_cpm_panel"):
            cpm_panel.show_stream(session.snapshot(), cpm_view or "MULTI", cpm_panel.title(backend))

    with result_col:
        st.fragment(run_every=0.5 if playing else None)(live_results)()
        known = list(model.classes) if model is not None else None
        fix = st.fragment(run_every=0.5 if playing else None)(live_fix.panel)  # record a take, retrain
        fix(session, state.store(), project, gestures, known, playing)
    if cpm_view:  # under the video, the column's full width: the space the results column leaves there
        with video_col:
            st.fragment(run_every=0.5 if playing else None)(live_cpm)()

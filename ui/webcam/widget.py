"""The ``webrtc_streamer`` widget wired to a per-session ``StreamSession``."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import streamlit as st
from streamlit.runtime import Runtime
from streamlit_webrtc import WebRtcMode, WebRtcStreamerContext, webrtc_streamer

from core.keypoints.backend import KeypointBackend
from core.keypoints.landmarks import TrackerConfig
from core.types import NETWORK_BACKENDS
from ui.common import state, theme
from ui.common.text import plain
from ui.server.settings import VIDEO_CONSTRAINTS, VIDEO_HTML_ATTRS
from ui.webcam.frame_callbacks import ended_callback, queued_frames_callback
from ui.webcam.offers import desired_playing_state, drop_a_worker_of_an_older_offer, restart_marked
from ui.webcam.stream import StreamSession
from ui.webcam.tab_watch import watch_tab


def tracker_config(max_hands: int) -> TrackerConfig:
    """Video-mode MediaPipe settings for a webcam stream (complexity from the settings), following the hands being
    shown (``core.keypoints.following``)."""
    return TrackerConfig(max_num_hands=max_hands, model_complexity=state.settings().model_complexity,
                         follow_shown=True)  # fmt: skip


def stream_session(page: str, draw_predictions: bool = True) -> StreamSession:
    """This browser session's stream state for ``page`` (created on first use, kept across reruns).

    Each Streamlit session (each browser tab) gets its own object, hence its own tracker,
    pipeline, recording target and timings: two tabs never share a stream.
    """
    key = f"handteach_stream_{page}"
    session = st.session_state.get(key)
    if session is None:
        settings = state.settings()
        session = StreamSession(
            page,
            tracker_config(max_hands=2),
            store=state.store(),
            timings_file=settings.timings_file,
            draw_predictions=draw_predictions,
        )
        session.set_smoothing(settings.smoothing)
        st.session_state[key] = session
    session.set_backend(session_backend())
    session.contrast = theme.on()  # the video drawn as the page is: the student's theme, switched on any page
    return session


def session_backend() -> KeypointBackend:
    """The current project's keypoint backend (its samples and model came from it)."""
    return KeypointBackend.of_project(state.store(), state.current_project())


def has_browser_runtime() -> bool:
    """False under ``streamlit.testing`` (AppTest mocks the runtime, so WebRTC cannot negotiate)."""
    return Runtime.exists() and type(Runtime.instance()) is Runtime


def webcam(key: str, session: StreamSession) -> WebRtcStreamerContext | Any:
    """Send the webcam to the server and show the annotated video it sends back.

    The callback closure is rebuilt on every rerun (streamlit-webrtc swaps it in), but it
    always points at the same session object, so the tracker survives reruns. Without a
    real Streamlit server (AppTest) a note replaces the video and nothing is playing; nor does it start when the
    project's keypoint network has no weights (the message names the folder, instead of a traceback per frame).
    """
    if session.backend.name in NETWORK_BACKENDS and session.backend.skeleton == "hand":
        try:
            session.backend.require_weights()
        except ValueError as exc:  # MissingWeightsError
            st.error(plain(f"The webcam cannot start: {exc}."))
            return SimpleNamespace(state=SimpleNamespace(playing=False, signalling=False))
    if not has_browser_runtime():
        with st.container(key=f"{key}-unavailable"):
            st.info("The webcam needs the app running in a browser (`make run`).")
        return SimpleNamespace(state=SimpleNamespace(playing=False, signalling=False))
    drop_a_worker_of_an_older_offer(st.session_state, key)  # before the answer goes out (ui/webcam/offers.py)
    if restart_marked(st.session_state, key):
        state.ask_webcam_start()  # it starts again by itself once it has stopped
    context = webrtc_streamer(
        key=key,
        mode=WebRtcMode.SENDRECV,
        rtc_configuration=state.settings().rtc_configuration,
        media_stream_constraints=VIDEO_CONSTRAINTS,
        queued_video_frames_callback=queued_frames_callback(session),
        on_video_ended=ended_callback(session),
        video_html_attrs=VIDEO_HTML_ATTRS,
        async_processing=True,
        # by itself after the browser path failed, or again after it took an older offer's answer
        desired_playing_state=desired_playing_state(st.session_state, key, state.webcam_start_asked()),
    )
    state.webcam_start_asked(bool(context.state.playing))
    watch_tab(
        key, context
    )  # a tab closed mid-stream frees it in seconds, not when ICE gives up (ui/webcam/tab_watch.py)
    return context

"""Live spotting of motion gestures on the webcam: the frame thread feeds a ``SpotFeed``, the page reads it.

``SpotFeed.on_frame`` runs in the WebRTC worker thread (never ``st.*``): it follows one hand or body,
hands it to ``core.motion.spotting.Spotter`` on a worker thread (per frame only the root's speed; the
model runs once when a motion ends), and draws the trail of the last second and the last gesture's
label on the selfie view. The page reads ``events()`` under the lock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import cv2
import numpy as np
import streamlit as st

from core.data.project_motion import MODEL_FILE, load_motion_model, motion_model_dir
from core.data.store import Store
from core.motion.model import MotionModel, MotionModelError
from core.motion.spotting import SpotConfig, SpotEvent, Spotter
from core.motion.track import follow
from core.types import Keypoints, RGBImage
from ui.common import more, widgets
from ui.live import outputs_panel
from ui.live.steady import steady_setting
from ui.webcam import health
from ui.webcam.overlay import draw_badge

_LOG = logging.getLogger("handteach.app")
TRAIL_SECONDS = 1.0
LABEL_SECONDS = 1.5  # how long a gesture's name stays on the video
TRAIL_COLOUR = (255, 200, 0)
EVENT_COLOUR = (30, 150, 70)


@dataclass(frozen=True)
class SpottedGesture:
    label: str
    confidence: float
    seconds: float  # the motion's length
    at: float  # wall-clock time it fired (time.time())


class SpotFeed:
    """One stream's spotter (one per stream: it keeps the stream's recent frames).

    The frame thread only follows the hand, keeps the trail and draws; the spotter runs on a worker
    thread of its own, in frame order, so the model's pass when a motion ends (tens of milliseconds
    on two busy cores) never holds up a frame: the label appears a frame or two later.
    """

    def __init__(self, model: MotionModel, config: SpotConfig | None = None) -> None:
        self.model = model
        self._spotter = Spotter(model, config or SpotConfig())
        self._roots = list(model.skeleton.root_joints)
        self._previous: Keypoints | None = None
        self._trail: deque[tuple[float, np.ndarray]] = deque()  # (t, root (2,) normalised unmirrored)
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="handteach-spot")
        self._lock = threading.Lock()  # guards what the worker writes: events, the label shown
        self._events: deque[SpottedGesture] = deque(maxlen=8)
        self._shown: tuple[SpotEvent, float] | None = None  # the last event and until when it is drawn
        self.on_event: Callable[[SpotEvent], None] | None = None  # each event, on the worker: Outputs.publish_motion

    def on_frame(self, hands: list[Keypoints], t: float, canvas: RGBImage) -> None:
        """Push the frame's hand (at stream time ``t`` s) and draw on ``canvas``, the mirrored selfie view."""
        found = follow([h for h in hands if h.skeleton == self.model.skeleton], self._previous)
        self._previous = found or self._previous
        if self._trail and t <= self._trail[-1][0]:
            self._trail.clear()  # time went backwards: a new stream (the spotter resets itself too)
        if found is not None:
            self._trail.append((t, found.normalised[self._roots, :2].mean(axis=0)))
        while self._trail and self._trail[0][0] < t - TRAIL_SECONDS:
            self._trail.popleft()
        self._worker.submit(self._push, found, t)
        self._draw(canvas, t)

    def _push(self, found: Keypoints | None, t: float) -> None:
        event = self._spotter.push(found, t)  # the model runs here when a motion ends
        if event is not None:
            with self._lock:
                self._shown = (event, t + LABEL_SECONDS)
                self._events.appendleft(
                    SpottedGesture(event.label, event.confidence, event.end - event.start, time.time())
                )
            if (send := self.on_event) is not None:
                send(event)

    def flush(self) -> None:
        """Wait until every frame pushed so far has been through the spotter."""
        self._worker.submit(lambda: None).result()

    def _draw(self, canvas: RGBImage, t: float) -> None:
        height, width = canvas.shape[:2]
        if len(self._trail) >= 2:
            trail = np.array([p for _, p in self._trail])
            points = np.stack([(1.0 - trail[:, 0]) * width, trail[:, 1] * height], axis=1)  # selfie view
            cv2.polylines(canvas, [points.round().astype(np.int32)], False, TRAIL_COLOUR, 3, cv2.LINE_AA)
        with self._lock:
            shown = self._shown
        if shown is not None and t <= shown[1]:
            draw_badge(canvas, f"{shown[0].label} {shown[0].confidence:.0%}", EVENT_COLOUR, dot=False, row=1)

    def events(self) -> list[SpottedGesture]:
        """The gestures found so far, newest first."""
        with self._lock:
            return list(self._events)


def project_spot_feed(store: Store, project: str) -> SpotFeed | None:
    """This browser session's feed for the project's saved motion model (kept across reruns), None before training."""
    config = motion_model_dir(store, project) / MODEL_FILE
    stamp = (str(store.data_dir), project, config.stat().st_mtime_ns if config.exists() else None)
    cached = st.session_state.get("live_spot_feed")
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        model = load_motion_model(store, project)
    except MotionModelError as exc:
        _LOG.warning("%s", exc)  # the file and why, for whoever runs the server; the page names no server path
        st.error("The saved motion model cannot be read. Train again to replace it.")
        return None
    feed = None if model is None else SpotFeed(model)
    st.session_state["live_spot_feed"] = (stamp, feed)
    return feed


def live_page(store: Store, project: str) -> None:
    """Live for a motion project: the webcam, the trail of the hand, each gesture named once when it ends."""
    from ui.webcam.widget import stream_session, tracker_config, webcam

    feed = project_spot_feed(store, project)
    if feed is None:
        st.info("No trained motion model yet: record clips of at least two gestures on Record, then train.")
    session = stream_session("live", draw_predictions=False)
    video_col, result_col = st.columns([3, 2], gap="large")
    with result_col:
        smoothing = steady_setting()
        outputs = outputs_panel.show(session) if more.more_switch("live") else session.outputs  # behind More
    if feed is not None:  # motion events go out as they end, beside each frame's hands
        feed.on_event = None if outputs is None else outputs.publish_motion
    session.set_smoothing(smoothing)
    session.set_classifier(None)
    session.set_tracker_config(tracker_config(max_hands=1))
    session.set_motion_hook(feed)
    with video_col:
        playing = bool(webcam("live-webcam", session).state.playing)

    def results() -> None:
        with st.container(key="live_spotted"):
            spotted = feed.events() if feed is not None else []
            if not spotted:
                st.caption("Gestures appear here once each, when they end.")
            for gesture in spotted:
                st.markdown(f"**{widgets.plain(gesture.label)}** · {gesture.confidence:.0%} · {gesture.seconds:.1f} s")
        health.show_stream_health(session.snapshot(), "live")
        outputs_panel.status(session)

    with result_col:
        st.fragment(run_every=0.5 if playing else None)(results)()
    st.page_link(
        "pages/make.py", label="Make a game with your moves", icon="🎮"
    )  # the step after Live, as for gestures

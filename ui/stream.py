"""The webcam path: one ``StreamSession`` per browser session and page, and the WebRTC callback factory.

The frame callback runs in streamlit-webrtc's worker thread: it never calls ``st.*``.
It owns a MediaPipe tracker and a ``core.gestures.pipeline.Pipeline`` created on the stream's
first frame and closed in ``on_video_ended`` (video-mode trackers keep per-stream state,
so they are never shared between users or streams). Results leave the thread through
the session object, guarded by a lock; the page reads ``snapshot()`` from a fragment.
An exception in the callback is kept in ``snapshot().error`` (the page shows it) and
drawn on the returned frame, instead of streamlit-webrtc silently echoing raw video.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import traceback
import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
import numpy.typing as npt

from core.data.store import Store
from core.gestures.pipeline import FrameResult, Pipeline
from core.keypoints.backend import CPMHandSource, KeypointBackend
from core.keypoints.landmarks import TrackerConfig
from core.keypoints.smoothing import KeypointSmoother, SmoothingConfig
from core.types import Keypoints, Prediction
from core.viz.draw import draw_result
from ui.overlay import draw_badge
from ui.recorder import Recorder, RecordPlan, RecordStatus

if TYPE_CHECKING:
    from core.cpm.estimator import CPMEstimator, CPMResult
    from core.gestures.classifier import GestureClassifier

RGBImage = npt.NDArray[np.uint8]
STAGES = ("landmarks", "features", "classifier", "cpm", "record", "draw", "total")
_WINDOW = 30  # frames averaged for the per-stage milliseconds
_FPS_SECONDS = 2.0  # frames within this many seconds give the frame rate
# The page redraws the CPM panel twice a second; more CPM passes than that would only be thrown away.
CPM_PANEL_INTERVAL = 0.2


# MediaPipe's Python solution needs the GIL to hand its results back; with the default 5 ms
# switch interval every busy Python thread of the server (aiortc's event loop, Streamlit's
# script runs) makes it wait: 11 ms per frame alone became 34 ms beside one busy thread, and
# 14 ms with a 1 ms interval (measured in-process on the shared video).
GIL_SWITCH_INTERVAL = 0.001


def share_the_gil_quickly() -> None:
    """Shorten the interpreter's thread switch interval (never lengthens it) for the frame thread's sake."""
    if sys.getswitchinterval() > GIL_SWITCH_INTERVAL:
        sys.setswitchinterval(GIL_SWITCH_INTERVAL)


def mirrored_hand(hand: Keypoints) -> Keypoints:
    """The same hand as seen in the left-right mirrored frame (for drawing on the selfie view only)."""
    width = float(hand.image_size[0])
    pixel = hand.pixel.copy()
    pixel[:, 0] = width - pixel[:, 0]
    normalised = hand.normalised.copy()
    normalised[:, 0] = 1.0 - normalised[:, 0]
    return replace(hand, pixel=pixel, normalised=normalised)  # keeps a body's skeleton and visibility


def selfie_view(rgb: RGBImage, result: FrameResult, predictions: bool = True) -> RGBImage:
    """The mirrored frame the user expects from a webcam, with skeletons and labels drawn readable.

    Cheaper than ``draw_result(mirror_text=True)``, which flips with numpy (about 8 ms
    at 640×480 on two busy cores); ``cv2.flip`` takes a fraction of a millisecond.
    """
    flipped = cv2.flip(rgb, 1)
    shown = FrameResult(
        [mirrored_hand(h) for h in result.hands],
        list(result.predictions) if predictions else [None] * len(result.hands),
    )
    return draw_result(flipped, shown, mirror_text=False)


class ThresholdedClassifier:
    """A read-only view of a shared classifier with this session's "unknown" threshold."""

    def __init__(self, classifier: GestureClassifier, threshold: float) -> None:
        self.inner = classifier
        self.classes = list(classifier.classes)
        self.feature_config = classifier.feature_config
        self.threshold = float(threshold)

    def predict_proba(self, features: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        return self.inner.predict_proba(features)


@dataclass(frozen=True)
class StreamSnapshot:
    """What the page shows about a stream, copied under the lock."""

    running: bool  # a frame arrived in the last two seconds
    frames: int
    fps: float
    ms: dict[str, float]  # stage → mean milliseconds over the last frames
    hands: list[tuple[str, Prediction | None]]  # (handedness, prediction) per hand of the latest frame
    frame_size: tuple[int, int] | None  # (width, height)
    error: str | None
    recording: RecordStatus | None
    has_classifier: bool
    cpm: CPMResult | None = None  # the CPM's view of the first hand of a recent frame, when the panel is on
    keypoints: tuple[Keypoints, ...] = ()  # the latest frame's hands or people (Live's 3D view)


@dataclass
class _Stats:
    times: deque[float] = field(default_factory=lambda: deque(maxlen=120))
    stages: dict[str, deque[float]] = field(default_factory=lambda: {s: deque(maxlen=_WINDOW) for s in STAGES})

    def add(self, now: float, timings: dict[str, float]) -> None:
        self.times.append(now)
        for stage, values in self.stages.items():
            if stage in timings:
                values.append(timings[stage])

    def fps(self, now: float) -> float:
        recent = [t for t in self.times if now - t <= _FPS_SECONDS]
        if len(recent) < 2 or recent[-1] <= recent[0]:
            return 0.0
        return (len(recent) - 1) / (recent[-1] - recent[0])

    def ms(self) -> dict[str, float]:
        return {s: float(np.mean(v)) for s, v in self.stages.items() if v}


class StreamSession:
    """State shared between one page's frame callback and that page, for one browser session."""

    def __init__(self, name: str, tracker_config: TrackerConfig | None = None, store: Store | None = None,
                 timings_file: Path | None = None, draw_predictions: bool = True) -> None:  # fmt: skip
        self.name = name
        self.ident = uuid.uuid4().hex[:8]
        self.tracker_config = tracker_config or TrackerConfig(max_num_hands=2)
        self.store = store
        self.timings_file = timings_file
        self.draw_predictions = draw_predictions
        self.backend = KeypointBackend()
        self.tracker_factory: Callable[[TrackerConfig], Any] | None = None  # None: the backend's source; tests: a fake
        self.cpm_panel = False
        self.smoothing = SmoothingConfig()  # the keypoint filter of this stream (ui.settings, the Live switch)
        self._cpm_estimator: CPMEstimator | None = None
        self._cpm_result: CPMResult | None = None
        self._cpm_time = -1e9  # monotonic time of the panel's last CPM pass
        self._lock = threading.Lock()  # guards the fields the page reads
        self._frame_lock = threading.Lock()  # held while a frame is processed, and to close the tracker
        self._pipeline: Pipeline | None = None
        self._pipeline_config: tuple[TrackerConfig, KeypointBackend] | None = None  # what the tracker was built with
        self._classifier: ThresholdedClassifier | None = None
        self._classifier_key: tuple[int, float] | None = None
        self._recorder: Recorder | None = None
        self._sample_finder: Any = None  # a static-image tracker for the frames a recording captures
        self._sample_finder_config: tuple[TrackerConfig, KeypointBackend] | None = None
        self._takes = 0
        self._writer: ThreadPoolExecutor | None = None
        self._stats = _Stats()
        self._latest: FrameResult | None = None
        self._frame_size: tuple[int, int] | None = None
        self._frames = 0
        self._error: str | None = None
        self._last_write = 0.0

    # -- page side -------------------------------------------------------------------------

    def set_classifier(self, classifier: GestureClassifier | None, threshold: float = 0.6) -> None:
        """Use ``classifier`` with this session's threshold (no-op when nothing changed)."""
        key = None if classifier is None else (id(classifier), round(float(threshold), 4))
        with self._lock:
            if key == self._classifier_key:
                return
            self._classifier_key = key
            self._classifier = None if classifier is None else ThresholdedClassifier(classifier, threshold)
            pipeline = self._pipeline
        if pipeline is not None:
            pipeline.set_classifier(self._classifier)

    def set_tracker_config(self, config: TrackerConfig) -> None:
        """Use ``config`` from the next frame on (the tracker is rebuilt in the frame thread when it changed)."""
        with self._lock:
            self.tracker_config = config

    def set_backend(self, backend: KeypointBackend) -> None:
        """Find keypoints with ``backend`` (the project's) from the next frame on."""
        with self._lock:
            if backend != self.backend:
                self._cpm_estimator = None  # other weights: loaded again on the next frame that needs them
            self.backend = backend

    def set_smoothing(self, config: SmoothingConfig) -> None:
        """Filter the keypoints with ``config`` from the next frame on (the tracker is kept)."""
        with self._lock:
            self.smoothing = config

    def set_cpm_panel(self, on: bool) -> None:
        """Keep the CPM's belief maps of the first hand for the page's panel (costs one CPM pass per frame)."""
        with self._lock:
            self.cpm_panel = bool(on)
            if not on:
                self._cpm_result = None

    def start_recording(self, plan: RecordPlan) -> Recorder:
        """Start a countdown-then-capture recording into ``plan.project`` / ``plan.class_name``.

        A take still counting down or capturing is stopped first: what it captured is kept,
        and the new take's status says which take it replaced (never a silent drop). The page
        disables Record while a take runs; this covers a second tab or a click in flight.
        """
        if self.store is None:
            raise RuntimeError("this stream has no store to record into")
        with self._lock:
            restarted = None
            if self._recorder is not None and self._recorder.active:
                before = self._recorder.status()
                self._recorder.stop()
                restarted = (before.take, before.captured)
            if self._writer is None:
                self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"handteach-writer-{self.name}")
            self._takes += 1
            self._recorder = Recorder(plan, self.store, self._writer, take=self._takes, restarted=restarted)
            return self._recorder

    def stop_recording(self) -> None:
        with self._lock:
            recorder = self._recorder
        if recorder is not None:
            recorder.stop()

    def clear_error(self) -> None:
        with self._lock:
            self._error = None

    def snapshot(self) -> StreamSnapshot:
        now = time.monotonic()
        with self._lock:
            latest, recorder = self._latest, self._recorder
            last = self._stats.times[-1] if self._stats.times else None
            return StreamSnapshot(
                running=last is not None and now - last < 2.0,
                frames=self._frames,
                fps=self._stats.fps(now),
                ms=self._stats.ms(),
                hands=[(h.handedness, p) for h, p in zip(latest.hands, latest.predictions, strict=True)]
                if latest
                else [],
                frame_size=self._frame_size,
                error=self._error,
                recording=recorder.status() if recorder else None,
                has_classifier=self._classifier is not None,
                cpm=self._cpm_result,
                keypoints=tuple(latest.hands) if latest else (),
            )

    # -- frame thread ------------------------------------------------------------------------

    def process(self, rgb: RGBImage, started: float | None = None) -> RGBImage:
        """One unmirrored RGB frame in, the annotated selfie view out. Never raises.

        ``started`` is the ``time.perf_counter()`` at which the frame arrived (before
        decoding), so "total" covers the whole callback.
        """
        start = time.perf_counter() if started is None else started
        try:
            with self._frame_lock:
                out = self._process(rgb)
        except Exception as exc:  # shown on the page and on the video, never swallowed
            message = f"{type(exc).__name__}: {exc}"
            with self._lock:
                self._error = f"{message}\n\n{traceback.format_exc(limit=6)}"
            out = cv2.flip(rgb, 1)
            draw_badge(out, f"error: {message[:60]} (details on the page)")
            return out
        timings = dict(out[1])
        timings["total"] = (time.perf_counter() - start) * 1000.0
        self._record_stats(out[2], timings)
        return out[0]

    def _process(self, rgb: RGBImage) -> tuple[RGBImage, dict[str, float], FrameResult]:
        with self._lock:
            wanted = (self.tracker_config, self.backend)
            cpm_panel = self.cpm_panel
            smoothing = self.smoothing
        if self._pipeline is not None and self._pipeline_config != wanted:
            _close_tracker(self._pipeline)
            self._pipeline = None
        if self._pipeline is None:
            pipeline = Pipeline(self._make_source(wanted[0]), None, smoothing=5)
            with self._lock:
                pipeline.set_classifier(self._classifier)
                self._pipeline, self._pipeline_config = pipeline, wanted
        if self._pipeline.smoother is None or self._pipeline.smoother.config != smoothing:
            self._pipeline.smoother = KeypointSmoother(smoothing)  # here, on the frame thread that uses it
        result = self._pipeline.process(rgb)
        timings = result.timings_ms
        if cpm_panel:
            started = time.perf_counter()
            self._update_cpm(rgb, result)
            timings["cpm"] = (time.perf_counter() - started) * 1000.0
        t0 = time.perf_counter()
        canvas = selfie_view(rgb, result, self.draw_predictions)
        t1 = time.perf_counter()
        recorder = self._recorder
        timings["draw"] = (t1 - t0) * 1000.0
        if recorder is not None and recorder.active:
            plan = recorder.plan
            recorder.on_frame(rgb, result.hands, canvas, find_hands=lambda frame: self._find_sample_hands(frame, plan))
            timings["record"] = (time.perf_counter() - t1) * 1000.0
        return canvas, timings, result

    def _make_source(self, config: TrackerConfig) -> Any:
        return self.tracker_factory(config) if self.tracker_factory is not None else self.backend.source(config)

    def _update_cpm(self, rgb: RGBImage, result: FrameResult) -> None:
        """The CPM's result for the first hand: the backend's own when it is the CPM, else one pass on MediaPipe's box.

        With MediaPipe as the backend the extra pass runs at most every ``CPM_PANEL_INTERVAL``
        seconds: still faster than the panel redraws, at a fraction of the cost per frame.
        """
        cpm = None
        source = self._pipeline.tracker if self._pipeline is not None else None
        now = time.monotonic()
        if isinstance(source, CPMHandSource):
            cpm = source.last_results[0] if source.last_results else None
        elif result.hands and now - self._cpm_time >= CPM_PANEL_INTERVAL:
            self._cpm_time = now
            estimator = self._cpm_estimator
            if estimator is None:
                from core.cpm.estimator import CPMEstimator  # torch: loaded only when the panel is first shown

                estimator = self._cpm_estimator = CPMEstimator(self.backend.cpm_checkpoint)
            cpm = estimator.estimate_hand(rgb, result.hands[0])
        if cpm is not None or not result.hands:
            with self._lock:
                self._cpm_result = cpm  # None when the hand has gone: the panel says so instead of freezing

    def _find_sample_hands(self, rgb: RGBImage, plan: RecordPlan) -> list[Keypoints]:
        """The hands of a frame about to become a sample, found afresh, looking for one hand more than asked.

        The stream's tracker follows only the hands asked for: looking for an extra hand on
        every frame costs MediaPipe a palm detection per frame (about twice the time). Only
        the few frames that become samples (5 a second by default) need the extra search,
        and an image-mode search also gives them the keypoints an uploaded photo would get.
        Runs on the writer thread (one at a time), beside the frame thread.
        """
        config = TrackerConfig(
            static_image_mode=True,
            max_num_hands=plan.extract.hands_per_frame + 1,
            model_complexity=self.tracker_config.model_complexity,
        )
        key = (config, self.backend)
        if self._sample_finder is None or self._sample_finder_config != key:
            self._close_sample_finder()
            self._sample_finder, self._sample_finder_config = self._make_source(config), key
        return list(self._sample_finder.process(rgb))

    def _close_sample_finder(self) -> None:
        close = getattr(self._sample_finder, "close", None)
        if close is not None:
            close()
        self._sample_finder = self._sample_finder_config = None

    def _record_stats(self, result: FrameResult, timings: dict[str, float]) -> None:
        now = time.monotonic()
        with self._lock:
            self._stats.add(now, timings)
            self._latest = result
            self._frames += 1
            if result.hands:
                self._frame_size = result.hands[0].image_size
            write = self.timings_file is not None and now - self._last_write >= 1.0
            if write:
                self._last_write = now
                payload = {"session": self.ident, "page": self.name, "frames": self._frames,
                           "fps": self._stats.fps(now), "ms": self._stats.ms(), "time": time.time()}  # fmt: skip
        if write:
            _write_json(self.timings_file, payload)

    def on_ended(self) -> None:
        """``on_video_ended``: stop a recording (keeping its samples) and close the tracker."""
        self.stop_recording()
        with self._frame_lock:
            pipeline, self._pipeline = self._pipeline, None
            if self._writer is not None:  # after the searches queued there, which use the finder
                self._writer.submit(self._close_sample_finder)
        if pipeline is not None:
            _close_tracker(pipeline)
        with self._lock:
            self._latest = None
            self._stats = _Stats()

    close = on_ended


def _close_tracker(pipeline: Pipeline) -> None:
    close = getattr(pipeline.tracker, "close", None)
    if close is not None:
        close()


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(payload), encoding="utf-8")
    os.replace(tmp, path)


def frame_callback(session: StreamSession) -> Callable[[Any], Any]:
    """The ``video_frame_callback`` for ``webrtc_streamer``: av.VideoFrame in, annotated av.VideoFrame out."""
    import av  # only the app needs PyAV here; the session itself works on arrays

    def callback(frame: av.VideoFrame) -> av.VideoFrame:
        started = time.perf_counter()
        rgb = frame.to_ndarray(format="rgb24")
        return av.VideoFrame.from_ndarray(session.process(rgb, started), format="rgb24")

    return callback


MAX_QUEUED_FRAMES = 4  # frames processed per wake-up of the worker; older ones are dropped


def queued_frames_callback(session: StreamSession, keep: int = MAX_QUEUED_FRAMES) -> Callable[[list[Any]], Any]:
    """The ``queued_video_frames_callback``: annotates the newest ``keep`` of the frames that queued up.

    The browser's sender pulls frames unevenly (two can arrive a few milliseconds apart),
    and the plain ``video_frame_callback`` then drops all but the newest, even when the
    server keeps up on average: about one frame in three at 30 FPS on 2 cores. Processing
    the last two keeps every frame whenever the mean cost is under the frame interval,
    and still bounds the lag to two frames when it is not.
    """
    process_one = frame_callback(session)

    async def callback(frames: list[Any]) -> list[Any]:
        return [process_one(frame) for frame in frames[-keep:]]

    return callback

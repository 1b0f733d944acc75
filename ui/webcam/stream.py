"""The webcam path: one ``StreamSession`` per browser session and page (its WebRTC callbacks: ``ui.webcam.frame_callbacks``).

The frame callback runs in streamlit-webrtc's worker thread: it never calls ``st.*``.
It owns a MediaPipe tracker and a ``core.gestures.pipeline.Pipeline`` created on the stream's
first frame and closed in ``on_video_ended`` (video-mode trackers keep per-stream state,
so they are never shared between users or streams). Results leave the thread through
the session object, guarded by a lock; the page reads ``snapshot()`` from a fragment.
An exception in the callback is kept in ``snapshot().error`` (the page shows it) and
drawn on the returned frame, instead of streamlit-webrtc silently echoing raw video.
"""

from __future__ import annotations

import threading
import time
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2

from core.data.sql.schema import StoreError
from core.data.store import Store
from core.gestures.pipeline import FrameResult, Pipeline
from core.io.fds import TooManyOpenFilesError
from core.keypoints.backend import KeypointBackend
from core.keypoints.landmarks import TrackerConfig
from core.keypoints.smoothing import KeypointSmoother, SmoothingConfig
from core.types import Keypoints, Prediction, RGBImage
from ui.webcam.answers import AnswerBoard
from ui.webcam.blas import one_blas_thread
from ui.webcam.cpm_feed import CPMFeed
from ui.webcam.frame_stats import FrameStats, write_status
from ui.webcam.overlay import draw_badge
from ui.webcam.recorder import Recorder, RecordPlan, RecordStatus
from ui.webcam.sample_finder import SampleFinder
from ui.webcam.selfie import selfie_view
from ui.webcam.thresholded import ThresholdedClassifier

if TYPE_CHECKING:
    from core.cpm.estimator import CPMResult
    from core.gestures.classifier import GestureClassifier
    from core.outputs.hub import Outputs


# Errors whose message says what happened and what to do (out of descriptors, the store locked or full): the page
# shows them as they are, where anything else also gets its traceback.
SAID_ERRORS = (StoreError, TooManyOpenFilesError)
HAND_LEFT_S = 0.7  # a frame or two without a hand is the hand model blinking, not a hand leaving


@dataclass(frozen=True)
class StreamSnapshot:
    """What the page shows about a stream, copied under the lock."""

    running: bool  # a frame arrived in the last two seconds
    frames: int
    fps: float
    ms: dict[str, float]  # stage → mean milliseconds over the last frames
    # (handedness, prediction) per hand of the latest frame; from ``snapshot(publish=True)`` (the card's), the
    # answer every frame draws from then on (``ui.webcam.answers``)
    hands: list[tuple[str, Prediction | None]]
    frame_size: tuple[int, int] | None  # (width, height)
    error: str | None
    recording: RecordStatus | None
    has_classifier: bool
    cpm: CPMResult | None = None  # the CPM's view of the first hand of a recent frame, when the panel is on
    cpm_mediapipe: Keypoints | None = None  # MediaPipe's keypoints of the hand ``cpm`` read (a MediaPipe project)
    keypoints: tuple[Keypoints, ...] = ()  # the latest frame's hands or people (Live's 3D view)
    labels: tuple[str, ...] = ()  # the label the video draws for each of ``hands`` ("claw 61% (Right)")
    # a hand (or person) was seen and none has been for HAND_LEFT_S: Record says "No hand in view" (the browser
    # path's tab says it after the same gap, frontend/src/announce.js); False before any was seen
    hand_left: bool = False


class StreamSession:
    """State shared between one page's frame callback and that page, for one browser session."""

    def __init__(self, name: str, tracker_config: TrackerConfig | None = None, store: Store | None = None,
                 timings_file: Path | None = None, draw_predictions: bool = True) -> None:  # fmt: skip
        one_blas_thread()  # every frame's one-row distance product: a second BLAS thread only spun (ui.webcam.blas)
        self.name = name
        self.ident = uuid.uuid4().hex[:8]
        self.tracker_config = tracker_config or TrackerConfig(max_num_hands=2)
        self.store = store
        self.timings_file = timings_file
        self.draw_predictions = draw_predictions
        self.contrast = False  # the contrast theme's skeleton: set by each page run (ui.webcam.widget.stream_session)
        self.backend = KeypointBackend()
        self.tracker_factory: Callable[[TrackerConfig], Any] | None = None  # None: the backend's source; tests: a fake
        self.cpm_panel = False
        self.smoothing = SmoothingConfig()  # the keypoint filter of this stream (ui.server.settings, the Live switch)
        self.motion_hook: Any = None  # on_frame(hands, t, canvas) every frame: Live's SpotFeed, Record's ClipRecorder
        self.outputs: Outputs | None = None  # OSC / WebSocket (ui.live.outputs_panel): each frame's result published
        self._cpm_feed = CPMFeed()  # frame thread only
        self._cpm_result: CPMResult | None = None
        self._cpm_mediapipe: Keypoints | None = None
        self._lock = threading.Lock()  # guards the fields the page reads
        self._frame_lock = threading.Lock()  # held while a frame is processed, and to close the tracker
        self._pipeline: Pipeline | None = None
        self._pipeline_config: tuple[TrackerConfig, KeypointBackend] | None = None  # what the tracker was built with
        self._classifier: ThresholdedClassifier | None = None
        self._classifier_key: tuple[int, float, float] | None = None
        self._recorder: Recorder | None = None
        self._sample_finder = SampleFinder(self._make_source)  # for the frames a recording captures
        self._takes = 0
        self._writer: ThreadPoolExecutor | None = None
        self._stats = FrameStats()
        self._latest: FrameResult | None = None
        self._hand_seen_at: float | None = None  # the latest frame with a hand (monotonic), None before the first
        self._answers = AnswerBoard()  # the answer the card shows is the one drawn on the video
        self._frame_size: tuple[int, int] | None = None
        self._frames = 0
        self._error: str | None = None
        self._last_write = 0.0

    # -- page side -------------------------------------------------------------------------

    def set_classifier(
        self, classifier: GestureClassifier | None, threshold: float = 0.6, tolerance: float = 1.0
    ) -> None:
        """Use ``classifier`` with this session's threshold and tolerance (no-op when nothing changed)."""
        key = None if classifier is None else (id(classifier), round(float(threshold), 4), round(float(tolerance), 4))
        with self._lock:
            if key == self._classifier_key:
                return
            self._classifier_key = key
            self._classifier = (None if classifier is None
                                else ThresholdedClassifier(classifier, threshold, tolerance))  # fmt: skip
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
            self.backend = backend  # the CPM feed loads other weights on the next frame that needs them

    def set_motion_hook(self, hook: Any) -> None:
        """Feed ``hook`` (``ui.live.spotting.SpotFeed``, ``ui.webcam.clip_recorder.ClipRecorder`` or None) from the next frame on."""
        with self._lock:
            self.motion_hook = hook

    def set_outputs(self, outputs: Outputs | None) -> None:
        """Publish each frame's result to ``outputs`` from the next frame on (the caller closes the previous)."""
        with self._lock:
            self.outputs = outputs

    def set_smoothing(self, config: SmoothingConfig) -> None:
        """Filter the keypoints with ``config`` from the next frame on (the tracker is kept)."""
        with self._lock:
            self.smoothing = config

    def set_cpm_panel(self, on: bool) -> None:
        """Keep the CPM's belief maps of the first hand for the page's panel (costs one CPM pass per frame)."""
        with self._lock:
            self.cpm_panel = bool(on)
            if not on:
                self._cpm_result = self._cpm_mediapipe = None

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

    def snapshot(self, publish: bool = False) -> StreamSnapshot:
        """What the page shows. ``publish``: the card's own call; the latest frame's answer becomes the one every
        frame draws from now on (``ui.webcam.answers``), so the card and the video say the same."""
        now = time.monotonic()
        shown = self._answers.publish(now) if publish else self._answers.latest()
        with self._lock:
            latest, recorder = self._latest, self._recorder
            last = self._stats.times[-1] if self._stats.times else None
            return StreamSnapshot(
                running=last is not None and now - last < 2.0,
                frames=self._frames,
                fps=self._stats.fps(now),
                ms=self._stats.ms(),
                hands=[(s.handedness, s.prediction) for s in shown],
                frame_size=self._frame_size,
                error=self._error,
                recording=recorder.status() if recorder else None,
                has_classifier=self._classifier is not None,
                cpm=self._cpm_result,
                cpm_mediapipe=self._cpm_mediapipe,
                keypoints=tuple(latest.hands) if latest else (),
                labels=tuple(s.text for s in shown),
                hand_left=self._hand_seen_at is not None and now - self._hand_seen_at >= HAND_LEFT_S,
            )

    # -- frame thread ------------------------------------------------------------------------

    def process(self, rgb: RGBImage, started: float | None = None, before: dict[str, float] | None = None) -> RGBImage:
        """One unmirrored RGB frame in, the annotated selfie view out. Never raises.

        ``started`` is the ``time.perf_counter()`` at which the frame arrived (before
        decoding), so "total" covers the whole callback; ``before``: timings of the
        frame's stages before this call (its conversion to an array), kept with its own.
        """
        start = time.perf_counter() if started is None else started
        try:
            with self._frame_lock:
                out = self._process(rgb)
        except Exception as exc:  # shown on the page and on the video, never swallowed
            said = isinstance(exc, SAID_ERRORS)
            message = str(exc) if said else f"{type(exc).__name__}: {exc}"
            with self._lock:
                self._error = message if said else f"{message}\n\n{traceback.format_exc(limit=6)}"
            out = cv2.flip(rgb, 1)
            draw_badge(out, f"error: {message[:60]} (details on the page)")
            return out
        timings = dict(before or {}) | out[1]
        timings["total"] = (time.perf_counter() - start) * 1000.0
        self._record_stats(out[2], timings)
        return out[0]

    def _process(self, rgb: RGBImage) -> tuple[RGBImage, dict[str, float], FrameResult]:
        with self._lock:
            wanted = (self.tracker_config, self.backend)
            cpm_panel = self.cpm_panel
            smoothing, motion_hook, outputs = self.smoothing, self.motion_hook, self.outputs
        if self._pipeline is not None and self._pipeline_config != wanted:
            _close_tracker(self._pipeline)
            self._pipeline = None
        if self._pipeline is None:
            pipeline = Pipeline(self._make_source(wanted[0]), None)
            with self._lock:
                pipeline.set_classifier(self._classifier)
                self._pipeline, self._pipeline_config = pipeline, wanted
        if self._pipeline.smoother is None or self._pipeline.smoother.config != smoothing:
            self._pipeline.smoother = KeypointSmoother(smoothing)  # here, on the frame thread that uses it
        result = self._pipeline.process(rgb)
        if outputs is not None:  # never waits: OSC from a non-blocking socket, the WebSocket through its queue
            outputs.publish(result, time.monotonic())
        timings = result.timings_ms
        if cpm_panel:
            started = time.perf_counter()
            source = self._pipeline.tracker
            changed, cpm = self._cpm_feed.next(source, rgb, result.hands, wanted[1].weights_dir)
            if changed:
                with self._lock:
                    self._cpm_result, self._cpm_mediapipe = cpm, self._cpm_feed.mediapipe
            timings["cpm"] = (time.perf_counter() - started) * 1000.0
        t0 = time.perf_counter()
        canvas = selfie_view(rgb, self._answers.frame(result, time.monotonic()), self.draw_predictions, self.contrast)
        t1 = time.perf_counter()
        recorder = self._recorder
        timings["draw"] = (t1 - t0) * 1000.0
        if motion_hook is not None:
            motion_hook.on_frame(result.hands, time.monotonic(), canvas)
            timings["motion"] = (time.perf_counter() - t1) * 1000.0
            t1 = time.perf_counter()
        if recorder is not None and recorder.active:
            plan = recorder.plan
            complexity, backend = wanted[0].model_complexity, wanted[1]
            find = lambda frame: self._sample_finder.find(frame, plan.extract.hands_per_frame + 1, complexity, backend)  # noqa: E731
            recorder.on_frame(rgb, result.hands, canvas, find_hands=find)
            timings["record"] = (time.perf_counter() - t1) * 1000.0
        return canvas, timings, result

    def _make_source(self, config: TrackerConfig) -> Any:
        return self.tracker_factory(config) if self.tracker_factory is not None else self.backend.source(config)

    def add_timings(self, timings: dict[str, float]) -> None:
        """Stages of the last frame measured after ``process`` returned (its conversion back, the lag)."""
        with self._lock:
            self._stats.add_stages(timings)

    def _status_path(self) -> Path | None:
        """The timings file, or in a timings folder one file per stream (``bench/speed/webcam.py --sessions``)."""
        path = self.timings_file
        if path is not None and path.is_dir():
            return path / f"{self.name}-{self.ident}.json"
        return path

    def _record_stats(self, result: FrameResult, timings: dict[str, float]) -> None:
        now = time.monotonic()
        with self._lock:
            self._stats.add(now, timings)
            self._latest = result
            self._frames += 1
            if result.hands:
                self._frame_size = result.hands[0].image_size
                self._hand_seen_at = now
            write = self.timings_file is not None and now - self._last_write >= 1.0
            if write:
                self._last_write = now
                payload = {"session": self.ident, "page": self.name, "frames": self._frames,
                           "fps": self._stats.fps(now), "ms": self._stats.ms(), "time": time.time(),
                           "threads": {t.native_id: t.name for t in threading.enumerate()}}  # fmt: skip
        path = self._status_path() if write else None
        if path is not None:
            write_status(path, payload)

    def on_ended(self) -> None:
        """``on_video_ended``: stop a recording (keeping its samples) and close the tracker."""
        self.stop_recording()
        with self._frame_lock:
            pipeline, self._pipeline = self._pipeline, None
            if self._writer is not None:  # after the searches queued there, which use the finder
                self._writer.submit(self._sample_finder.close)
        if pipeline is not None:
            _close_tracker(pipeline)
        with self._lock:
            self._latest = self._hand_seen_at = None
            self._stats = FrameStats()
        self._answers.clear()

    close = on_ended


def _close_tracker(pipeline: Pipeline) -> None:
    close = getattr(pipeline.tracker, "close", None)
    if close is not None:
        close()

"""The webcam glue without a browser: per-session streams, recording, errors, settings, uploads."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import av
import numpy as np
import pytest
from conftest import shared_path
from handmaker import make_hand

from core.data.imports.extract import LOW_CONFIDENCE, NO_HAND, TOO_MANY_HANDS, ExtractConfig
from core.data.imports.uploads import UploadedFile
from core.data.store import Store
from core.gestures.training import TrainConfig
from core.keypoints.landmarks import TrackerConfig
from core.types import Keypoints
from ui.jobs.training import NotReadyError, check_trainable
from ui.samples.uploads import transcode_h264
from ui.server.settings import SettingsError, load_settings
from ui.webcam.frame_callbacks import frame_callback, queued_frames_callback
from ui.webcam.recorder import Recorder, RecordPlan
from ui.webcam.selfie import selfie_view
from ui.webcam.stream import StreamSession

FRAME = np.full((480, 640, 3), 90, np.uint8)


class FakeTracker:
    """Returns whatever hands the test puts in ``hands``; records closing."""

    instances: list[FakeTracker] = []

    def __init__(self, config: TrackerConfig) -> None:
        self.config = config
        self.hands: list[Keypoints] = [make_hand()]
        self.closed = False
        self.fail = False
        FakeTracker.instances.append(self)

    def process(self, rgb: np.ndarray) -> list[Keypoints]:
        if self.fail:
            raise RuntimeError("tracker exploded")
        return list(self.hands)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "data")
    s.ensure_project("default")
    return s


def session(store: Store | None = None, **kwargs) -> StreamSession:
    s = StreamSession("test", TrackerConfig(max_num_hands=2), store=store, **kwargs)
    s.tracker_factory = FakeTracker
    return s


def test_process_returns_selfie_view_and_timings(tmp_path: Path) -> None:
    timings = tmp_path / "timings.json"
    s = session(timings_file=timings)
    frame = FRAME.copy()
    frame[:, :320] = 10  # left half dark: after mirroring it is on the right
    out = None
    for _ in range(5):
        out = s.process(frame)
        time.sleep(0.01)
    assert out is not None and out.shape == frame.shape and out.dtype == np.uint8
    assert out[5, 630].mean() < 50 and out[5, 5].mean() > 50, "the returned frame must be mirrored"
    snap = s.snapshot()
    assert snap.running and snap.frames == 5 and snap.error is None
    assert set(snap.ms) >= {"landmarks", "features", "classifier", "draw", "total"}
    assert snap.fps > 0
    assert [h for h, _ in snap.hands] == ["Right"]
    written = json.loads(timings.read_text())
    assert written["frames"] >= 1 and "landmarks" in written["ms"] and "fps" in written


def test_exception_in_callback_is_kept_and_drawn() -> None:
    s = session()
    s.process(FRAME)
    FakeTracker.instances[-1].fail = True
    out = s.process(FRAME)  # must not raise: streamlit-webrtc would fall back to raw video
    assert out.shape == FRAME.shape
    assert not np.array_equal(out, FRAME[:, ::-1]), "an error badge is drawn on the frame"
    error = s.snapshot().error
    assert error is not None and "tracker exploded" in error and "RuntimeError" in error
    s.clear_error()
    assert s.snapshot().error is None


def test_on_ended_closes_tracker_and_next_stream_gets_a_new_one() -> None:
    s = session()
    s.process(FRAME)
    first = FakeTracker.instances[-1]
    s.on_ended()
    assert first.closed
    s.process(FRAME)
    assert FakeTracker.instances[-1] is not first


def test_changed_tracker_config_rebuilds_the_tracker() -> None:
    s = session()
    s.process(FRAME)
    first = FakeTracker.instances[-1]
    s.set_tracker_config(TrackerConfig(max_num_hands=1))
    s.process(FRAME)
    assert first.closed and FakeTracker.instances[-1].config.max_num_hands == 1


def test_frame_callback_round_trips_av_frames() -> None:
    callback = frame_callback(session())
    frame = av.VideoFrame.from_ndarray(FRAME, format="rgb24").reformat(format="yuv420p")
    out = callback(frame)
    assert isinstance(out, av.VideoFrame) and (out.width, out.height) == (640, 480)


def test_selfie_view_mirrors_hands_without_touching_the_input() -> None:
    from core.gestures.pipeline import FrameResult

    frame = FRAME.copy()
    result = FrameResult([make_hand(offset=(100.0, 300.0))], [None])
    out = selfie_view(frame, result)
    assert np.array_equal(frame, FRAME)
    changed = np.argwhere((out != FRAME[:, ::-1]).any(axis=2))
    assert changed[:, 1].mean() > 320, "a hand on the left of the raw frame is drawn on the right of the selfie view"


def _plan(**kwargs) -> RecordPlan:
    return RecordPlan(**{"project": "default", "class_name": "fist", "rate": 5.0, "duration": 2.0, "countdown": 3,
                         **kwargs})  # fmt: skip


def _drive(
    recorder: Recorder, start: float, end: float, step: float = 0.04, hands: list[Keypoints] | None = None
) -> None:
    t = start
    while t <= end:
        canvas = FRAME.copy()
        recorder.on_frame(FRAME, hands if hands is not None else [make_hand()], canvas, now=t)
        t += step


def _wait_finished(recorder: Recorder) -> None:
    for _ in range(200):
        if recorder.status().finished:
            return
        time.sleep(0.01)
    raise AssertionError(f"recording did not finish: {recorder.status()}")


def test_recorder_counts_down_then_captures_at_the_rate(store: Store) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as writer:
        rec = Recorder(_plan(), store, writer, now=0.0)
        canvas = FRAME.copy()
        rec.on_frame(FRAME, [make_hand()], canvas, now=0.5)
        status = rec.status()
        assert status.phase == "countdown" and status.countdown_left == 3 and status.captured == 0
        assert not np.array_equal(canvas, FRAME), "the countdown is drawn on the video"
        _drive(rec, 0.6, 2.9)
        assert rec.status().captured == 0, "nothing is captured during the countdown"
        _drive(rec, 3.0, 5.2)  # 2 s of capture at 5/s, then the end
        _wait_finished(rec)
        status = rec.status()
    assert status.phase == "done" and 9 <= status.captured <= 11
    assert status.stored == status.captured == store.class_counts("default")["fist"]
    assert {s.source_kind for s in store.list_samples("default", "fist", with_crops=True)} == {"webcam"}
    assert all(s.crop_jpeg for s in store.list_samples("default", "fist", with_crops=True))


def test_the_recording_badge_names_the_gesture_as_the_pages_do(store: Store) -> None:
    """ "REC open_palm" on the video beside the page's "✋ open palm" (issue 70): the badge says the shown name."""
    from concurrent.futures import ThreadPoolExecutor

    from ui.webcam.overlay import draw_badge, draw_countdown

    with ThreadPoolExecutor(1) as writer:
        rec = Recorder(_plan(class_name="open_palm"), store, writer, now=0.0)
        canvas, expected = FRAME.copy(), FRAME.copy()
        rec.on_frame(FRAME, [make_hand()], canvas, now=0.5)
        rec.stop()
    draw_countdown(expected, 3)
    draw_badge(expected, "get ready: open palm", colour=(40, 40, 40), dot=False)
    assert np.array_equal(canvas, expected)


@pytest.mark.parametrize(
    ("hands", "reason"),
    [([], NO_HAND), ([make_hand(), make_hand(offset=(100.0, 300.0))], TOO_MANY_HANDS), (None, LOW_CONFIDENCE)],
)
def test_recorder_rejects_frames_by_reason(store: Store, hands: list[Keypoints] | None, reason: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    if hands is None:
        good = make_hand()
        hands = [Keypoints(good.pixel, good.normalised, good.world, good.handedness, 0.2, good.image_size)]
    with ThreadPoolExecutor(1) as writer:
        rec = Recorder(_plan(countdown=0, extract=ExtractConfig(hands_per_frame=1, min_score=0.5)), store, writer, 0.0)
        _drive(rec, 0.0, 2.1, hands=hands)
        _wait_finished(rec)
    status = rec.status()
    assert status.captured == 0 and status.stored == 0 and status.rejected.get(reason, 0) >= 9
    assert store.class_counts("default")["fist"] == 0


@pytest.mark.slow
def test_two_sessions_record_independently(store: Store) -> None:
    """Two browser tabs: a recording in one never writes into the other's class or sees its frames."""
    a, b = session(store), session(store)
    a.start_recording(_plan(class_name="fist", countdown=0, duration=0.5, rate=20))
    b.process(FRAME)
    assert b.snapshot().recording is None
    deadline = time.monotonic() + 5
    while not (a.snapshot().recording and a.snapshot().recording.finished) and time.monotonic() < deadline:
        a.process(FRAME)
        time.sleep(0.02)
    counts = store.class_counts("default")
    assert counts["fist"] >= 3 and sum(counts.values()) == counts["fist"]
    assert a.snapshot().frames > b.snapshot().frames == 1
    assert a._pipeline is not None and b._pipeline is not None
    assert a._pipeline.tracker is not b._pipeline.tracker


@pytest.mark.slow
def test_recording_looks_for_an_extra_hand_only_on_sample_frames(store: Store) -> None:
    """The stream tracks the hands asked for; each sample frame gets an image-mode search for one more,
    on the writer thread, so the frame thread does not wait for it."""

    def factory(config: TrackerConfig) -> FakeTracker:
        tracker = FakeTracker(config)
        if config.static_image_mode:  # the search sees a second hand the tracker does not follow
            tracker.hands = [make_hand(), make_hand(offset=(100.0, 300.0))]
        return tracker

    s = session(store)
    s.tracker_factory = factory
    before = len(FakeTracker.instances)
    s.set_tracker_config(TrackerConfig(max_num_hands=1))
    s.start_recording(_plan(countdown=0, duration=0.6, rate=5, extract=ExtractConfig(hands_per_frame=1)))
    frames = 0
    while not s.snapshot().recording.finished and frames < 500:
        s.process(FRAME)
        frames += 1
        time.sleep(0.01)
    finders = [t for t in FakeTracker.instances[before:] if t.config.static_image_mode]
    tracker = s._pipeline.tracker
    assert len(finders) == 1 and finders[0].config.max_num_hands == 2
    assert not tracker.config.static_image_mode and tracker.config.max_num_hands == 1
    status = s.snapshot().recording
    assert 2 <= status.attempts <= 5 < frames, "only the frames that become samples are searched again"
    assert status.rejected.get(TOO_MANY_HANDS, 0) == status.attempts and status.captured == 0
    assert store.class_counts("default")["fist"] == 0
    s.on_ended()
    s._writer.submit(lambda: None).result()  # the finder is closed on the writer, after its searches
    assert finders[0].closed


def test_queued_callback_processes_the_newest_frames_in_order() -> None:
    import asyncio

    s = session()
    callback = queued_frames_callback(s, keep=2)
    frames = [av.VideoFrame.from_ndarray(np.full((480, 640, 3), v, np.uint8), format="rgb24") for v in (10, 20, 30)]
    out = asyncio.run(callback(frames))
    assert len(out) == 2 and s.snapshot().frames == 2
    means = [float(np.median(o.to_ndarray(format="rgb24"))) for o in out]
    assert abs(means[0] - 20) < 3 and abs(means[1] - 30) < 3, "the oldest frame is dropped, order kept"


@pytest.mark.slow
def test_stop_keeps_samples_captured_so_far(store: Store) -> None:
    s = session(store)
    s.start_recording(_plan(countdown=0, duration=30, rate=30))
    for _ in range(10):
        s.process(FRAME)
        time.sleep(0.04)
    s.on_ended()  # the user pressed STOP on the video
    rec = s.snapshot().recording
    assert rec is not None
    for _ in range(200):
        if s.snapshot().recording.finished:
            break
        time.sleep(0.01)
    rec = s.snapshot().recording
    assert rec.phase == "stopped" and rec.stored == rec.captured > 0
    assert store.class_counts("default")["fist"] == rec.stored


def test_record_plan_refuses_bad_values() -> None:
    with pytest.raises(ValueError, match="samples per second"):
        _plan(rate=0)
    with pytest.raises(ValueError, match="duration"):
        _plan(duration=-1)


def test_settings_default_to_no_ice_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings({}, use_secrets=False)
    assert settings.rtc_configuration == {"iceServers": []}
    assert settings.timings_file is None


def test_settings_read_ice_servers_and_refuse_bad_json() -> None:
    servers = [{"urls": ["turn:turn.example.org:3478"], "username": "u", "credential": "c"}]
    settings = load_settings({"HANDTEACH_ICE_SERVERS": json.dumps(servers)}, use_secrets=False)
    assert settings.rtc_configuration == {"iceServers": servers}
    with pytest.raises(SettingsError, match="HANDTEACH_ICE_SERVERS is not valid JSON"):
        load_settings({"HANDTEACH_ICE_SERVERS": "[{"}, use_secrets=False)
    with pytest.raises(SettingsError, match="'urls'"):
        load_settings({"HANDTEACH_ICE_SERVERS": '[{"url": "stun:x"}]'}, use_secrets=False)
    with pytest.raises(SettingsError, match="HANDTEACH_MODEL_COMPLEXITY"):
        load_settings({"HANDTEACH_MODEL_COMPLEXITY": "2"}, use_secrets=False)


def test_settings_say_where_a_new_session_finds_the_keypoints() -> None:
    assert load_settings({}, use_secrets=False).keypoints_path == "browser"
    assert load_settings({"HANDTEACH_KEYPOINTS": " Server "}, use_secrets=False).keypoints_path == "server"
    with pytest.raises(SettingsError, match="HANDTEACH_KEYPOINTS must be browser or server, got 'gpu'"):
        load_settings({"HANDTEACH_KEYPOINTS": "gpu"}, use_secrets=False)


def test_check_trainable_explains_what_is_missing() -> None:
    config = TrainConfig()
    mirrors = {"thumbs_up": "thumbs_up", "pointing_right": "pointing_left", "pointing_left": "pointing_right"}
    with pytest.raises(NotReadyError, match="no class has samples"):
        check_trainable({"thumbs_up": 0, "pointing_right": 0, "pointing_left": 0}, mirrors, config)
    with pytest.raises(NotReadyError, match="only 'thumbs up' has samples"):
        check_trainable({"thumbs_up": 10, "pointing_right": 0, "pointing_left": 0}, mirrors, config)
    with pytest.raises(NotReadyError, match="thumbs up has 3"):
        check_trainable({"thumbs_up": 3, "pointing_right": 10, "pointing_left": 0}, mirrors, config)
    check_trainable({"thumbs_up": 0, "pointing_right": 10, "pointing_left": 0}, mirrors, config)  # mirror fills 👈


def test_transcode_h264(tmp_path: Path) -> None:
    from core.io.video import write_video

    source = tmp_path / "in.mp4"
    write_video(source, (np.full((121, 161, 3), i * 20, np.uint8) for i in range(10)), 10.0)
    target = tmp_path / "out.mp4"
    assert transcode_h264(source, target) == 10
    with av.open(str(target)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264" and (stream.width, stream.height) == (160, 120)


@pytest.mark.slow
def test_real_tracker_finds_the_hand_in_the_video() -> None:
    from core.io.video import iter_frames

    video = shared_path("video", "asl_hand.25fps.mp4")
    s = StreamSession("real", TrackerConfig(max_num_hands=1, model_complexity=0))
    try:
        for _, rgb in iter_frames(video, max_frames=10):
            s.process(rgb)
        snap = s.snapshot()
    finally:
        s.on_ended()
    assert snap.error is None and snap.frames == 10 and len(snap.hands) == 1


@pytest.mark.slow
def test_recording_threads_do_not_leak(store: Store) -> None:
    before = threading.active_count()
    s = session(store)
    s.start_recording(_plan(countdown=0, duration=0.2, rate=10))
    for _ in range(10):
        s.process(FRAME)
        time.sleep(0.03)
    s.on_ended()
    assert threading.active_count() <= before + 1  # at most the single writer thread of this session


def test_media_responses_send_their_start_message_first() -> None:
    """Images and downloads go through Streamlit's gzip middleware; the start message must come first."""
    import asyncio

    from streamlit.web.server.starlette.starlette_gzip_middleware import SelectiveGZipMiddleware

    async def jpeg_app(scope, receive, send) -> None:  # noqa: ANN001 - a bare ASGI app
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"image/jpeg")]})
        await send({"type": "http.response.body", "body": b"\xff\xd8" * 600})

    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    async def receive() -> dict:
        return {"type": "http.request"}

    for encoding in (b"gzip", b"identity"):
        sent.clear()
        scope = {"type": "http", "path": "/media/x.jpg", "headers": [(b"accept-encoding", encoding)]}
        asyncio.run(SelectiveGZipMiddleware(jpeg_app)(scope, receive, send))
        assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"], encoding


def test_csv_upload_round_trips_a_handteach_export(store: Store, tmp_path: Path) -> None:
    from core.data.csv_files.csv_io import export_handteach
    from core.data.imports.uploads import import_csv_uploads
    from core.data.store import Sample

    store.add_samples(
        "default", [Sample(make_hand(offset=(float(i), 0.0)), "fist", "webcam", "", None) for i in range(3)]
    )
    export_handteach(store, "default", tmp_path / "mine.csv")
    store.ensure_project("copy")
    report = import_csv_uploads(store, "copy", [UploadedFile("mine.csv", (tmp_path / "mine.csv").read_bytes())])
    assert report.n_added == 3 and store.class_counts("copy")["fist"] == 3
    with pytest.raises(ValueError, match="got 3 files"):
        import_csv_uploads(store, "copy", [UploadedFile(f"{i}.csv", b"x") for i in range(3)])
    with pytest.raises(ValueError, match="exactly one should be the label file"):
        import_csv_uploads(store, "copy", [UploadedFile("a.csv", b"0,1\n"), UploadedFile("b.csv", b"0,1\n")])
    assert store.class_counts("copy")["fist"] == 3


@pytest.mark.slow
def test_cpm_panel_keeps_the_cpm_view_of_the_first_hand() -> None:
    s = session()
    s.process(FRAME)
    assert s.snapshot().cpm is None, "off by default: no CPM cost"
    s.set_cpm_panel(True)
    s.process(FRAME)
    snap = s.snapshot()
    assert snap.cpm is not None and len(snap.cpm.beliefs) >= 1 and snap.cpm.beliefs[-1].shape[0] == 22
    assert "cpm" in snap.ms
    assert snap.cpm_mediapipe is not None and snap.cpm_mediapipe.handedness == snap.hands[0][0]  # the panel compares
    FakeTracker.instances[-1].hands = []
    s.process(FRAME)
    assert s.snapshot().cpm is None and s.snapshot().cpm_mediapipe is None, "no hand, no stale belief maps"
    s.set_cpm_panel(False)
    assert s.snapshot().cpm is None


@pytest.mark.slow
def test_a_cpm_project_stream_uses_the_cpm_source_and_its_results() -> None:
    from core.io.video import iter_frames
    from core.keypoints.backend import CPMHandSource, KeypointBackend

    video = shared_path("video", "asl_hand.25fps.mp4")
    s = StreamSession("test", TrackerConfig(max_num_hands=1))
    s.set_backend(KeypointBackend("cpm"))
    s.set_cpm_panel(True)
    for index, rgb in iter_frames(video):
        if index >= 5:
            break
        s.process(rgb)
    snap = s.snapshot()
    assert snap.error is None and isinstance(s._pipeline.tracker, CPMHandSource)
    assert snap.hands and snap.cpm is s._pipeline.tracker.last_results[0]
    assert snap.cpm_mediapipe is None, "the project's keypoints are the CPM's: nothing of MediaPipe's to compare"
    s.on_ended()


def test_the_app_shortens_the_gil_switch_interval_but_never_lengthens_it() -> None:
    import sys

    from ui.webcam.frame_callbacks import GIL_SWITCH_INTERVAL, share_the_gil_quickly

    before = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.005)
        share_the_gil_quickly()
        assert sys.getswitchinterval() == pytest.approx(GIL_SWITCH_INTERVAL)
        sys.setswitchinterval(0.0002)
        share_the_gil_quickly()
        assert sys.getswitchinterval() == pytest.approx(0.0002)
    finally:
        sys.setswitchinterval(before)


def _colour_count(rgb: np.ndarray, colour: tuple[int, int, int]) -> int:
    return int(np.all(rgb == np.array(colour, np.uint8), axis=2).sum())


def _hex(colour: tuple[int, int, int]) -> str:
    return "#" + "".join(f"{c:02x}" for c in colour)


def test_the_webcam_looks_as_the_browser_path_draws_it() -> None:
    """Issue 52 item 10: the server path drew fingers in colours, a green label box with top-3 bars under it, where
    the browser path's tab draws one green skeleton with red joints and one label on a dark box. Both paths now draw
    the tab's look (frontend/src/draw.js's colours, read from the file), bars only on the card."""
    from core.gestures.pipeline import FrameResult
    from core.types import UNKNOWN_LABEL, Prediction
    from core.viz.draw import DEFAULT_STYLE, WEBCAM_STYLE

    script = (Path(__file__).resolve().parents[1] / "frontend" / "src" / "draw.js").read_text(encoding="utf-8")
    for colour in (WEBCAM_STYLE.bone_colour, WEBCAM_STYLE.joint_colour, WEBCAM_STYLE.unknown_text_colour):
        assert colour is not None and f'"{_hex(colour)}"' in script, (colour, "not in draw.js")
    assert f"rgba(0,0,0,{WEBCAM_STYLE.label_opacity:g})" in script
    frame = np.full((480, 640, 3), 128, np.uint8)
    hand = make_hand(offset=(200.0, 200.0))
    known = Prediction("thumbs_up", 0.9, {"thumbs_up": 0.9, "ok": 0.06, "fist": 0.04})
    out = selfie_view(frame, FrameResult([hand], [known]))
    assert _colour_count(out, WEBCAM_STYLE.bone_colour) > 100  # the bones, one green
    assert _colour_count(out, WEBCAM_STYLE.joint_colour) > 21 * 4  # 21 red squares
    fingers = [colour for name, colour in DEFAULT_STYLE.group_colours if name in ("thumb", "index", "ring", "pinky")]
    assert not any(_colour_count(out, colour) for colour in fingers), "a finger drawn in its own colour"
    assert not _colour_count(out, DEFAULT_STYLE.bar_colour), "top-3 bars drawn on the video"
    assert not _colour_count(out, DEFAULT_STYLE.label_colour), "the label on a green box"
    assert _colour_count(out, (51, 51, 51)) > 500  # the label's box: black at 60% over the grey
    unknown = Prediction(UNKNOWN_LABEL, 0.4, {"thumbs_up": 0.4, "ok": 0.35, "fist": 0.25})
    assert _colour_count(selfie_view(frame, FrameResult([hand], [unknown])), WEBCAM_STYLE.unknown_text_colour) > 20


@pytest.mark.slow
def test_a_webcam_stream_keeps_numpy_s_blas_on_one_thread() -> None:
    """Issue 52's Live cost: every frame's distances to the model's kept hands are one numpy product, and OpenBLAS's
    second thread spun after each (7-9 ms of server CPU a frame in bench/speed/webcam.py, counted as "reruns"). Once a
    stream session exists numpy's BLAS runs on one thread. In a fresh interpreter: the limit is process-wide."""
    import subprocess
    import sys

    script = (
        "import numpy\nfrom threadpoolctl import threadpool_info\n"
        "blas = lambda: [p['num_threads'] for p in threadpool_info() if p['user_api'] == 'blas']\n"
        "before = blas()\nfrom ui.webcam.stream import StreamSession\nStreamSession('live')\nprint(before, blas())"
    )
    root = Path(__file__).resolve().parents[1]
    env = {"OPENBLAS_NUM_THREADS": "2", "PATH": "/usr/bin:/bin"}  # two threads to begin with, whatever the machine
    out = subprocess.run([sys.executable, "-c", script], cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    before, after = out.stdout.strip().splitlines()[-1].split("] [")
    assert before == "[2" and set(after.rstrip("]").split(", ")) == {"1"}, out.stdout  # every BLAS loaded by then


def test_a_hand_that_left_is_said_after_the_gap_and_not_before_one_was_seen(monkeypatch: pytest.MonkeyPatch) -> None:
    from ui.webcam import stream

    tracker = FakeTracker(TrackerConfig(max_num_hands=2))
    tracker.hands = []
    s = session()
    s.tracker_factory = lambda config: tracker
    monkeypatch.setattr(stream, "HAND_LEFT_S", 0.05)
    s.process(FRAME)
    time.sleep(0.06)
    assert not s.snapshot().hand_left, "no hand seen yet: none left"
    tracker.hands = [make_hand()]
    s.process(FRAME)
    tracker.hands = []
    s.process(FRAME)
    assert not s.snapshot().hand_left, "a frame without the hand within the gap is the model blinking"
    time.sleep(0.06)
    assert s.snapshot().hand_left
    tracker.hands = [make_hand()]
    s.process(FRAME)
    assert not s.snapshot().hand_left, "the hand is back"
    tracker.hands = []
    s.process(FRAME)
    s.on_ended()
    time.sleep(0.06)
    assert not s.snapshot().hand_left, "a stream ended forgets the hand"

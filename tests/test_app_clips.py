"""ui/samples/clips.py and the pages of a motion project under AppTest: create it on Home, add gestures and clips on
Record (uploads named when refused), train on Train in the background."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import shared_path
from streamlit.testing.v1 import AppTest

from core.data.clips import StoredClip, add_clips, clip_counts, list_clips
from core.data.imports.uploads import UploadedFile, upload_clips
from core.data.project_motion import load_motion_model
from core.data.store import Store
from core.motion.clip import Clip
from core.motion.train import MotionTrainConfig
from core.types import Keypoints
from ui.live.spotting import SpotFeed
from ui.samples.clips import MotionTrainingRun

ROOT = Path(__file__).resolve().parents[1]


def app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if page is not None:
        at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def swipes(store: Store, project: str, per_class: int = 4) -> None:
    """Clips of a point sliding left or right (x in the raw frame), with a little noise: two easy classes."""
    rng = np.random.default_rng(0)
    clips = []
    for label, sign in (("swipe_left", 1.0), ("swipe_right", -1.0)):
        store.add_class(project, label)
        for _ in range(per_class):
            x = 0.5 + sign * np.linspace(-0.25, 0.25, 30)
            points = rng.normal(0, 0.01, (30, 21, 3)).astype(np.float32) + 0.4
            points[:, :, 0] += (x - 0.4)[:, None]
            points[:, 1:, 1] -= np.linspace(0.02, 0.2, 20)  # fingers above the wrist: a hand with a size
            clips.append(StoredClip(Clip(points, np.ones(30, bool), np.arange(30) / 25, label=label), "webcam"))
    add_clips(store, project, clips)


def test_home_creates_a_motion_project(data_dir: Path) -> None:
    at = app()
    at.text_input(key="new_project_name").input("moves")
    at.toggle(key="new_project_motion").set_value(True)
    next(b for b in at.button if b.label == "Create project").click().run()
    store = Store(data_dir)
    assert store.project_is_motion("moves") and store.list_classes("moves") == []
    assert any("Created the motion project 'moves'" in s.value for s in at.success)


def test_record_adds_gestures_and_names_refused_uploads(data_dir: Path) -> None:
    store = Store(data_dir)
    store.create_project("moves", default_classes=False, motion=True)
    at = app()
    at.selectbox(key="home_project").set_value("moves").run()
    at.switch_page("pages/record.py").run()
    assert not at.exception
    at.text_input(key="new_motion_class").input("wave")
    next(b for b in at.button if b.label == "Add gesture").click().run()
    assert [c.name for c in store.list_classes("moves")] == ["wave"]
    assert at.radio(key="clip_class").value == "wave"
    photo = shared_path("hagrid_380", "images", "palm", "palm_00000.jpg")
    stored, refused, cancelled = upload_clips(store, "moves", "wave", [UploadedFile("palm.jpg", photo.read_bytes()),
                                                                        UploadedFile("empty.mp4", b"")])  # fmt: skip
    assert stored == 0 and not cancelled and refused == ["empty.mp4: the file is empty (0 bytes)",
                                       "palm.jpg: a motion gesture is a video (one file, one clip), not a photo"]  # fmt: skip
    assert clip_counts(store, "moves") == {"wave": 0}


@pytest.mark.slow  # trains a network: about 10 s on two busy cores
def test_a_background_run_trains_and_live_spots_a_swipe_once(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.create_project("moves", default_classes=False, motion=True)
    swipes(store, "moves")
    run = MotionTrainingRun(store, "moves", MotionTrainConfig(epochs=15, copies=4)).start()
    assert run.wait(120)
    snap = run.snapshot()
    assert snap.error is None and not snap.running and len(snap.history) >= 1
    assert snap.report is not None and snap.report.labels == ["swipe_left", "swipe_right", "unknown"]
    assert snap.report.confusion.sum() == 8
    model = load_motion_model(store, "moves")
    assert model.classes == ["swipe_left", "swipe_right"]
    # Live: still, a swipe to +x of the raw frame (swipe_left in the user's view), still; one event, a trail drawn
    feed = SpotFeed(model)
    xs = np.r_[np.full(20, 0.25), np.linspace(0.25, 0.75, 12), np.full(25, 0.75)]
    canvases = []
    for i, x in enumerate(xs):
        hand = Keypoints(np.zeros((21, 2), np.float32), np.full((21, 3), 0.4, np.float32), np.zeros((21, 3), np.float32),
                         "Right", 0.9, (640, 480))  # fmt: skip
        hand.normalised[:, 0] += x - 0.4
        hand.normalised[1:, 1] -= np.linspace(0.02, 0.2, 20, dtype=np.float32)
        hand.pixel[:] = hand.normalised[:, :2] * [640, 480]
        canvas = np.zeros((480, 640, 3), np.uint8)
        feed.on_frame([hand], i / 25, canvas)
        canvases.append(canvas)
    feed.flush()
    assert [e.label for e in feed.events()] == ["swipe_left"], feed.events()  # once, not once per frame
    assert canvases[28].any()  # the trail of the moving hand is drawn on the video


@pytest.mark.slow
def test_train_page_trains_a_motion_project(data_dir: Path) -> None:
    store = Store(data_dir)
    store.create_project("moves", default_classes=False, motion=True)
    swipes(store, "moves")
    at = app()
    at.selectbox(key="home_project").set_value("moves").run()
    at.switch_page("pages/train.py").run()
    assert any("8 clips" in c.value for c in at.caption)
    next(b for b in at.button if b.label.startswith("🧠 Train motion model")).click().run()
    run = at.session_state["motion_train_run"]
    assert run.wait(300)
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Trained in" in s.value for s in at.success)
    assert load_motion_model(store, "moves") is not None


def test_live_and_train_pages_of_an_untrained_motion_project(data_dir: Path) -> None:
    store = Store(data_dir)
    store.create_project("moves", default_classes=False, motion=True)
    store.add_class("moves", "wave")
    at = app()
    at.selectbox(key="home_project").set_value("moves").run()
    at.switch_page("pages/live.py").run()
    assert not at.exception and any("No trained motion model yet" in i.value for i in at.info)
    assert at.toggle(key="live_steady").value is True
    links = [link.label for link in at.get("page_link")]
    assert "Make a game with your moves" in links, links  # the step after Live: Scratch blocks that see the moves
    at.switch_page("pages/train.py").run()
    assert not at.exception and any("Each gesture needs at least 3 clips" in i.value for i in at.info)
    assert next(b for b in at.button if b.label.startswith("🧠 Train motion model")).disabled


def test_live_says_a_damaged_motion_model_in_one_line_without_a_server_path(data_dir: Path) -> None:
    from core.data.project_motion import motion_model_dir, train_motion_project
    from core.motion.train import MotionTrainConfig

    store = Store(data_dir)
    store.create_project("moves", default_classes=False, motion=True)
    swipes(store, "moves")
    train_motion_project(store, "moves", MotionTrainConfig(seed=0, epochs=2, copies=1))
    weights = next(motion_model_dir(store, "moves").glob("motion.*.safetensors"))
    weights.write_bytes(weights.read_bytes()[:-10] + b"0123456789")  # its checksum no longer holds
    at = app()
    at.selectbox(key="home_project").set_value("moves").run()
    at.switch_page("pages/live.py").run()
    lines = [e.value for e in at.error]
    assert not at.exception and lines == ["The saved motion model cannot be read. Train again to replace it."], lines


def test_webcam_takes_become_clips_and_a_take_without_a_hand_is_named(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from core.skeletons import HAND_21
    from ui.webcam.clip_recorder import ClipRecorder, TakePlan

    store = Store(tmp_path)
    store.create_project("moves", default_classes=False, motion=True)
    store.add_class("moves", "wave")
    writer = ThreadPoolExecutor(1)
    recorder = ClipRecorder(TakePlan("moves", "wave", HAND_21, takes=2, seconds=1.0, countdown=1.0, pause=0.5), store,
                            writer)  # fmt: skip
    drawn = []
    for i in range(int(4.5 * 25)):  # 1 s countdown, take 1 (a hand), 0.5 s pause, take 2 (no hand), after
        t = 100.0 + i / 25
        phase = recorder._phase(t)[0] if recorder.started is not None else "countdown"
        hand = Keypoints(np.full((21, 2), 100.0 + i, np.float32), np.full((21, 3), 0.3, np.float32),
                         np.zeros((21, 3), np.float32), "Right", 0.9, (640, 480))  # fmt: skip
        hand.normalised[1:, 1] -= 0.1
        canvas = np.zeros((48, 64, 3), np.uint8)
        recorder.on_frame([hand] if t < 102.2 else [], t, canvas)
        drawn.append((phase, bool(canvas.any())))
    writer.shutdown(wait=True)
    status = recorder.status()
    assert status.phase == "done" and not status.active and status.stored == 1, status
    assert status.text == "All 2 takes done · 1 clip stored"  # it read "done · take 2 of 2 · 1 clip(s) stored"
    assert status.problems == ("webcam take 2: the hand is found in only 0 of 25 frames (needs at least 50%)",)
    (clip,) = [c.clip for c in list_clips(store, "moves")]
    assert clip.source == "webcam take 1" and clip.num_frames == 25 and clip.present.all()
    assert all(ink for phase, ink in drawn[:20])  # the countdown is drawn on the video


def test_a_wrong_clip_plays_back_as_a_small_animation(tmp_path: Path) -> None:
    import io

    from PIL import Image

    from ui.samples.clips import clip_animation

    store = Store(tmp_path)
    store.create_project("moves", default_classes=False, motion=True)
    swipes(store, "moves", per_class=1)
    clip = list_clips(store, "moves")[0].clip
    gif = Image.open(io.BytesIO(clip_animation(clip)))
    assert gif.format == "GIF" and gif.size == (160, 160) and gif.n_frames == 30
    first, last = np.asarray(gif.convert("RGB")), None
    gif.seek(gif.n_frames - 1)
    last = np.asarray(gif.convert("RGB"))
    # the hand moved: its drawing is elsewhere at the end (the trail too), on the dark background
    assert (first > 60).any() and (last > 60).any() and not np.array_equal(first, last)


def test_clip_uploads_show_frames_done_and_cancel_adds_none(data_dir: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """#45 item 9: "Following the hand through 2 video(s)…" was a spinner; now frames done of all and Cancel.
    #53: the video is read in a worker process of the job runner."""
    import functools
    import os

    import jobfns
    from conftest import finish_file_jobs

    from core.jobs import sample_tasks

    store = Store(data_dir)
    store.create_project("moves", default_classes=False, motion=True)
    store.add_class("moves", "wave")
    there = tmp_path / "there"
    monkeypatch.setattr(sample_tasks, "extract_clips", functools.partial(jobfns.paused_file, there=str(there),
                                                                          result="clips"))  # fmt: skip
    at = app()
    at.selectbox(key="home_project").set_value("moves").run()
    at.switch_page("pages/record.py").run()
    at.get("file_uploader")[0].set_value([("wave.mp4", b"x", "video/mp4")]).run()
    next(b for b in at.button if b.label == "➕ Add these clips").click().run()
    assert jobfns.there_pid(there) != os.getpid()
    at.run()
    [bar] = [p for p in at.get("progress") if p.proto.text.startswith("Following the hand")]
    assert bar.proto.text.startswith("Following the hand: frame 40 of 325, about ") and bar.proto.value == 12
    at.button(key="clip_upload_run_cancel").click().run()
    finish_file_jobs(at)
    assert any(i.value == "Stopped: no clip was added." for i in at.info) and clip_counts(store, "moves") == {"wave": 0}


def test_the_takes_status_says_each_phase_in_words() -> None:
    from ui.webcam.clip_recorder import TakeStatus

    def said(phase: str, take: int, stored: int) -> str:
        return TakeStatus(True, take, 5, phase, stored, ()).text

    assert said("countdown", 0, 0) == "Get ready: the first take starts after the countdown · 0 clips stored"
    assert said("recording", 2, 1) == "Recording take 2 of 5 · 1 clip stored"
    assert said("pause", 3, 2) == "A short pause after take 3 of 5 · 2 clips stored"
    assert said("stopped", 3, 2) == "Stopped · 2 clips stored"

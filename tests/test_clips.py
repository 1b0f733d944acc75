"""core.data.clips: the clip table's migration, bit-exact round trips, all-or-nothing batches, refusals."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from conftest import shared_path
from storemaker import INSERT_SAMPLE_BEFORE_9, old_schema

from core.data.clips import (
    StoredClip,
    add_clip,
    add_clips,
    clip_counts,
    delete_clips,
    get_clip,
    list_clips,
    project_clips,
    relabel_clips,
)
from core.data.sql.schema import DB_NAME, SCHEMA_VERSION, Sample, StoreError, sample_to_row
from core.data.store import NotFoundError, Store
from core.motion.clip import Clip
from core.skeletons import BODY_33, HAND_21
from core.types import Keypoints


def make_clip(label: str | None = "swipe_left", frames: int = 24, seed: int = 0, skeleton=HAND_21,
              source: str = "take.mp4") -> Clip:  # fmt: skip
    """A hand sliding to the left with a few frames missing; values that need every float32 bit."""
    rng = np.random.default_rng(seed)
    k = skeleton.num_joints
    points = rng.uniform(0.2, 0.4, (frames, k, 3)).astype(np.float32)
    points[:, :, 0] += np.linspace(0.5, 0.0, frames, dtype=np.float32)[:, None]
    present = np.ones(frames, bool)
    present[[3, 10, 11]] = False
    times = np.cumsum(rng.uniform(0.03, 0.04, frames))
    return Clip(points, present, times, skeleton, (640, 480), label, source)


@pytest.fixture
def store(database: str, tmp_path: Path) -> Store:
    """A motion project, on each database in turn (tests/pgcluster.py)."""
    s = Store(tmp_path / "data")
    s.create_project("moves", default_classes=False, motion=True)
    for name in ("swipe_left", "swipe_right", "idle"):
        s.add_class("moves", name)
    return s


def assert_same_clip(a: Clip, b: Clip) -> None:
    assert a.points.tobytes() == b.points.tobytes()
    assert np.array_equal(a.present, b.present) and a.timestamps.tobytes() == b.timestamps.tobytes()
    assert (a.skeleton, a.image_size, a.label, a.source) == (b.skeleton, b.image_size, b.label, b.source)


def test_round_trip_is_bit_exact(store: Store) -> None:
    clips = [make_clip(seed=1), make_clip("SWIPE_RIGHT ", frames=40, seed=2, source="webcam take 2")]
    ids = add_clips(store, "moves", [StoredClip(clips[0]), StoredClip(clips[1], "webcam", created_at=12.5)])
    back = list_clips(store, "moves")
    assert [c.id for c in back] == ids
    assert_same_clip(back[0].clip, clips[0])
    assert back[1].clip.label == "swipe_right"  # joined the class regardless of case and spaces
    assert back[1].clip.points.tobytes() == clips[1].points.tobytes() and back[1].clip.num_frames == 40
    assert (back[1].source_kind, back[1].created_at, back[1].backend) == ("webcam", 12.5, "mediapipe")
    assert get_clip(store, ids[0]).clip.timestamps.tobytes() == clips[0].timestamps.tobytes()
    assert clip_counts(store, "moves") == {"swipe_left": 1, "swipe_right": 1, "idle": 0}
    assert [c.label for c in project_clips(store, "moves")] == ["swipe_left", "swipe_right"]
    assert [c.clip.label for c in list_clips(store, "moves", "swipe_right")] == ["swipe_right"]


def test_a_bad_clip_refuses_the_whole_batch(store: Store) -> None:
    good = StoredClip(make_clip())
    with pytest.raises(NotFoundError, match="project 'moves' has no class named 'wave'"):
        add_clips(store, "moves", [good, StoredClip(make_clip("wave"))])
    with pytest.raises(StoreError, match="body.mp4: a body clip cannot enter the hand project 'moves'"):
        add_clips(store, "moves", [good, StoredClip(make_clip(skeleton=BODY_33, source="body.mp4"))])
    with pytest.raises(StoreError, match="unlabelled.mp4: a clip needs a class"):
        add_clips(store, "moves", [good, StoredClip(make_clip(None, source="unlabelled.mp4"))])
    with pytest.raises(StoreError, match="source_kind must be one of"):
        add_clips(store, "moves", [good, StoredClip(make_clip(), "telepathy")])
    assert list_clips(store, "moves") == [] and clip_counts(store, "moves")["swipe_left"] == 0
    add_clips(store, "moves", [StoredClip(make_clip("wave"))], create_classes=True)
    assert clip_counts(store, "moves") == {"swipe_left": 0, "swipe_right": 0, "idle": 0, "wave": 1}


def test_static_and_motion_projects_refuse_each_others_kind(store: Store) -> None:
    store.create_project("signs")
    with pytest.raises(StoreError, match="project 'signs' holds single-frame gestures .samples., not clips"):
        add_clip(store, "signs", StoredClip(make_clip("ok")))
    hand = Keypoints(np.zeros((21, 2), np.float32) + 5, np.full((21, 3), 0.1, np.float32),
                     np.zeros((21, 3), np.float32), "Right", 0.9, (640, 480))  # fmt: skip
    with pytest.raises(StoreError, match="project 'moves' is a motion project: it holds clips"):
        store.add_samples("moves", [Sample(hand, "idle", "image")])
    assert store.class_counts("moves") == {"swipe_left": 0, "swipe_right": 0, "idle": 0}
    assert store.class_counts("signs")["ok"] == 0


def test_delete_relabel_clear_and_class_deletion(store: Store) -> None:
    ids = add_clips(store, "moves", [StoredClip(make_clip(seed=i)) for i in range(4)])
    assert delete_clips(store, [ids[0], 999]) == 1
    relabel_clips(store, [ids[1]], "moves", "idle")
    assert clip_counts(store, "moves") == {"swipe_left": 2, "swipe_right": 0, "idle": 1}
    with pytest.raises(NotFoundError, match="project 'moves' has no clip with id 999"):
        relabel_clips(store, [ids[2], 999], "moves", "idle")  # all or none
    assert clip_counts(store, "moves")["idle"] == 1
    assert store.clear_class("moves", "swipe_left") == 2
    store.delete_class("moves", "idle")
    assert list_clips(store, "moves") == []
    with pytest.raises(NotFoundError, match="no clip with id"):
        get_clip(store, ids[1])


def test_a_body_motion_project_keeps_body_clips(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.create_project("dance", skeleton="body", motion=True)
    store.add_class("dance", "wave")
    clip = make_clip("wave", skeleton=BODY_33)
    assert_same_clip(get_clip(store, add_clip(store, "dance", StoredClip(clip))).clip, clip)


def test_a_damaged_row_is_named_not_a_traceback(store: Store, database: str) -> None:
    if database != "sqlite":
        pytest.skip("damages the row through sqlite3")
    clip_id = add_clip(store, "moves", StoredClip(make_clip()))
    with sqlite3.connect(store.path) as conn:
        conn.execute("UPDATE clips SET points = ? WHERE id = ?", (b"\0" * 12, clip_id))
    with pytest.raises(StoreError, match=f"clip {clip_id} .take.mp4.: its stored arrays do not match 24 frames"):
        list_clips(store, "moves")


def test_migration_to_the_clip_table_keeps_every_sample(tmp_path: Path) -> None:
    """A schema-2 database (before clips) opens at the current schema with its projects, classes and samples unchanged."""
    path = tmp_path / DB_NAME
    rng = np.random.default_rng(5)
    hand = Keypoints(rng.uniform(0, 600, (21, 2)).astype(np.float32), rng.uniform(0, 1, (21, 3)).astype(np.float32),
                     np.full((21, 3), np.nan, np.float32), "Left", 0.75, (640, 480))  # fmt: skip
    sample = Sample(hand, "ok", "image", "photo.jpg", None, 100.0, b"jpeg", "mediapipe")
    with sqlite3.connect(path) as conn:
        old_schema(conn, 2)
        conn.execute("INSERT INTO projects (name, backend, created_at) VALUES ('old', 'mediapipe', 1.0)")
        conn.execute("INSERT INTO classes (project_id, name, emoji, mirror, position) VALUES (1, 'ok', '👌', '', 0)")
        conn.execute(INSERT_SAMPLE_BEFORE_9, (1, *sample_to_row(sample)))
    store = Store(tmp_path)
    assert store.schema_version() == SCHEMA_VERSION > 3
    (back,) = store.list_samples("old", with_crops=True)
    assert back.hand.pixel.tobytes() == hand.pixel.tobytes() and np.isnan(back.hand.world).all()
    assert (back.class_name, back.source_name, back.crop_jpeg, back.created_at) == ("ok", "photo.jpg", b"jpeg", 100.0)
    assert store.list_classes("old")[0].emoji == "👌" and not store.project_is_motion("old")
    assert clip_counts(store, "old") == {"ok": 0}


@pytest.mark.slow
def test_a_real_video_clip_round_trips(tmp_path: Path) -> None:
    """The shared waving clip through MediaPipe (video mode), stored and read back bit-exact."""
    from core.keypoints.landmarks import HandTracker, TrackerConfig
    from core.motion.track import read_clip

    video = shared_path("slovo_clips", "videos", "slovo_example_f17a6060_wave.mp4")
    with HandTracker(TrackerConfig(max_num_hands=1)) as tracker:
        clip = read_clip(video, tracker.process, label="wave")
    assert clip.present.sum() > clip.num_frames // 2
    store = Store(tmp_path)
    store.create_project("waves", default_classes=False, motion=True)
    store.add_class("waves", "wave")
    back = get_clip(store, add_clip(store, "waves", StoredClip(clip, "video"))).clip
    assert_same_clip(back, clip)

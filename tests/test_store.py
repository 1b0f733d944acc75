"""core.data.store: projects, classes, bit-exact samples, atomic batches, crash safety, real MediaPipe hands."""

from __future__ import annotations

import os
import select
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import shared_path

from core.data.schema import StoreLockedError
from core.data.store import (
    DB_NAME,
    MIGRATIONS,
    SCHEMA_VERSION,
    DuplicateNameError,
    NotFoundError,
    Sample,
    Store,
    StoreError,
)
from core.gestures.catalog import DEFAULT_CLASSES, DEFAULT_PROJECT, GestureClass, InvalidNameError
from core.skeletons import BODY_33, HAND_21
from core.types import Keypoints

REPO = Path(__file__).resolve().parents[1]
BAD_NAMES = ["a/b", "a\\b", "..", "", "   ", "x" * 65, "unknown", "Unknown", "tab\there"]


def make_hand(rng: np.random.Generator, depth: bool = True) -> Keypoints:
    """A random hand with awkward float32 values (signed zero, subnormals, huge) to catch lossy storage."""
    pixel = rng.normal(300, 100, (21, 2)).astype(np.float32)
    pixel[0, 0], pixel[1, 1], pixel[2, 0] = -0.0, np.float32(1e-42), np.float32(3.4e38)
    normalised = rng.random((21, 3), dtype=np.float32)
    world = rng.normal(0, 0.05, (21, 3)).astype(np.float32) if depth else np.full((21, 3), np.nan, np.float32)
    return Keypoints(pixel, normalised, world, "Right", float(rng.random()), (640, 480))


def assert_same_hand(a: Keypoints, b: Keypoints) -> None:
    for name in ("pixel", "normalised", "world"):
        x, y = getattr(a, name), getattr(b, name)
        assert y.dtype == np.float32 and y.shape == x.shape
        assert x.tobytes() == y.tobytes(), f"{name} changed"  # bit-exact, -0.0 and NaN payloads included
        assert np.array_equal(x, y, equal_nan=True)
    assert (a.handedness, a.score, a.image_size) == (b.handedness, b.score, b.image_size)


def snapshot(store: Store) -> dict:
    """Everything visible through the API, to prove a refused call changed nothing."""
    return {p: (store.list_classes(p), store.class_counts(p), store.project_backend(p)) for p in store.list_projects()}


@pytest.fixture
def store(data_dir: Path) -> Store:
    s = Store(data_dir)
    s.ensure_project()
    return s


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(7)


def test_default_project_has_default_classes(store: Store, data_dir: Path) -> None:
    assert store.list_projects() == [DEFAULT_PROJECT]
    assert store.list_classes(DEFAULT_PROJECT) == list(DEFAULT_CLASSES)
    right = next(c for c in store.list_classes(DEFAULT_PROJECT) if c.name == "pointing_right")
    assert (right.emoji, right.mirror) == ("👉", "pointing_left")
    assert store.ensure_project() == DEFAULT_PROJECT  # idempotent
    assert store.class_counts(DEFAULT_PROJECT) == {c.name: 0 for c in DEFAULT_CLASSES}
    assert (data_dir / DB_NAME).is_file()
    assert Store().data_dir == data_dir  # $HANDTEACH_DATA is the default


def test_projects_create_rename_delete(store: Store) -> None:
    assert store.create_project("  mine ", default_classes=False, backend="cpm") == "mine"
    assert store.list_classes("mine") == [] and store.project_backend("mine") == "cpm"
    with pytest.raises(DuplicateNameError, match="mine"):
        store.create_project("mine")
    (store.project_dir("mine") / "model.json").write_text("{}")
    assert store.rename_project("mine", "yours") == "yours"
    assert store.list_projects() == [DEFAULT_PROJECT, "yours"]
    assert (store.data_dir / "projects" / "yours" / "model.json").is_file()
    assert not (store.data_dir / "projects" / "mine").exists()
    with pytest.raises(DuplicateNameError):
        store.rename_project("yours", DEFAULT_PROJECT)
    store.delete_project("yours")
    assert store.list_projects() == [DEFAULT_PROJECT]
    assert not (store.data_dir / "projects" / "yours").exists()
    for call in (lambda: store.delete_project("nope"), lambda: store.list_classes("nope")):
        with pytest.raises(NotFoundError, match="'nope'"):
            call()


def test_deleting_a_project_deletes_its_samples(store: Store, rng: np.random.Generator) -> None:
    store.create_project("other")
    keep = store.add_sample(DEFAULT_PROJECT, Sample(make_hand(rng), "ok", "image"))
    gone = store.add_sample("other", Sample(make_hand(rng), "ok", "image"))
    store.delete_project("other")
    store.get_sample(keep)
    with pytest.raises(NotFoundError, match=str(gone)):
        store.get_sample(gone)


@pytest.mark.parametrize("bad", BAD_NAMES)
def test_bad_names_are_refused_and_change_nothing(store: Store, bad: str) -> None:
    before = snapshot(store)
    calls = [
        lambda: store.create_project(bad),
        lambda: store.rename_project(DEFAULT_PROJECT, bad),
        lambda: store.add_class(DEFAULT_PROJECT, bad),
        lambda: store.rename_class(DEFAULT_PROJECT, "ok", bad),
        lambda: store.project_dir(bad),
    ]
    if bad:  # mirror="" means "symmetric", not a bad name
        calls.append(lambda: store.add_class(DEFAULT_PROJECT, "fine", mirror=bad))
    for call in calls:
        with pytest.raises(InvalidNameError):
            call()
    assert snapshot(store) == before
    assert not (store.data_dir / "projects").exists() or list((store.data_dir / "projects").iterdir()) == []


def test_classes_add_rename_delete_clear(store: Store, rng: np.random.Generator) -> None:
    p = DEFAULT_PROJECT
    assert store.add_class(p, "wave", emoji="👋") == GestureClass("wave", "👋", "")
    assert store.list_classes(p)[-1].name == "wave"
    with pytest.raises(DuplicateNameError, match="wave"):
        store.add_class(p, "wave")
    sid = store.add_sample(p, Sample(make_hand(rng), "pointing_left", "webcam"))
    assert store.rename_class(p, "pointing_left", "left") == "left"
    names = [c.name for c in store.list_classes(p)]
    assert names.index("left") == 6  # position kept
    assert GestureClass("pointing_right", "👉", "left") in store.list_classes(p)  # mirror reference follows
    assert store.get_sample(sid).class_name == "left"
    with pytest.raises(DuplicateNameError):
        store.rename_class(p, "left", "ok")
    with pytest.raises(NotFoundError, match="'nope'"):
        store.rename_class(p, "nope", "x")
    store.add_sample(p, Sample(make_hand(rng), "ok", "webcam"))
    assert store.clear_class(p, "ok") == 1
    assert store.class_counts(p)["ok"] == 0 and "ok" in store.class_counts(p)
    store.delete_class(p, "left")
    assert "left" not in store.class_counts(p)
    assert GestureClass("pointing_right", "👉", "") in store.list_classes(p)
    with pytest.raises(NotFoundError):
        store.get_sample(sid)


def test_sample_round_trip_is_bit_exact(store: Store, rng: np.random.Generator) -> None:
    samples = [
        Sample(make_hand(rng), "ok", "image", "a.jpg", None, 1.5, b"\xff\xd8jpeg\x00bytes", "mediapipe"),
        Sample(make_hand(rng, depth=False), "fist", "video", "clip.mp4", frame=12, backend="cpm"),
    ]
    ids = store.add_samples(DEFAULT_PROJECT, samples)
    assert len(set(ids)) == 2
    for sample, sid in zip(samples, ids, strict=True):
        back = store.get_sample(sid)
        assert_same_hand(sample.hand, back.hand)
        assert back == replace(sample, hand=back.hand, id=sid)  # every other field unchanged
    assert store.get_sample(ids[0], with_crop=False).crop_jpeg is None
    listed = store.list_samples(DEFAULT_PROJECT, with_crops=True)
    assert [s.id for s in listed] == ids and listed[0].crop_jpeg == samples[0].crop_jpeg
    assert store.list_samples(DEFAULT_PROJECT)[0].crop_jpeg is None
    assert [s.id for s in store.list_samples(DEFAULT_PROJECT, "fist")] == [ids[1]]
    hands, labels = store.sample_arrays(DEFAULT_PROJECT)
    assert labels == ["ok", "fist"]
    assert_same_hand(hands[1], samples[1].hand)


@pytest.mark.parametrize(
    "broken",
    [
        lambda h: Sample(h, "no_such_class", "image"),
        lambda h: Sample(h, "ok", "telepathy"),
        lambda h: Sample(h, "ok", "image", frame=-1),
        lambda h: Sample(Keypoints(h.pixel * np.nan, h.normalised, h.world, "Left", 0.5, (9, 9)), "ok", "image"),
        lambda h: Sample(Keypoints(h.pixel, h.normalised, h.world, "Left", 1.5, (9, 9)), "ok", "image"),
        lambda h: Sample(Keypoints(h.pixel, h.normalised, h.world, "Left", 0.5, (0, 9)), "ok", "image"),
        lambda h: Sample(h, "a/b", "image"),
    ],
)
def test_a_bad_sample_stores_nothing_of_its_batch(store: Store, rng: np.random.Generator, broken) -> None:
    good = [Sample(make_hand(rng), "ok", "image") for _ in range(3)]
    before = snapshot(store)
    with pytest.raises(ValueError):
        store.add_samples(DEFAULT_PROJECT, [*good, broken(make_hand(rng)), *good])
    assert snapshot(store) == before
    assert store.list_samples(DEFAULT_PROJECT) == []


def test_unknown_project_or_class_is_named(store: Store, rng: np.random.Generator) -> None:
    with pytest.raises(NotFoundError, match="'ghost'") as info:
        store.add_sample("ghost", Sample(make_hand(rng), "ok", "image"))
    assert isinstance(info.value, ValueError) and isinstance(info.value, LookupError)
    with pytest.raises(NotFoundError, match="'wave'"):
        store.list_samples(DEFAULT_PROJECT, "wave")
    with pytest.raises(NotFoundError, match="12345"):
        store.get_sample(12345)


def test_delete_relabel_counts(store: Store, rng: np.random.Generator) -> None:
    p = DEFAULT_PROJECT
    ids = store.add_samples(p, [Sample(make_hand(rng), "ok", "image") for _ in range(5)])
    assert store.relabel_samples(ids[:2], p, "fist") == 2
    assert store.class_counts(p)["fist"] == 2 and store.class_counts(p)["ok"] == 3
    store.create_project("other")
    foreign = store.add_sample("other", Sample(make_hand(rng), "ok", "image"))
    with pytest.raises(NotFoundError, match=str(foreign)):
        store.relabel_samples([ids[2], foreign], p, "fist")
    assert store.class_counts(p)["fist"] == 2  # the valid id of the refused batch did not move
    assert store.get_sample(foreign).class_name == "ok"
    with pytest.raises(NotFoundError):
        store.relabel_samples(ids[2:3], p, "nope")
    assert store.delete_samples([ids[0], ids[4], 999999]) == 2
    counts = store.class_counts(p)
    assert counts["fist"] == 1 and counts["ok"] == 2 and sum(counts.values()) == 3
    assert list(counts) == [c.name for c in DEFAULT_CLASSES]


def test_wal_sync_and_schema_version(store: Store) -> None:
    assert store.schema_version() == SCHEMA_VERSION >= 1
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn = store._connect()
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    conn.close()
    assert Store(store.data_dir).list_projects() == [DEFAULT_PROJECT]  # reopening keeps data


def test_newer_schema_is_refused(store: Store) -> None:
    with sqlite3.connect(store.path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    with pytest.raises(StoreError, match=f"schema version {SCHEMA_VERSION + 5}"):
        Store(store.data_dir)


def test_a_file_that_is_not_sqlite_is_named(tmp_path: Path) -> None:
    (tmp_path / DB_NAME).write_bytes(b"this is a text file, not a database" * 100)
    with pytest.raises(StoreError, match=DB_NAME) as info:
        Store(tmp_path)
    assert "not a usable handteach SQLite database" in str(info.value)
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="data directory"):
        Store(tmp_path / "file")


def test_threads_write_concurrently(store: Store) -> None:
    ids: list[int] = []
    errors: list[BaseException] = []

    def worker(seed: int) -> None:
        local = np.random.default_rng(seed)
        try:
            for _ in range(15):
                ids.append(store.add_sample(DEFAULT_PROJECT, Sample(make_hand(local), "ok", "webcam")))
                store.class_counts(DEFAULT_PROJECT)
        except BaseException as exc:  # surfaced below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(ids)) == 60 and store.class_counts(DEFAULT_PROJECT)["ok"] == 60


WRITER = """
import sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from core.data.store import Sample, Store
from core.types import Keypoints
store = Store(sys.argv[2])
store.ensure_project()
rng = np.random.default_rng(0)
while True:
    hand = Keypoints(rng.random((21, 2), dtype=np.float32), rng.random((21, 3), dtype=np.float32),
                rng.random((21, 3), dtype=np.float32), "Left", 0.9, (640, 480))
    sid = store.add_sample("default", Sample(hand, "ok", "webcam", crop_jpeg=rng.bytes(30000)))
    print(sid, flush=True)
"""


def _read_ids(proc: subprocess.Popen, minimum: int, timeout: float) -> list[int]:
    ids: list[int] = []
    deadline = time.monotonic() + timeout
    while len(ids) < minimum:
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
        line = proc.stdout.readline() if ready else ""
        if not line:
            raise AssertionError(f"writer printed only {len(ids)} ids; stderr: {proc.stderr.read()[-2000:]}")
        ids.append(int(line))
    return ids


def test_sigkill_while_writing_loses_nothing_committed(tmp_path: Path) -> None:
    data = tmp_path / "crash"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(REPO), str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        printed = _read_ids(proc, 50, timeout=60)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    printed += [int(x) for x in proc.stdout.read().split()]  # ids printed just before the kill
    conn = sqlite3.connect(data / DB_NAME)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    store = Store(data)
    stored = {s.id for s in store.list_samples(DEFAULT_PROJECT)}
    assert set(printed) <= stored
    assert len(stored) >= len(printed) >= 50
    for sid in printed[-3:]:
        assert len(store.get_sample(sid).crop_jpeg) == 30000


@pytest.mark.slow
def test_real_mediapipe_hands_round_trip(store: Store) -> None:
    from core.keypoints.landmarks import HandTracker, TrackerConfig

    folder = shared_path("hagrid_380", "images")
    paths = [folder / c / f"{c}_00000.jpg" for c in ("like", "one", "palm", "fist")]
    samples = []
    with HandTracker(TrackerConfig(static_image_mode=True, max_num_hands=1)) as tracker:
        for path in paths:
            image = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
            ok, jpeg = cv2.imencode(".jpg", image[:64, :64])
            samples += [Sample(h, "ok", "image", path.name, crop_jpeg=jpeg.tobytes()) for h in tracker.process(image)]
    assert len(samples) >= 3, f"MediaPipe found hands in only {len(samples)} of {len(paths)} images"
    ids = store.add_samples(DEFAULT_PROJECT, samples)
    for sample, sid in zip(samples, ids, strict=True):
        back = store.get_sample(sid)
        assert back.hand.has_depth
        assert_same_hand(sample.hand, back.hand)
        assert back.crop_jpeg == sample.crop_jpeg and back.source_name == sample.source_name


def test_class_names_are_unique_regardless_of_case_and_spaces(store: Store) -> None:
    """ "Peace" beside "✌️ peace" was accepted: two classes the user cannot tell apart."""
    store.add_class("default", "peace", "✌")
    for typed in ("Peace", "  PEACE ", "peace"):
        with pytest.raises(DuplicateNameError, match="already has a class named 'peace'"):
            store.add_class("default", typed)
    with pytest.raises(DuplicateNameError, match="'thumbs_up'"):
        store.rename_class("default", "peace", " Thumbs_Up")
    assert store.rename_class("default", "peace", "Peace") == "Peace", "a class may change its own case"
    names = [g.name for g in store.list_classes("default")]
    assert names.count("Peace") == 1 and "peace" not in names and "Thumbs_Up" not in names


# -- full and read-only disks (issue 19 item 5) -------------------------------------------


def _can_mount() -> bool:
    return os.geteuid() == 0 and subprocess.run(["which", "mount"], capture_output=True).returncode == 0


@contextmanager
def _tmpfs(path: Path, size_kb: int) -> Iterator[Path]:
    """A real, tiny filesystem at ``path`` (root only): the disk that fills up, or is made read-only."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(path)], capture_output=True
    )
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs: {mounted.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def _filled_store(data: Path) -> Store:
    store = Store(data)
    store.ensure_project()
    rng = np.random.default_rng(0)
    store.add_samples(DEFAULT_PROJECT, [Sample(make_hand(rng), "ok", "image") for _ in range(20)])
    return store


def _fill_disk(folder: Path) -> None:
    """Write zeros until the filesystem says no space is left, down to the last byte."""
    fd = os.open(folder / "ballast", os.O_WRONLY | os.O_CREAT)
    try:
        for chunk in (65536, 1):
            try:
                while True:
                    os.write(fd, b"\0" * chunk)
            except OSError:
                pass
    finally:
        os.close(fd)


@pytest.mark.skipif(not _can_mount(), reason="needs root to mount a tiny tmpfs that can really fill up")
def test_a_full_disk_still_opens_lists_and_reads(tmp_path: Path) -> None:
    """Every Store() used to start with a write (the migration): on a full disk even `classes list`
    failed with "database or disk is full". Now opening writes nothing; writes say "disk full" with the path."""
    with _tmpfs(tmp_path / "disk", 2048) as data:
        _filled_store(data)
        _fill_disk(data)
        store = Store(data, read_only=True)
        assert store.class_counts(DEFAULT_PROJECT)["ok"] == 20
        assert len(list(store.iter_samples(DEFAULT_PROJECT))) == 20
        with pytest.raises(StoreError, match=rf"{DB_NAME}: disk full"):  # a writing command
            writable = Store(data)
            writable.add_samples(DEFAULT_PROJECT, [Sample(make_hand(np.random.default_rng(9)), "ok", "image")] * 200)
        (data / "ballast").unlink()
        assert Store(data).class_counts(DEFAULT_PROJECT)["ok"] == 20  # the failed write left nothing


def test_a_read_only_folder_can_be_read(tmp_path: Path) -> None:
    """A store in a folder nobody may write to: the read-only store lists and reads; a write names the file."""
    data = tmp_path / "data"
    _filled_store(data)
    if os.geteuid() == 0:  # root writes anywhere: only a read-only mount stops it
        if not _can_mount():
            pytest.skip("root without mount cannot make a read-only folder")
        with _tmpfs(tmp_path / "ro", 4096) as ro:
            subprocess.run(["cp", "-a", f"{data}/.", str(ro)], check=True)
            subprocess.run(["mount", "-o", "remount,ro", str(ro)], check=True)
            _check_read_only(ro)
    else:
        (data / DB_NAME).chmod(0o444)
        data.chmod(0o555)
        try:
            _check_read_only(data)
        finally:
            data.chmod(0o755)


def _check_read_only(data: Path) -> None:
    with pytest.raises(StoreError):
        Store(data).add_class(DEFAULT_PROJECT, "new")  # a writable store cannot work here
    store = Store(data, read_only=True)
    assert store.read_only and store.class_counts(DEFAULT_PROJECT)["ok"] == 20
    assert [s.class_name for s in store.iter_samples(DEFAULT_PROJECT)] == ["ok"] * 20
    with pytest.raises(StoreError, match=rf"{DB_NAME}: the store was opened read-only"):
        store.add_class(DEFAULT_PROJECT, "new")


def test_read_only_store_of_a_missing_database_is_named(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match=rf"{DB_NAME}: no handteach database here yet"):
        Store(tmp_path, read_only=True)
    assert not (tmp_path / DB_NAME).exists()


def test_opening_an_up_to_date_store_writes_nothing(tmp_path: Path) -> None:
    _filled_store(tmp_path)
    before = (tmp_path / DB_NAME).stat().st_mtime_ns, (tmp_path / DB_NAME).read_bytes()
    Store(tmp_path)
    assert ((tmp_path / DB_NAME).stat().st_mtime_ns, (tmp_path / DB_NAME).read_bytes()) == before


def test_a_lock_held_past_the_timeout_names_the_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another program holding the write lock: `database is locked` becomes a StoreLockedError naming the file.
    (The real wait is 30 s; the connection's timeout is shortened here so the test is quick.)"""
    store = _filled_store(tmp_path)
    holder = sqlite3.connect(tmp_path / DB_NAME, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    real_connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: real_connect(*a, **{**k, "timeout": 0.2}))
    try:
        with pytest.raises(StoreLockedError, match=rf"{DB_NAME}: database is locked by another program"):
            store.add_class(DEFAULT_PROJECT, "new")
        assert store.class_counts(DEFAULT_PROJECT)["ok"] == 20  # reading still works under the lock (WAL)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_emoji_and_mirror_are_checked(store: Store) -> None:
    """Issue 19 item 8: 10,000 characters, newlines and terminal escapes were stored and printed raw;
    a mirror could name a class that does not exist."""
    for bad in ("x" * 10_000, "a\nb", "\x1b[31mred", "a\u2028b"):
        with pytest.raises(StoreError, match="emoji"):
            store.add_class(DEFAULT_PROJECT, "new", emoji=bad)
    with pytest.raises(NotFoundError, match="mirror 'nothere'"):
        store.add_class(DEFAULT_PROJECT, "new", mirror="nothere")
    assert "new" not in store.class_counts(DEFAULT_PROJECT)
    store.add_class(DEFAULT_PROJECT, "family", emoji="👨\u200d👩\u200d👧", mirror="ok")
    store.add_class(DEFAULT_PROJECT, "wave", emoji="wave hi")
    assert store.list_classes(DEFAULT_PROJECT)[-2].mirror == "ok"


def test_samples_and_lookups_match_a_class_regardless_of_case(store: Store, rng: np.random.Generator) -> None:
    """A label "OK" (a kinivi file, extract --label OK) stores into "ok" instead of failing as a duplicate."""
    hands = [make_hand(rng) for _ in range(4)]
    store.add_samples("default", [Sample(hands[0], "OK", "image"), Sample(hands[1], " Ok ", "image")])
    assert dict(store.add_sample_stream("default", [Sample(hands[2], "OK", "csv")], create_classes=True)) == {"ok": 1}
    assert store.add_samples("default", [Sample(hands[3], "ThumbS_up", "image")], create_classes=True)
    assert store.class_counts("default")["ok"] == 3 and store.class_counts("default")["thumbs_up"] == 1
    assert "OK" not in store.class_counts("default")
    assert store.class_named("default", " OK ") == "ok" and store.class_named("default", "wave") is None
    store.add_class("default", "Left", mirror="")
    store.add_class("default", "right", mirror="Left")
    store.rename_class("default", "LEFT", "port")  # looked up regardless of case; the mirror follows
    assert {g.name: g.mirror for g in store.list_classes("default")}["right"] == "port"
    store.delete_class("default", "PORT")
    assert {g.name: g.mirror for g in store.list_classes("default")}["right"] == ""
    assert store.clear_class("default", "Ok") == 3


def make_body(rng: np.random.Generator) -> Keypoints:
    """A random BODY_33 pose with visibility, some of it exactly 0 and 1."""
    k = BODY_33.num_joints
    visibility = rng.random(k, dtype=np.float32)
    visibility[:2] = 0.0, 1.0
    pixel = rng.normal(300, 100, (k, 2)).astype(np.float32)
    world = rng.normal(0, 0.3, (k, 3)).astype(np.float32)
    return Keypoints(
        pixel, rng.random((k, 3), dtype=np.float32), world, "Unknown", 0.9, (640, 480), BODY_33, visibility
    )


def _old_schema_database(path: Path, rng: np.random.Generator) -> list[tuple]:
    """A database as the previous handteach (schema version 1) wrote it, with samples; returns their rows."""
    rows = []
    with closing(sqlite3.connect(path)) as conn, conn:
        for statement in MIGRATIONS[0]:  # migrations are append-only: the first one is version 1's schema
            conn.execute(statement)
        conn.execute("PRAGMA user_version = 1")
        conn.execute("INSERT INTO projects (id, name, backend, created_at) VALUES (1, 'old', 'cpm', 1.0)")
        conn.execute("INSERT INTO classes (id, project_id, name, emoji, position) VALUES (1, 1, 'ok', '👌', 0)")
        for i in range(5):
            hand = make_hand(rng, depth=i % 2 == 0)
            row = (1, hand.handedness, hand.score, 640, 480, hand.pixel.tobytes(), hand.normalised.tobytes(),
                   hand.world.tobytes(), "video", "clip.mp4", i, 100.0 + i, b"jpeg%d" % i, "cpm")  # fmt: skip
            conn.execute(
                "INSERT INTO samples (class_id, handedness, score, image_w, image_h, pixel, normalised, world, "
                "source_kind, source_name, frame, created_at, crop_jpeg, backend) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            rows.append((hand, row))
    return rows


def test_a_database_of_the_previous_schema_migrates_keeping_every_sample(
    tmp_path: Path, rng: np.random.Generator
) -> None:
    old = _old_schema_database(tmp_path / DB_NAME, rng)
    store = Store(tmp_path)
    assert store.schema_version() == SCHEMA_VERSION
    assert store.project_skeleton("old") == HAND_21 and not store.project_is_motion("old")
    assert store.project_backend("old") == "cpm" and store.list_classes("old") == [GestureClass("ok", "👌", "")]
    back = store.list_samples("old", with_crops=True)
    assert len(back) == len(old)
    for sample, (hand, row) in zip(back, old, strict=True):
        assert_same_hand(hand, sample.hand)
        assert sample.hand.skeleton == HAND_21 and sample.hand.visibility is None
        assert (sample.class_name, sample.source_kind, sample.source_name, sample.frame) == ("ok", *row[8:11])
        assert (sample.created_at, sample.crop_jpeg, sample.backend) == row[11:]
    # the migrated store takes new samples beside the old ones
    store.add_sample("old", Sample(make_hand(rng), "ok", "image"))
    assert store.class_counts("old") == {"ok": 6}


def test_a_body_project_round_trips_body_samples_with_visibility(store: Store, rng: np.random.Generator) -> None:
    assert store.create_project("poses", skeleton="body") == "poses"
    assert store.create_project("moves", skeleton="body", motion=True) == "moves"
    assert store.list_classes("poses") == store.list_classes("moves") == []  # no hand gestures in a body project
    assert store.project_skeleton("poses") == store.project_skeleton("moves") == BODY_33
    assert store.project_is_motion("moves") and not store.project_is_motion("poses")
    assert store.project_skeleton(DEFAULT_PROJECT) == HAND_21 and not store.project_is_motion(DEFAULT_PROJECT)
    store.add_class("poses", "t_pose")
    bodies = [make_body(rng) for _ in range(3)]
    ids = store.add_samples("poses", [Sample(b, "t_pose", "image", f"{i}.jpg") for i, b in enumerate(bodies)])
    for body, sid in zip(bodies, ids, strict=True):
        back = store.get_sample(sid).hand
        assert_same_hand(body, back)
        assert back.skeleton == BODY_33 and back.visibility is not None
        assert back.visibility.dtype == np.float32 and back.visibility.tobytes() == body.visibility.tobytes()
    no_visibility = replace(bodies[0], visibility=None)
    assert store.get_sample(store.add_sample("poses", Sample(no_visibility, "t_pose", "image"))).hand.visibility is None


def test_a_sample_of_another_skeleton_refuses_its_batch(store: Store, rng: np.random.Generator) -> None:
    store.create_project("poses", skeleton="body")
    store.add_class("poses", "t_pose")
    before = snapshot(store)
    with pytest.raises(StoreError, match="a body sample cannot enter the hand project 'default'"):
        store.add_samples(
            DEFAULT_PROJECT, [Sample(make_hand(rng), "ok", "image"), Sample(make_body(rng), "ok", "image")]
        )
    with pytest.raises(StoreError, match="a hand sample cannot enter the body project 'poses'"):
        store.add_sample_stream(
            "poses", iter([Sample(make_body(rng), "t_pose", "image"), Sample(make_hand(rng), "t_pose", "csv")])
        )
    assert snapshot(store) == before and store.list_samples(DEFAULT_PROJECT) == store.list_samples("poses") == []


@pytest.mark.parametrize(
    "bad",
    [
        lambda b: replace(b, visibility=np.full(33, np.nan, np.float32)),
        lambda b: replace(b, visibility=np.full(33, 1.5, np.float32)),
    ],
)
def test_bad_visibility_is_refused(store: Store, rng: np.random.Generator, bad) -> None:
    store.create_project("poses", skeleton="body")
    store.add_class("poses", "t_pose")
    with pytest.raises(StoreError, match="visibility"):
        store.add_sample("poses", Sample(bad(make_body(rng)), "t_pose", "image"))
    assert store.list_samples("poses") == []


def test_body_projects_refuse_the_cpm_and_unknown_skeletons_are_named(store: Store) -> None:
    before = snapshot(store)
    with pytest.raises(StoreError, match="the CPM is a hand model"):
        store.create_project("poses", skeleton="body", backend="cpm")
    with pytest.raises(StoreError, match="unknown skeleton 'tail'"):
        store.create_project("tails", skeleton="tail")
    assert snapshot(store) == before

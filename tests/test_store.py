"""core.data.store: samples of any skeleton stored bit-exact, batches all or nothing, real MediaPipe hands."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import SHARED_DATA, shared_path
from storemaker import assert_same_hand, make_body, make_hand, snapshot

from core.data.store import NotFoundError, Sample, Store, StoreError
from core.gestures.catalog import DEFAULT_CLASSES, DEFAULT_PROJECT
from core.skeletons import BODY_33, HAND_21
from core.types import Keypoints


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(7)


@pytest.fixture
def store(database: str, data_dir: Path) -> Store:
    """conftest's store, on each database in turn (tests/pgcluster.py): the same tests hold on both."""
    created = Store(data_dir)
    created.ensure_project()
    return created


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


@pytest.mark.slow
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


@pytest.mark.slow
def test_real_mediapipe_bodies_round_trip(store: Store) -> None:
    from core.io.images import read_image
    from core.keypoints.pose import detect_people

    folder = SHARED_DATA / "body" / "yoga8" / "images"
    if not folder.is_dir():
        pytest.skip(f"shared yoga photos not found at {folder}")
    store.create_project("yoga", skeleton="body")
    store.add_class("yoga", "tree")
    bodies = [b for p in sorted((folder / "tree").glob("*.jpg"))[:3] for b in detect_people(read_image(p), False)]
    assert len(bodies) >= 2, f"MediaPipe Pose found only {len(bodies)} people in 3 photos"
    ids = store.add_samples("yoga", [Sample(b, "tree", "image") for b in bodies])
    for body, sid in zip(bodies, ids, strict=True):
        back = store.get_sample(sid).hand
        assert back.skeleton is BODY_33 and back.visibility.tobytes() == body.visibility.tobytes()
        assert_same_hand(body, back)


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

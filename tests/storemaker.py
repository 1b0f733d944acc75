"""Keypoints, checks and projects shared by the store's tests (test_database, test_projects, test_store) and the pages'."""

from __future__ import annotations

import sqlite3

import numpy as np

from core.data.sql.schema import INSERT_SAMPLE, MIGRATIONS, STORED_NOW
from core.data.store import Store
from core.skeletons import BODY_33
from core.types import Keypoints


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


def old_schema(conn: sqlite3.Connection, version: int) -> None:
    """Make ``conn``'s empty database the store as handteach wrote it at schema ``version`` (before later migrations)."""
    for steps in MIGRATIONS[:version]:
        for statement in steps:
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {int(version)}")


# ``INSERT_SAMPLE`` for a store made by ``old_schema`` before version 9 (its samples had no ``stored_at`` column)
INSERT_SAMPLE_BEFORE_9 = INSERT_SAMPLE.replace(", stored_at)", ")").replace(f", {STORED_NOW})", ")")


def handmade_project(data_dir, gestures: dict, seed: int = 0) -> Store:  # noqa: ANN001 - a Path
    """The default project of ``data_dir`` with tests/handmaker hands (no MediaPipe: quick Train pages): for each
    gesture name, (its finger points, or None for an open hand; how many samples), each hand's pixels jittered
    by 2 px (one generator across the gestures, in order)."""
    from handmaker import make_hand

    from core.data.store import Sample

    store = Store(data_dir)
    store.ensure_project()
    rng = np.random.default_rng(seed)
    for name, (points, n) in gestures.items():
        hands = [make_hand(points) for _ in range(n)]
        store.add_samples("default", [Sample(type(h)(h.pixel + rng.normal(0, 2.0, h.pixel.shape).astype(np.float32),
                                                     h.normalised, h.world, "Right", 0.9, (640, 480)), name, "image")
                                      for h in hands])  # fmt: skip
    return store

"""core.starter.claims: the starter rows a user's own samples override (conflicts and group claims)."""

from __future__ import annotations

import numpy as np
from sklearn.neighbors import NearestNeighbors

from core.gestures.features import FeatureConfig
from core.gestures.train_config import TrainConfig
from core.starter.claims import MAX_REACH, claims, class_distances, overridden_parts, reach
from core.starter.fit import StarterOptions

D3 = FeatureConfig(use_depth=True)


def _rows(centre: np.ndarray, n: int, spread: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (centre + rng.normal(0, spread, (n, D3.size))).astype(np.float32)


def test_class_distances_are_each_class_nearest_neighbour_with_mirror_images() -> None:
    rng = np.random.default_rng(0)
    points = rng.normal(0, 0.5, (60, D3.size)).astype(np.float32)
    labels = ["b", "a", "c"] * 20
    rows = rng.normal(0, 0.5, (500, D3.size)).astype(np.float32)
    distance, names = class_distances(points, labels, rows, D3)
    assert names == ["a", "b", "c"] and distance.shape == (500, 3)
    xy = points.reshape(60, 20, 3)[:, :, :2]
    for column, name in enumerate(names):
        own = xy[np.array(labels) == name]
        both = np.concatenate([own, own * np.array([-1.0, 1.0], np.float32)]).reshape(-1, 40)
        expected, _ = (
            NearestNeighbors(n_neighbors=1).fit(both).kneighbors(rows.reshape(500, 20, 3)[:, :, :2].reshape(500, 40))
        )
        np.testing.assert_allclose(distance[:, column], expected[:, 0], atol=2e-3)


def test_a_group_is_claimed_whole_when_a_share_of_it_lies_near_a_class() -> None:
    # column 0: one class's distances; group "near" has 3 of 10 rows within the radius, "far" none
    distance = np.array([[0.5]] * 3 + [[2.0]] * 7 + [[3.0]] * 10, np.float32)
    sources = ["near"] * 10 + ["far"] * 10
    rejection = np.ones(20, bool)
    drop = claims(distance, rejection, sources, radius=1.0, share=0.1)
    assert drop[:10].all() and not drop[10:].any()
    assert not claims(distance, rejection, sources, radius=1.0, share=0.5).any()  # 3 of 10 is under half
    labelled = rejection.copy()
    labelled[:10] = False  # rows of a model class are never "unknown" rows to claim
    assert not claims(distance, labelled, sources, radius=1.0, share=0.1)[:10].any()


def overridden_rows(*args, **kwargs) -> np.ndarray:
    """(S,) the starter rows a training leaves out: conflicting or claimed."""
    conflicting, claimed = overridden_parts(*args, **kwargs)
    return conflicting | claimed


def test_few_samples_claim_other_peoples_rows_of_their_gesture_a_large_import_does_not() -> None:
    centre = np.random.default_rng(3).normal(0, 0.4, D3.size).astype(np.float32)
    far = centre + 3.0
    starter_x = np.concatenate([_rows(centre, 50, 0.08, 4), _rows(far, 50, 0.08, 5)])
    starter_y = np.array(["other"] * 100)
    sources = ["hagrid/call"] * 50 + ["hagrid/rock"] * 50
    options = StarterOptions()
    few = _rows(centre, 10, 0.02, 6)
    drop = overridden_rows(few, np.array(["call"] * 10), starter_x, starter_y, sources, ["call", "wave"],
                           {"call": 10, "wave": 10}, D3, TrainConfig(), options, np.random.default_rng(0))  # fmt: skip
    assert drop[:50].all() and not drop[50:].any()
    many = _rows(centre, 100, 0.02, 7)
    drop = overridden_rows(many, np.array(["call"] * 100), starter_x, starter_y, sources, ["call", "wave"],
                           {"call": 100, "wave": 10}, D3, TrainConfig(), options, np.random.default_rng(0))  # fmt: skip
    assert not drop.any()  # over claim_max_samples: no claim; the rows are "unknown" rows, so no conflict either
    # rows labelled as another class right on the samples conflict whatever the count
    labelled = np.array(["fist"] * 50 + ["other"] * 50)
    on_them = np.concatenate([_rows(centre, 50, 0.01, 9), starter_x[50:]])
    drop = overridden_rows(many, np.array(["call"] * 100), on_them, labelled, sources, ["call", "fist"],
                           {"call": 100, "fist": 0}, D3, TrainConfig(), options, np.random.default_rng(0))  # fmt: skip
    assert drop[:50].mean() > 0.9 and not drop[50:].any()


def test_the_reach_is_augmented_copies_within_a_budget() -> None:
    x = _rows(np.zeros(D3.size, np.float32), 10, 0.1, 8)
    y = np.array(["a"] * 5 + ["b"] * 5)
    rx, ry = reach(x, y, D3, TrainConfig(), 8, np.random.default_rng(0))
    assert rx.shape == (90, D3.size) and list(ry[:10]) == list(y) and (ry == "a").sum() == 45
    big = np.zeros((MAX_REACH, D3.size), np.float32)
    rx, _ = reach(big, np.array(["a"] * MAX_REACH), D3, TrainConfig(), 8, np.random.default_rng(0))
    assert len(rx) == MAX_REACH  # a large import is its own reach

"""core.gestures.nearest: squared distances by matrix products against scipy's direct computation."""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import cdist

from core.gestures.nearest import squared_distances


def test_squared_distances_equal_the_direct_computation() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(7, 63)).astype(np.float32), rng.normal(size=(11, 63)).astype(np.float32)
    got = squared_distances(a, b)
    assert got.shape == (7, 11) and got.dtype == np.float32
    np.testing.assert_allclose(got, cdist(a, b, "sqeuclidean"), rtol=1e-4, atol=1e-3)


def test_a_row_against_itself_is_never_below_zero() -> None:
    rows = np.full((5, 63), 1e3, np.float32) + np.arange(5, dtype=np.float32)[:, None] * 1e-3
    got = squared_distances(rows, rows)
    assert (got >= 0).all() and np.isfinite(np.sqrt(got)).all()  # a square root of every one is a distance


def test_kept_norms_give_the_same_answer() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(6, 4))
    np.testing.assert_allclose(squared_distances(a, b, (b * b).sum(axis=1)), squared_distances(a, b))

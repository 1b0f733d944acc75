"""Squared distances between rows of features, by matrix products.

A nearest-neighbour search by scikit-learn's ``NearestNeighbors`` took 36 ms a call on the busy 2-core machine
(its OpenMP threads fighting the other jobs) against 0.03 ms here; the distances to thousands of examples run
on every Live frame (``core.gestures.familiarity``) and dozens of times a training (``core.starter.claims``,
``core.gestures.mirror_weights``).
"""

from __future__ import annotations

import numpy as np

from core.types import FloatArray


def squared_distances(a: FloatArray, b: FloatArray, b_squared: FloatArray | None = None) -> FloatArray:
    """(len(a), len(b)) squared Euclidean distances between the rows of (n, D) ``a`` and (m, D) ``b``, as
    |a|² + |b|² − 2 a·b, never below 0 (rounding makes it slightly negative for equal rows). ``b_squared``: b's
    (m,) squared norms, when the caller keeps them."""
    b_squared = (b * b).sum(axis=1) if b_squared is None else b_squared
    squared = (a * a).sum(axis=1)[:, None] - 2.0 * (a @ b.T) + b_squared[None, :]
    return np.maximum(squared, 0.0)

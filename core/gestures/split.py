"""The train/validation split of a user's samples: per class, with identical rows kept on one side.

One rule for ``core.gestures.training`` and ``core.starter.fit``. By hand because sklearn's
``train_test_split(stratify=)`` gives a class of 2-4 samples no validation row (or refuses a class
of one), and its ``GroupShuffleSplit`` does not stratify.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from core.types import FloatArray, IntArray


def stratified_split(
    y: npt.NDArray[np.str_],
    share: float,
    rng: np.random.Generator,
    min_val: int,
    x: FloatArray | None = None,
) -> tuple[IntArray, IntArray]:
    """(train, val) row indices, sorted: about ``share`` of each class to val, at least ``min_val``
    (0 or 1), never a class's last sample.

    With ``x`` (N, D), identical rows of a class go to the same side: a CSV that repeats rows (or
    rows drawn with replacement) would otherwise validate on rows it trains on, so the validation
    loss keeps falling and early stopping never ends. Without repeats the split is the same as
    without ``x``: the same random draws, the same rows.
    """
    train, val = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for name in sorted(set(y.tolist())):
        rows = rng.permutation(np.flatnonzero(y == name))
        # rank[i]: the place of row i's group among the groups, in order of first appearance in ``rows``
        rank = np.arange(len(rows))
        if x is not None and len(rows) > 1:
            _, first, group = np.unique(x[rows], axis=0, return_index=True, return_inverse=True)
            if len(first) > 1:  # a class of one repeated row keeps the row-wise split
                rank = np.argsort(np.argsort(first))[group.ravel()]
        groups = int(rank.max()) + 1
        k = min(max(min_val, round(share * groups)), groups - 1)
        val.append(rows[rank < k])
        train.append(rows[rank >= k])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(val))

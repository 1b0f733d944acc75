"""core.gestures.split: per-class shares, the minimum, and repeated rows kept on one side."""

from __future__ import annotations

import numpy as np

from core.gestures.split import stratified_split


def _labels(counts: dict[str, int]) -> np.ndarray:
    return np.array([name for name, n in counts.items() for _ in range(n)])


def test_shares_per_class_and_never_the_last_sample() -> None:
    y = _labels({"a": 10, "b": 3, "c": 1})
    train, val = stratified_split(y, 0.2, np.random.default_rng(0), min_val=1)
    assert sorted(np.concatenate([train, val]).tolist()) == list(range(len(y)))
    assert [int(np.sum(y[val] == c)) for c in "abc"] == [2, 1, 0]  # 2 of 10; b's minimum of one; c keeps its only row


def test_without_a_minimum_small_classes_keep_every_row() -> None:
    y = _labels({"a": 10, "b": 2})
    _, val = stratified_split(y, 0.2, np.random.default_rng(0), min_val=0)
    assert int(np.sum(y[val] == "b")) == 0 and int(np.sum(y[val] == "a")) == 2


def test_repeated_rows_never_straddle_the_split() -> None:
    rng = np.random.default_rng(1)
    distinct = rng.normal(size=(50, 6)).astype(np.float32)
    x = distinct[rng.integers(0, 50, 400)]  # 400 rows drawn with replacement from 50
    y = np.array(["a"] * 400)
    train, val = stratified_split(y, 0.2, np.random.default_rng(0), min_val=1, x=x)
    seen = {row.tobytes() for row in x[train]}
    assert val.size > 0 and not any(row.tobytes() in seen for row in x[val])
    groups_in_val = len({row.tobytes() for row in x[val]})
    assert groups_in_val == round(0.2 * len({row.tobytes() for row in x}))  # a fifth of the distinct rows
    # without x the same rows are split row by row, and repeats land on both sides
    train_rows, val_rows = stratified_split(y, 0.2, np.random.default_rng(0), min_val=1)
    assert any(row.tobytes() in {r.tobytes() for r in x[train_rows]} for row in x[val_rows])


def test_distinct_rows_split_as_without_x() -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=(60, 4)).astype(np.float32)
    y = _labels({"a": 25, "b": 35})
    with_x = stratified_split(y, 0.25, np.random.default_rng(5), min_val=1, x=x)
    without = stratified_split(y, 0.25, np.random.default_rng(5), min_val=1)
    assert all(np.array_equal(a, b) for a, b in zip(with_x, without, strict=True))


def test_a_class_of_one_repeated_row_still_validates() -> None:
    x = np.ones((6, 3), np.float32)
    y = np.array(["a"] * 6)
    train, val = stratified_split(y, 0.2, np.random.default_rng(0), min_val=1, x=x)
    assert len(val) == 1 and len(train) == 5  # nothing distinct to keep apart: row-wise as before

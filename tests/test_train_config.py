"""core.gestures.train_config: every number of a training run within its limits, checked before training."""

from __future__ import annotations

import re

import pytest

from core.gestures.train_config import INTEGER_FIELDS, TRAIN_LIMITS, TrainConfig, check_limit


@pytest.mark.parametrize(
    ("field", "value"),
    [("learning_rate", float("nan")), ("learning_rate", -1.0), ("learning_rate", float("inf")), ("epochs", 0),
     ("epochs", 2.5), ("epochs", True), ("dropout", 0.95), ("seed", -1), ("patience", 10**9), ("threshold", 1.5),
     ("weight_decay", "0.1"), ("batch_size", 0)],
)  # fmt: skip
def test_out_of_range_settings_are_refused_before_training(field: str, value: object) -> None:
    """Issue 19 item 4: ``train --lr nan`` and ``--lr -1`` trained and saved broken models."""
    low, high = TRAIN_LIMITS[field]
    span = re.escape(f"{low} to {high}" if isinstance(low, int) else f"{low:g} to {high:g}")
    with pytest.raises(ValueError, match=rf"{field} must be an? (integer|number) from {span}, got"):
        TrainConfig(**{field: value})
    TrainConfig(**{field: low})  # both ends are accepted
    TrainConfig(**{field: high})


def test_check_limit_names_what_it_checks() -> None:
    assert check_limit("epochs", 12) == 12
    with pytest.raises(ValueError, match=r"--lr must be a number from 1e-06 to 1, got nan"):
        check_limit("learning_rate", float("nan"), "--lr")
    with pytest.raises(ValueError, match="num_threads"):
        TrainConfig(num_threads=0)
    assert set(INTEGER_FIELDS) <= set(TRAIN_LIMITS)

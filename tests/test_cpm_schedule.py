"""The learning-rate schedule: warm-up, cosine decay, and the wall-time budget."""

from __future__ import annotations

import time

import pytest

from core.cpm.training.schedule import Schedule


def test_warm_up_then_cosine_down_to_two_percent() -> None:
    schedule = Schedule(total_steps=100, warmup=10)
    factors = []
    for _ in range(100):
        factors.append(schedule.factor())
        schedule.step()
    assert factors[0] == pytest.approx(0.1) and factors[9] == pytest.approx(1.0)
    assert all(a >= b for a, b in zip(factors[10:], factors[11:], strict=False))  # never rises after warm-up
    assert schedule.progress == 1.0 and schedule.factor() == pytest.approx(0.02)


def test_a_spent_time_budget_ends_the_run_early() -> None:
    schedule = Schedule(total_steps=1_000_000, warmup=0, budget_seconds=0.05)
    schedule.step()
    assert schedule.progress < 0.5
    time.sleep(0.06)
    schedule.step()
    assert schedule.progress == 1.0 and schedule.factor() == pytest.approx(0.02)


def test_a_resumed_run_starts_where_it_stopped() -> None:
    assert Schedule(total_steps=100, warmup=10, done_steps=50).progress == pytest.approx(0.5)

"""The learning-rate schedule of a training run that must end within a wall-time budget."""

from __future__ import annotations

import math
import time

from core.cpm.training import parallel


class Schedule:
    """Linear warm-up, then cosine decay to 2 % over the run's progress.

    Progress is the larger of steps done / steps planned and time spent / time budget,
    so a run slowed down by other work on the machine still anneals and ends in time.
    Parallel processes take the largest progress of them all, so they keep one learning
    rate and stop at the same step.
    """

    def __init__(self, total_steps: int, warmup: int, budget_seconds: float = 0.0, done_steps: int = 0) -> None:
        self.total, self.warmup, self.budget = total_steps, warmup, budget_seconds
        self.steps, self.started = done_steps, time.time()
        self.progress = min(1.0, done_steps / max(1, total_steps))

    def step(self) -> None:
        """Count one optimizer step and update ``progress`` (0..1)."""
        self.steps += 1
        by_time = (time.time() - self.started) / self.budget if self.budget else 0.0
        self.progress = parallel.max_across(min(1.0, max(self.steps / max(1, self.total), by_time)))

    def factor(self) -> float:
        if self.steps < self.warmup:
            return (self.steps + 1) / self.warmup
        return 0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * self.progress))

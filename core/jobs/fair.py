"""Which queued job runs next, and how many wait before a given one: the fairness rules, as pure functions.

One running job per owner; among owners with nothing running, first come first served, trainings (and other
jobs a student waits on) before the measuring and learning curves (``core.jobs.job.PRIORITY``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.jobs.job import PRIORITY


@dataclass(frozen=True)
class Waiting:
    job_id: str
    kind: str
    owner: str
    seq: int  # the order of submission

    @property
    def order(self) -> tuple[int, int]:
        return PRIORITY[self.kind], self.seq


def pick(queued: Iterable[Waiting], busy_owners: set[str]) -> Waiting | None:
    """The job to start on a free worker: the first in (priority, submission) order whose owner runs nothing."""
    free = [w for w in queued if w.owner not in busy_owners]
    return min(free, key=lambda w: w.order) if free else None


def dispatch_order(queued: Sequence[Waiting], busy_owners: set[str]) -> list[Waiting]:
    """Every queued job in the order ``pick`` would start them if each ran at once, owners staying busy with their
    running job until all those before have started (a good estimate of a place in the queue)."""
    left, busy, order = list(queued), set(busy_owners), []
    while left:
        nxt = pick(left, busy)
        if nxt is None:  # only busy owners' jobs left: they follow once their owners' jobs end, in order
            nxt, busy = min(left, key=lambda w: w.order), set()
        order.append(nxt)
        left.remove(nxt)
        busy.add(nxt.owner)
    return order


def wait_estimate(ahead: Sequence[float], running_left: Sequence[float], workers: int) -> float:
    """Seconds until a job starts, with ``ahead`` the expected run times of the jobs starting before it and
    ``running_left`` the seconds the running jobs have left, on ``workers`` workers (each takes the next job as
    it frees)."""
    free = sorted([max(0.0, s) for s in running_left] + [0.0] * max(0, workers - len(running_left)))[: max(1, workers)]
    for seconds in ahead:
        free[0] += seconds
        free.sort()
    return free[0]

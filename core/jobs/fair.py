"""Which queued job runs next, and how many wait before a given one: the fairness rules, as pure functions.

One running job per owner; trainings (and other jobs a student waits on) before the measuring and learning curves
(``core.jobs.job.PRIORITY``); among owners with nothing running, round robin: the owner whose last job started
longest ago goes first (one who never ran, first of all), then the oldest job. First come first served between
owners let one student's 20 tabs of trainings go before a classmate who pressed Train once (64.9 s of waiting for a
3 s training, issue 63); the runner also keeps one waiting job of each kind per owner (``waiting_of``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from core.jobs.job import PRIORITY


@dataclass(frozen=True)
class Waiting:
    job_id: str
    kind: str
    owner: str
    seq: int  # the order of submission

    def order(self, last_ran: Mapping[str, int]) -> tuple[int, int, int]:
        """(priority, when its owner's last job started: -1 never, its submission): lowest starts first."""
        return PRIORITY[self.kind], last_ran.get(self.owner, -1), self.seq


def pick(queued: Iterable[Waiting], busy_owners: set[str], last_ran: Mapping[str, int] | None = None) -> Waiting | None:
    """The job to start on a free worker: of the owners who run nothing, by priority, then the owner whose last job
    started least recently (``last_ran``: owner → a counter taken as each of their jobs started), then the oldest."""
    turns = last_ran or {}
    free = [w for w in queued if w.owner not in busy_owners]
    return min(free, key=lambda w: w.order(turns)) if free else None


def dispatch_order(queued: Sequence[Waiting], busy_owners: set[str],
                   last_ran: Mapping[str, int] | None = None) -> list[Waiting]:  # fmt: skip
    """Every queued job in the order ``pick`` would start them if each ran at once, owners staying busy with their
    running job until all those before have started (a good estimate of a place in the queue)."""
    left, busy, order, turns = list(queued), set(busy_owners), [], dict(last_ran or {})
    turn = max(turns.values(), default=0) + 1
    while left:
        nxt = pick(left, busy, turns)
        if nxt is None:  # only busy owners' jobs left: they follow once their owners' jobs end, by the same rules
            busy = set()
            nxt = pick(left, busy, turns)
            assert nxt is not None
        order.append(nxt)
        left.remove(nxt)
        busy.add(nxt.owner)
        turns[nxt.owner], turn = turn, turn + 1
    return order


def waiting_of(queued: Iterable[Waiting], owner: str, kind: str) -> Waiting | None:
    """The job of ``kind`` that ``owner`` has waiting already, if any: a second is refused (one waiting job of each
    kind per owner, so a student's 20 tabs hold one place in the queue, not 20)."""
    return next((w for w in queued if w.owner == owner and w.kind == kind), None)


def wait_estimate(ahead: Sequence[float], running_left: Sequence[float], workers: int) -> float:
    """Seconds until a job starts, with ``ahead`` the expected run times of the jobs starting before it and
    ``running_left`` the seconds the running jobs have left, on ``workers`` workers (each takes the next job as
    it frees)."""
    free = sorted([max(0.0, s) for s in running_left] + [0.0] * max(0, workers - len(running_left)))[: max(1, workers)]
    for seconds in ahead:
        free[0] += seconds
        free.sort()
    return free[0]

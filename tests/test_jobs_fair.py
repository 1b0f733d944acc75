"""The runner's fairness rules (core.jobs.fair) and what a request accepts: pure, no process started."""

from __future__ import annotations

import pytest

from core.jobs import fair, runner
from core.jobs.job import CURVE, MEASURE, TRAIN, JobRequest
from core.jobs.runner import WORKERS_ENV, default_workers, worker_threads


def w(job_id: str, kind: str, owner: str, seq: int) -> fair.Waiting:
    return fair.Waiting(job_id, kind, owner, seq)


def test_first_come_first_served_between_owners_one_running_each() -> None:
    queued = [w("a1", TRAIN, "ann", 0), w("b1", TRAIN, "bob", 1), w("a2", TRAIN, "ann", 2), w("c1", TRAIN, "cy", 3)]
    assert fair.pick(queued, set()).job_id == "a1"
    assert fair.pick(queued, {"ann"}).job_id == "b1"  # ann runs one already: bob is next, then cy
    assert fair.pick(queued, {"ann", "bob"}).job_id == "c1"
    assert fair.pick(queued, {"ann", "bob", "cy"}) is None
    order = [x.job_id for x in fair.dispatch_order(queued, {"ann"})]
    assert order == ["b1", "c1", "a1", "a2"]  # ann's second job waits behind everyone else's first


def test_round_robin_the_owner_who_ran_least_recently_goes_first() -> None:
    flood = [w(f"a{i}", TRAIN, "ann", i) for i in range(20)]  # ann's 20 tabs, queued before bob pressed Train
    queued = [*flood, w("b1", TRAIN, "bob", 20)]
    assert fair.pick(queued, set(), {"ann": 7}).job_id == "b1"  # ann's job just ended: bob, who never ran, is next
    assert fair.pick(queued, set(), {"ann": 7, "bob": 9}).job_id == "a0"  # bob ran since: ann's turn
    order = [x.job_id for x in fair.dispatch_order([*queued, w("c1", TRAIN, "cy", 21)], {"ann"}, {"ann": 3})]
    assert order[:3] == ["b1", "c1", "a0"]  # ann runs one already: everyone else's first job goes before her next
    measuring = [w("m", MEASURE, "bob", 30), w("t", TRAIN, "ann", 31)]
    assert fair.pick(measuring, set(), {"ann": 9}).job_id == "t"  # trainings still before measuring


def test_one_waiting_job_of_each_kind_per_owner() -> None:
    queued = [w("a1", TRAIN, "ann", 0), w("b1", MEASURE, "bob", 1)]
    assert fair.waiting_of(queued, "ann", TRAIN).job_id == "a1"  # a second training of ann's is refused
    assert fair.waiting_of(queued, "ann", MEASURE) is None  # another kind may wait beside it
    assert fair.waiting_of(queued, "bob", TRAIN) is None


def test_measuring_and_curves_yield_to_trainings() -> None:
    queued = [w("m", MEASURE, "ann", 0), w("c", CURVE, "bob", 1), w("t", TRAIN, "cy", 2)]
    assert fair.pick(queued, set()).job_id == "t"
    assert [x.job_id for x in fair.dispatch_order(queued, set())] == ["t", "m", "c"]


def test_wait_estimate_fills_the_worker_that_frees_first() -> None:
    assert fair.wait_estimate([], [], 3) == 0.0  # a free worker
    assert fair.wait_estimate([], [4.0, 9.0], 2) == 4.0
    assert fair.wait_estimate([10.0, 10.0], [4.0, 9.0], 2) == 14.0  # 4 → 14, 9 → 19: the third starts at 14
    assert fair.wait_estimate([5.0], [-3.0], 1) == 5.0  # a job past its expected time counts as ending now


def test_default_workers_from_cores_or_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(WORKERS_ENV, raising=False)
    assert default_workers() >= 1
    monkeypatch.setenv(WORKERS_ENV, "3")
    assert default_workers() == 3
    monkeypatch.setenv(WORKERS_ENV, "many")
    with pytest.raises(ValueError, match="HANDTEACH_JOB_WORKERS must be a whole number from 1 to 256, got 'many'"):
        default_workers()


def test_workers_share_the_cores_beside_the_web_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "usable_cores", lambda: 2)
    assert worker_threads(1) == 1  # the web process keeps its core
    monkeypatch.setattr(runner, "usable_cores", lambda: 16)
    assert (worker_threads(15), worker_threads(3), worker_threads(100)) == (1, 5, 1)


def test_a_request_names_a_known_kind() -> None:
    with pytest.raises(ValueError, match="unknown job kind 'bake'"):
        JobRequest("bake", "ann", print)

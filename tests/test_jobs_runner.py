"""The local job runner with real spawned worker processes (core.jobs.local): results, progress, fairness, the
queue's bound, cancels, a killed worker. Job functions are tests/jobfns.py's."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import jobfns
import pytest

from core.jobs.job import (
    EXTRACT,
    FINETUNE,
    IMPORT,
    MEASURE,
    SERVER_FULL,
    TIME_LIMIT,
    TRAIN,
    WORKER_DIED,
    JobRequest,
    JobState,
    JobStatus,
    OneWaitingError,
    ServerFullError,
    time_limit_line,
)
from core.jobs.local import LocalRunner, open_load
from core.jobs.procs import THREAD_VARIABLES
from core.jobs.runner import usable_cores, worker_threads

pytestmark = pytest.mark.slow  # starts worker processes (a second or so each)


@pytest.fixture
def make_runner() -> Iterator[Callable[..., LocalRunner]]:
    made: list[LocalRunner] = []

    def make(**kwargs: object) -> LocalRunner:
        made.append(LocalRunner(**kwargs))
        return made[-1]

    yield make
    for runner in made:
        runner.close()


def until(runner: LocalRunner, job_id: str, check: Callable[[JobStatus], bool], timeout: float = 30.0) -> JobStatus:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        status = runner.status(job_id)
        assert status is not None
        if check(status):
            return status
        time.sleep(0.02)
    raise AssertionError(f"{job_id} never got there: {runner.status(job_id)}")


def ended(runner: LocalRunner, job_id: str, timeout: float = 30.0) -> JobStatus:
    return until(runner, job_id, lambda s: s.ended, timeout)


def started_order(path: Path) -> list[str]:
    return [line.split()[0] for line in path.read_text().splitlines()]


def test_a_job_runs_in_another_process_with_progress(make_runner: Callable[..., LocalRunner]) -> None:
    runner = make_runner(workers=1)
    job = runner.submit(JobRequest(TRAIN, "ann", jobfns.steps, {"n": 5, "step_s": 0.2}))
    seen = until(runner, job, lambda s: s.state is JobState.RUNNING and s.done >= 1)
    assert seen.total == 5 and seen.detail["step"] == seen.done
    status = ended(runner, job)
    assert status.state is JobState.DONE and status.result["done"] == 5 and status.done == 5
    assert status.result["pid"] != os.getpid() and status.result["pid"] in runner.worker_pids()


def test_a_workers_torch_uses_its_share_of_the_cores_left_to_the_pool(make_runner: Callable[..., LocalRunner],
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    runner = make_runner(workers=1)
    job = runner.submit(JobRequest(TRAIN, "ann", jobfns.torch_threads, {}))
    assert ended(runner, job).result == worker_threads(1) == max(1, usable_cores() - 1)


def test_pressing_ten_times_is_one_job(make_runner: Callable[..., LocalRunner]) -> None:
    runner = make_runner(workers=1)
    ids = {runner.submit(JobRequest(TRAIN, "ann", jobfns.steps, {"n": 3}, key="hello")) for _ in range(10)}
    assert len(ids) == 1
    assert ended(runner, ids.pop()).state is JobState.DONE


def test_one_running_job_per_owner_and_one_waiting_of_each_kind(make_runner: Callable[..., LocalRunner],
                                                                 tmp_path: Path) -> None:  # fmt: skip
    runner, marks = make_runner(workers=2), tmp_path / "marks"

    def send(owner: str, key: str, kind: str = TRAIN) -> str:
        return runner.submit(JobRequest(kind, owner, jobfns.steps, {"n": 4, "mark": f"{marks}:{owner}-{key}"}, key=key))

    first = send("ann", "1")
    until(runner, first, lambda s: s.state is JobState.RUNNING and s.done >= 1)
    jobs = [first, send("ann", "2"), send("bob", "1")]
    with pytest.raises(OneWaitingError, match="^Another training of yours is waiting for its turn already"):
        send("ann", "3")  # her second tab's training waits already: a third is refused, nothing queued
    jobs.append(send("ann", "3", MEASURE))  # a job of another kind may wait beside it
    for job in jobs:
        assert ended(runner, job).state is JobState.DONE
    order = started_order(marks)
    assert order[:2] == ["ann-1", "bob-1"]  # two workers: bob did not wait behind ann's
    assert order[2:] == ["ann-2", "ann-3"]  # ann's jobs one at a time, trainings first


def test_a_flood_of_one_owner_lets_another_owner_go_next(make_runner: Callable[..., LocalRunner],
                                                         tmp_path: Path) -> None:  # fmt: skip
    runner, marks = make_runner(workers=1), tmp_path / "marks"

    def send(owner: str, kind: str, n: int = 3, key: str = "") -> str:
        mark = f"{marks}:{owner}-{kind}"
        return runner.submit(JobRequest(kind, owner, jobfns.steps, {"n": n, "step_s": 0.1, "mark": mark},
                                        key=key or kind))  # fmt: skip

    running = send("ann", TRAIN, n=10)
    until(runner, running, lambda s: s.state is JobState.RUNNING)
    flood = [send("ann", kind, key=f"{kind}-2") for kind in (IMPORT, EXTRACT, FINETUNE, TRAIN)]  # hers, queued first
    refused = 0
    for tab in range(20):  # her 20 tabs of trainings (20 projects): one waits, the others are refused in one line
        with pytest.raises(OneWaitingError):
            send("ann", TRAIN, key=f"project-{tab}")
        refused += 1
    bobs = send("bob", TRAIN)
    assert runner.status(bobs).ahead == 0  # he is next, and told so
    for job in [running, *flood, bobs]:
        assert ended(runner, job).state is JobState.DONE
    order = started_order(marks)
    assert order[:2] == ["ann-train", "bob-train"] and refused == 20  # bob's went right after the running one


def test_a_job_over_its_time_limit_is_stopped_with_its_line(make_runner: Callable[..., LocalRunner]) -> None:
    runner = make_runner(workers=1, cancel_grace_s=1.0)
    long = runner.submit(JobRequest(TRAIN, "ann", jobfns.steps, {"n": 600, "step_s": 0.05}, limit_s=1.0))
    status = ended(runner, long)
    assert status.state is JobState.FAILED and status.error_type == TIME_LIMIT
    assert status.error == time_limit_line(TRAIN, 1.0) == ("Your training was stopped after 1 s, your class's time "
                                                           "limit for one job: your previous model stays. Make it "
                                                           "smaller, or ask your teacher.")  # fmt: skip
    assert status.seconds < 5
    deaf = runner.submit(JobRequest(IMPORT, "bob", jobfns.stubborn, {"seconds": 60}, limit_s=1.0))
    status = ended(runner, deaf)  # it ignores the stop: its worker is ended after the grace
    assert status.state is JobState.FAILED and status.error == time_limit_line(IMPORT, 1.0) and status.seconds < 10
    after = runner.submit(JobRequest(TRAIN, "cy", jobfns.steps, {"n": 2}))
    assert ended(runner, after).state is JobState.DONE  # the worker was replaced


def test_measuring_yields_to_a_training_and_the_queue_says_so(make_runner: Callable[..., LocalRunner],
                                                              tmp_path: Path) -> None:  # fmt: skip
    runner, marks = make_runner(workers=1), tmp_path / "marks"
    first = runner.submit(JobRequest(TRAIN, "cy", jobfns.steps, {"n": 10, "mark": f"{marks}:cy"}))
    until(runner, first, lambda s: s.state is JobState.RUNNING)
    measuring = runner.submit(JobRequest(MEASURE, "ann", jobfns.steps, {"n": 2, "mark": f"{marks}:ann-measure"}))
    training = runner.submit(JobRequest(TRAIN, "bob", jobfns.steps, {"n": 2, "mark": f"{marks}:bob-train"}))
    assert runner.status(training).ahead == 0 and runner.status(measuring).ahead == 1
    assert runner.status(measuring).wait_s > runner.status(training).wait_s > 0
    for job in (first, measuring, training):
        ended(runner, job)
    assert started_order(marks) == ["cy", "bob-train", "ann-measure"]


def test_a_full_queue_refuses_in_words_and_loses_nothing(make_runner: Callable[..., LocalRunner]) -> None:
    runner = make_runner(workers=1, max_queued=3)
    running = runner.submit(JobRequest(TRAIN, "x", jobfns.steps, {"n": 10}))
    until(runner, running, lambda s: s.state is JobState.RUNNING)
    queued = [runner.submit(JobRequest(TRAIN, f"s{i}", jobfns.steps, {"n": 1})) for i in range(3)]
    with pytest.raises(ServerFullError, match=SERVER_FULL):
        runner.submit(JobRequest(TRAIN, "late", jobfns.steps, {"n": 1}))
    assert all(ended(runner, job).state is JobState.DONE for job in [running, *queued])


def test_a_cancel_frees_the_owners_slot_at_once(make_runner: Callable[..., LocalRunner]) -> None:
    runner = make_runner(workers=2)
    long = runner.submit(JobRequest(TRAIN, "ann", jobfns.steps, {"n": 200, "step_s": 0.05}, key="a"))
    until(runner, long, lambda s: s.state is JobState.RUNNING and s.done >= 1)
    queued_behind = runner.submit(JobRequest(TRAIN, "ann", jobfns.steps, {"n": 2}, key="b"))
    queued_other = runner.submit(JobRequest(MEASURE, "ann", jobfns.steps, {"n": 2}, key="c"))
    time.sleep(0.5)
    assert runner.status(queued_behind).state is JobState.QUEUED  # a worker is free, but ann runs one already
    runner.cancel(queued_other)
    assert runner.status(queued_other).state is JobState.CANCELLED  # dropped from the queue at once
    runner.cancel(long)
    assert ended(runner, queued_behind, timeout=10).state is JobState.DONE
    stopped = ended(runner, long)
    assert stopped.state is JobState.CANCELLED and stopped.result["done"] < 200  # it stopped between steps


def test_a_job_that_ignores_its_cancel_loses_its_worker(make_runner: Callable[..., LocalRunner]) -> None:
    runner = make_runner(workers=1, cancel_grace_s=1.0)
    job = runner.submit(JobRequest(TRAIN, "ann", jobfns.stubborn, {"seconds": 60}))
    until(runner, job, lambda s: s.state is JobState.RUNNING)
    time.sleep(0.5)
    runner.cancel(job)
    assert ended(runner, job, timeout=10).state is JobState.CANCELLED
    after = runner.submit(JobRequest(TRAIN, "bob", jobfns.steps, {"n": 1}))
    assert ended(runner, after).state is JobState.DONE


def test_a_killed_worker_fails_its_job_in_one_line_and_is_replaced(make_runner: Callable[..., LocalRunner]) -> None:
    runner = make_runner(workers=2)
    doomed = runner.submit(JobRequest(TRAIN, "ann", jobfns.steps, {"n": 400, "step_s": 0.05}))
    other = runner.submit(JobRequest(TRAIN, "bob", jobfns.steps, {"n": 40, "step_s": 0.05}))
    until(runner, doomed, lambda s: s.done >= 1)
    until(runner, other, lambda s: s.done >= 1)
    assert len(runner.worker_pids()) == 2
    os.kill(_worker_of(runner, doomed), signal.SIGKILL)  # as the kernel's out-of-memory killer does
    status = ended(runner, doomed, timeout=10)
    assert status.state is JobState.FAILED and status.error == WORKER_DIED and "\n" not in status.error
    assert ended(runner, other).state is JobState.DONE  # bob's training, on the other worker, went on
    again = runner.submit(JobRequest(TRAIN, "ann", jobfns.steps, {"n": 2}))  # ann presses again: a new worker
    assert ended(runner, again).state is JobState.DONE


def _worker_of(runner: LocalRunner, job_id: str) -> int:
    with runner._lock:  # the test reads which process runs the job, to kill that one
        return next(w.process.pid for w in runner._pool if w.job == job_id)


def test_a_failing_job_says_why_and_its_worker_lives_on(make_runner: Callable[..., LocalRunner]) -> None:
    runner = make_runner(workers=1)
    first = runner.submit(JobRequest(TRAIN, "ann", jobfns.steps, {"n": 1}))
    pid = ended(runner, first).result["pid"]
    failed = ended(runner, runner.submit(JobRequest(TRAIN, "ann", jobfns.fails, {"message": "no samples"})))
    assert (failed.state, failed.error, failed.error_type) == (JobState.FAILED, "no samples", "ValueError")
    bad = ended(runner, runner.submit(JobRequest(TRAIN, "bob", jobfns.unpicklable)))
    assert bad.state is JobState.FAILED and "could not be sent back" in bad.error
    assert ended(runner, runner.submit(JobRequest(TRAIN, "cy", jobfns.steps, {"n": 1}))).result["pid"] == pid


def test_a_tab_that_went_cancels_its_jobs(make_runner: Callable[..., LocalRunner]) -> None:
    gone: set[str] = set()
    runner = make_runner(workers=1, session_alive=lambda session: session not in gone)
    running = runner.submit(JobRequest(TRAIN, "ann", jobfns.steps, {"n": 400, "step_s": 0.05}, session="tab-a"))
    queued = runner.submit(JobRequest(MEASURE, "ann", jobfns.steps, {"n": 1}, session="tab-a"))
    kept = runner.submit(JobRequest(TRAIN, "bob", jobfns.steps, {"n": 1}, session="tab-b"))
    until(runner, running, lambda s: s.done >= 1)
    gone.add("tab-a")
    assert ended(runner, running, timeout=10).state is JobState.CANCELLED
    assert runner.status(queued).state is JobState.CANCELLED
    assert ended(runner, kept).state is JobState.DONE


def test_a_running_measuring_yields_its_worker_to_a_training(make_runner: Callable[..., LocalRunner],
                                                             tmp_path: Path) -> None:  # fmt: skip
    runner, marks = make_runner(workers=1), tmp_path / "marks"
    measuring = runner.submit(JobRequest(MEASURE, "ann", jobfns.steps, {"n": 40, "step_s": 0.05,
                                                                        "mark": f"{marks}:ann-measure"}))  # fmt: skip
    until(runner, measuring, lambda s: s.done >= 2)
    training = runner.submit(JobRequest(TRAIN, "bob", jobfns.steps, {"n": 2, "mark": f"{marks}:bob-train"}))
    until(runner, measuring, lambda s: s.state is JobState.QUEUED, timeout=10)  # it stopped, back in the queue
    assert ended(runner, training).state is JobState.DONE
    done = ended(runner, measuring)
    assert done.state is JobState.DONE and done.result["done"] == 40  # measured again, whole
    assert started_order(marks) == ["ann-measure", "bob-train", "ann-measure"]


def test_a_worker_never_runs_the_servers_main_script(make_runner: Callable[..., LocalRunner], tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Streamlit puts the page's script in ``sys.modules['__main__']`` while it runs; a multiprocessing spawn
    started then re-ran ``app.py`` in the worker (Streamlit's 'use streamlit run' warnings in the server's log)."""
    import types

    marker, script = tmp_path / "ran", tmp_path / "page.py"
    script.write_text(f"from pathlib import Path\nPath({str(marker)!r}).write_text('the page ran')\n")
    page = types.ModuleType("__main__")
    page.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", page)
    runner = make_runner(workers=1)
    assert ended(runner, runner.submit(JobRequest(TRAIN, "ann", jobfns.steps, {"n": 1}))).state is JobState.DONE
    assert not marker.exists()


def test_warm_starts_every_worker_before_any_job(make_runner: Callable[..., LocalRunner]) -> None:
    runner = make_runner(workers=2)
    assert runner.worker_pids() == []  # lazily, without warm
    runner.warm()
    runner.warm()  # a second page: no more workers
    pids = runner.worker_pids()
    assert len(pids) == 2
    job = runner.submit(JobRequest(TRAIN, "ann", jobfns.steps, {"n": 1}))
    assert ended(runner, job).result["pid"] in pids


def test_load_says_the_pools_running_and_waiting_jobs_by_kind(make_runner: Callable[..., LocalRunner]) -> None:
    others = open_load()  # pools other tests of this process left open (a page's), counted with this one below
    runner = make_runner(workers=1)
    empty = runner.load()
    assert (empty.size, empty.running, empty.waiting, empty.oldest_wait_s) == (1, {}, {}, None)
    long = runner.submit(JobRequest(TRAIN, "ann", jobfns.steps, {"n": 200, "step_s": 0.05}))
    until(runner, long, lambda s: s.state is JobState.RUNNING)
    waiting = [runner.submit(JobRequest(kind, who, jobfns.steps, {"n": 1})) for kind, who in
               ((TRAIN, "ben"), (IMPORT, "cy"), (TRAIN, "dee"))]  # fmt: skip
    load = runner.load()
    assert (load.workers, load.running, load.waiting) == (1, {TRAIN: 1}, {TRAIN: 2, IMPORT: 1})
    assert load.oldest_wait_s is not None and load.oldest_wait_s >= 0
    together = open_load()  # what this process's heartbeat reports (core.site)
    assert together is not None and together.size == 1 + (others.size if others else 0)
    assert together.waiting[IMPORT] == 1 + (others.waiting.get(IMPORT, 0) if others else 0)
    runner.cancel(waiting[1])
    runner.cancel(long)  # asked to stop: no longer counted as running, though its worker has not answered yet
    load = runner.load()
    assert (load.running, load.waiting) == ({}, {TRAIN: 2})
    for job in waiting:
        ended(runner, job)
    assert runner.load().waiting == {}
    runner.close()
    after = open_load()  # a closed pool is no longer reported
    assert (after.size if after else 0) == (others.size if others else 0)

"""One contract, both job runners: the local process pool (``core.jobs.local``) and the queue on PostgreSQL
(``core.jobs.queue``, its workers started as ``python -m core jobs worker`` would be). Each scenario runs against
each: a result with progress on the way, *Stop* within a second, one running job per owner, a second waiting job
of a kind refused, a killed worker failing only its own job. Job functions are tests/jobfns.py's; each test has
owners of its own, so the module's runners (and the queue's two worker processes) serve every test."""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jobfns
import pytest

from core.jobs.job import (
    CURVE,
    EXTRACT,
    FINETUNE,
    IMPORT,
    MEASURE,
    TRAIN,
    WORKER_DIED,
    JobRequest,
    JobState,
    JobStatus,
    OneWaitingError,
)
from core.jobs.local import LocalRunner
from core.jobs.queue import QueueRunner

# every test here took 0.3 s or more: all wait for the full suite (the quick tier is a minute)
pytestmark = pytest.mark.slow

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
_owners = itertools.count()


def start_queue_workers(url: str, data: Path, workers: int = 2, preload: bool = False,
                        pythonpath: Path = ROOT) -> subprocess.Popen:  # fmt: skip
    """``python -m core jobs worker --data DATA`` on ``url``, with quick heartbeats (a dead worker is noticed in about
    1 s); ``preload``: torch and the store before the first job, as by default. Its version is its code's, as on a
    site: this checkout's, or ``pythonpath``'s (``other_checkout``: a worker of other code)."""
    env = {**os.environ, "HANDTEACH_DATABASE_URL": url, "PYTHONPATH": os.pathsep.join([str(TESTS), str(pythonpath)])}
    command = [sys.executable, "-m", "core", "jobs", "worker", "--data", str(data), "--workers", str(workers),
               "--allow-module", "jobfns", "--heartbeat-s", "0.25", "--stalled-s", "1", "--cancel-grace-s", "1"]  # fmt: skip
    command += [] if preload else ["--preload", ""]
    return subprocess.Popen(command, env=env, cwd=pythonpath)


def other_checkout(folder: Path) -> Path:
    """A copy of this checkout's ``core`` in ``folder`` with one file changed (an older or patched release): its
    workers are of another version."""
    shutil.copytree(ROOT / "core", folder / "core", ignore=shutil.ignore_patterns("__pycache__"))
    tasks = folder / "core" / "jobs" / "tasks.py"
    tasks.write_text(tasks.read_text() + "\n# another release\n")
    return folder


def stop_queue_workers(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


@pytest.fixture(scope="module")
def queue_url(pg_cluster: Any) -> str:  # noqa: ANN401 - tests/pgcluster.py's PgCluster
    """The session's store database: the queue keeps to a schema of its own there, which the store's tests,
    emptying the store's tables before each, never touch."""
    return str(pg_cluster.store_url)


@pytest.fixture(scope="module", params=["local", "queue"])
def runner(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if request.param == "local":
        local = LocalRunner(workers=2, cancel_grace_s=1.0)
        local.warm()  # both workers now, as the queue's are
        yield local
        local.close()
        return
    url = request.getfixturevalue("queue_url")
    queue = QueueRunner(url)
    process = start_queue_workers(url, tmp_path_factory.mktemp("worker-data"))
    try:
        yield queue
    finally:
        queue.close()
        stop_queue_workers(process)


def owner(name: str) -> str:
    return f"{name}-c{next(_owners)}"  # apart from other modules' owners: the queue's turns outlive a test


def until(runner: Any, job_id: str, check: Callable[[JobStatus], bool], timeout: float = 30.0) -> JobStatus:  # noqa: ANN401
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        status = runner.status(job_id)
        assert status is not None
        if check(status):
            return status
        time.sleep(0.01)
    raise AssertionError(f"{job_id} never got there: {runner.status(job_id)}")


def ended(runner: Any, job_id: str, timeout: float = 30.0) -> JobStatus:  # noqa: ANN401
    return until(runner, job_id, lambda s: s.ended, timeout)


def steps(who: str, n: int, step_s: float = 0.05, key: str = "", kind: str = TRAIN, mark: str = "") -> JobRequest:
    return JobRequest(kind, who, jobfns.steps, {"n": n, "step_s": step_s, "mark": mark}, key=key)


def test_a_job_reports_progress_then_its_result(runner: Any) -> None:  # noqa: ANN401
    ann = owner("ann")
    job = runner.submit(steps(ann, 5, 0.1))
    seen = until(runner, job, lambda s: s.state is JobState.RUNNING and s.done >= 1)
    assert seen.total == 5 and seen.detail == {"step": seen.done} and seen.owner == ann and seen.kind == TRAIN
    status = ended(runner, job)
    assert status.state is JobState.DONE and status.done == 5 and status.result["done"] == 5
    assert status.result["pid"] != os.getpid()  # it ran in a worker process


def test_stop_ends_a_running_job_within_a_second(runner: Any) -> None:  # noqa: ANN401
    ann = owner("ann")
    job = runner.submit(steps(ann, 600, 0.05))
    until(runner, job, lambda s: s.state is JobState.RUNNING and s.done >= 1)
    asked = time.monotonic()
    runner.cancel(job)
    status = ended(runner, job)
    took = time.monotonic() - asked
    assert status.state is JobState.CANCELLED and took < 1.0, took
    assert status.result["done"] < 600  # it stopped between its steps
    assert ended(runner, runner.submit(steps(ann, 2, key="again"))).state is JobState.DONE  # her next one runs


def test_one_running_job_per_owner(runner: Any, tmp_path: Path) -> None:  # noqa: ANN401
    ann, bob, marks = owner("ann"), owner("bob"), tmp_path / "marks"
    first = runner.submit(steps(ann, 600, key="1", mark=f"{marks}:ann-1"))  # 30 s unless stopped
    # its first step done, so its mark is written: running alone could be said before the worker's first line ran
    until(runner, first, lambda s: s.state is JobState.RUNNING and s.done >= 1)
    second = runner.submit(steps(ann, 2, key="2", mark=f"{marks}:ann-2"))
    bobs = runner.submit(steps(bob, 2, mark=f"{marks}:bob-1"))
    assert ended(runner, bobs).state is JobState.DONE  # two workers: bob did not wait behind ann
    assert runner.status(first).state is JobState.RUNNING and runner.status(second).state is JobState.QUEUED
    runner.cancel(first)
    assert ended(runner, second).state is JobState.DONE  # hers once her first one stopped
    started = dict(line.split() for line in marks.read_text().splitlines())
    assert list(started) == ["ann-1", "bob-1", "ann-2"]


def test_a_second_waiting_job_of_a_kind_is_refused(runner: Any) -> None:  # noqa: ANN401
    ann = owner("ann")
    running = runner.submit(steps(ann, 200, key="1"))
    until(runner, running, lambda s: s.state is JobState.RUNNING)
    waiting = runner.submit(steps(ann, 2, key="2"))
    assert runner.submit(steps(ann, 2, key="2")) == waiting  # pressing again is the same job
    with pytest.raises(OneWaitingError, match="^Another training of yours is waiting for its turn already"):
        runner.submit(steps(ann, 2, key="3"))
    measuring = runner.submit(steps(ann, 2, kind=MEASURE))  # a job of another kind may wait beside it
    assert runner.status(waiting).state is JobState.QUEUED
    assert runner.cancel_owner(ann) == 3
    for job in (running, waiting, measuring):
        assert ended(runner, job).state is JobState.CANCELLED


def test_a_killed_worker_fails_only_its_own_job(runner: Any, tmp_path: Path) -> None:  # noqa: ANN401
    ann, bob, there = owner("ann"), owner("bob"), tmp_path / "pid"
    doomed = runner.submit(JobRequest(TRAIN, ann, jobfns.paused_file, {"there": str(there), "result": "csv"}))
    pid = jobfns.there_pid(there, timeout=30)
    other = runner.submit(steps(bob, 40, 0.05))
    until(runner, other, lambda s: s.state is JobState.RUNNING)
    os.kill(pid, signal.SIGKILL)  # as the kernel's out-of-memory killer does
    status = ended(runner, doomed, timeout=15)
    assert status.state is JobState.FAILED and status.error == WORKER_DIED and status.error_type == "WorkerDied"
    assert ended(runner, other).state is JobState.DONE  # bob's, on the other worker, went on
    after = ended(runner, runner.submit(steps(ann, 2, key="again")))
    assert after.state is JobState.DONE and after.result["pid"] != pid  # a new worker took over


def test_one_owners_flood_does_not_go_before_anothers_training(runner: Any, tmp_path: Path) -> None:  # noqa: ANN401
    """A student's script sends job after job of every kind; a classmate's one training starts before all of the
    script's waiting jobs, in both runners (round robin between owners)."""
    flood, ben, busy, marks = owner("flood"), owner("ben"), owner("busy"), tmp_path / "marks"
    blocker = runner.submit(steps(busy, 600, key="b"))  # holds one of the two workers
    first = runner.submit(steps(flood, 600, key="0"))  # holds the other
    for job in (blocker, first):
        until(runner, job, lambda s: s.state is JobState.RUNNING)
    waiting, refused = [], 0
    for i in range(1, 31):  # each kind in turn, on a new project each time
        kind = (TRAIN, FINETUNE, IMPORT, EXTRACT, MEASURE, CURVE)[i % 6]
        try:
            waiting.append(runner.submit(steps(flood, 2, key=str(i), kind=kind, mark=f"{marks}:flood-{i}")))
        except OneWaitingError:
            refused += 1
    assert len(waiting) == 6 and refused == 24  # one waiting job of each kind: six places in the queue, not thirty
    bens = runner.submit(steps(ben, 2, mark=f"{marks}:ben"))
    place = until(runner, bens, lambda s: s.state is JobState.QUEUED)
    assert place.ahead == 0 and place.wait_s is not None  # "Waiting: your training is next, about N s."
    assert all(runner.status(job).ahead > 0 for job in waiting)
    runner.cancel(first)  # a worker frees: ben, who has not run yet, goes before the script's next job
    for job in (bens, *waiting):
        assert ended(runner, job).state is JobState.DONE
    runner.cancel(blocker)
    started = [line.split()[0] for line in marks.read_text().splitlines()]
    assert started[0] == "ben" and len(started) == 7, started

"""The queue runner's own promises (core.jobs.queue, core.jobs.queue_worker) on the session's PostgreSQL: the bound of
waiting jobs, a worker refusing a job of another version or of a module it does not run, a wrong URL in one line,
and the real job functions (a training, then its measuring) run by a queue worker. The scenarios both runners keep
are tests/test_jobs_contract.py's; here a worker runs in the test's own process until the queue is empty
(``serve(wait=False)``), so no process starts."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jobfns
import pytest

from core.jobs import wire
from core.jobs.job import SERVER_FULL, TRAIN, JobRequest, JobState, ServerFullError, other_version_line
from core.jobs.queue import QueueRunner
from core.jobs.queue_db import QUEUE, TASK, QueueError, jobs_version
from core.jobs.queue_worker import WorkerConfig, serve

_owners = itertools.count()


@pytest.fixture
def queue(pg_cluster: Any) -> Iterator[QueueRunner]:  # noqa: ANN401 - tests/pgcluster.py's PgCluster
    runner = QueueRunner(str(pg_cluster.store_url))
    yield runner
    runner.close()


def drain(url: str, allowed: tuple[str, ...] = (*wire.TASK_MODULES, "jobfns")) -> None:
    """A queue worker in this process, running every job waiting until none is left."""
    asyncio.run(serve(WorkerConfig(url, allowed), wait=False))


def test_past_its_bound_the_queue_says_the_server_is_full(pg_cluster: Any) -> None:  # noqa: ANN401
    runner = QueueRunner(str(pg_cluster.store_url), max_queued=2)
    try:
        owners = [f"full-{next(_owners)}" for _ in range(3)]
        for who in owners[:2]:
            runner.submit(JobRequest(TRAIN, who, jobfns.steps, {"n": 1}))
        with pytest.raises(ServerFullError, match=f"^{SERVER_FULL}$"):
            runner.submit(JobRequest(TRAIN, owners[2], jobfns.steps, {"n": 1}))
        assert sum(runner.cancel_owner(who) for who in owners) == 2  # nothing of the third was queued
    finally:
        runner.close()


def test_a_worker_refuses_a_job_of_another_version_in_one_line(queue: QueueRunner) -> None:
    number = queue._app.configure_task(TASK, queue=QUEUE).defer(
        fn="jobfns:steps", kwargs={}, meta={"v": 999, "kind": TRAIN, "owner": f"old-{next(_owners)}"}
    )
    drain(queue.url)
    status = queue.status(f"{TRAIN}-{number}")
    assert status is not None and status.state is JobState.FAILED and status.error_type == "WorkerVersion"
    assert status.error == other_version_line(jobs_version(), "999") and "\n" not in status.error


def test_a_worker_runs_no_function_outside_its_modules(queue: QueueRunner) -> None:
    job = queue.submit(JobRequest(TRAIN, f"ann-{next(_owners)}", jobfns.steps, {"n": 1}))
    drain(queue.url, allowed=wire.TASK_MODULES)  # a worker started without --allow-module jobfns
    status = queue.status(job)
    assert status is not None and status.state is JobState.FAILED
    assert status.error == "this worker does not run jobs of 'jobfns:steps'"


def test_arguments_that_cannot_travel_as_json_are_refused_when_sent(queue: QueueRunner) -> None:
    with pytest.raises(wire.WireError, match="^a function cannot travel as JSON"):
        queue.submit(JobRequest(TRAIN, f"ann-{next(_owners)}", jobfns.steps, {"n": lambda: 1}))
    with pytest.raises(wire.WireError, match="must be a module-level function"):
        queue.submit(JobRequest(TRAIN, f"ann-{next(_owners)}", lambda context: None))


def test_a_wrong_database_url_is_one_line_without_its_password() -> None:
    with pytest.raises(QueueError) as caught:
        QueueRunner("postgresql://teacher:s3cret@127.0.0.1:1/school")
    message = str(caught.value)
    assert message.startswith("cannot reach the job queue's database postgresql://teacher@127.0.0.1:1/school: ")
    assert "s3cret" not in message and "\n" not in message


@pytest.mark.extended  # torch and two trainings: seconds
def test_a_training_and_its_measuring_run_on_a_queue_worker(pg_url: str, tmp_path: Path) -> None:
    from handmaker import pointing_hand
    from storemaker import handmade_project

    from core.gestures.classifier import GestureClassifier
    from core.gestures.training import TrainConfig
    from core.jobs import tasks
    from core.jobs.job import MEASURE

    handmade_project(tmp_path, {"pointing_right": (pointing_hand(180.0), 12), "open_palm": (None, 12)})
    runner, who, config = QueueRunner(pg_url), f"ann-{next(_owners)}", TrainConfig(epochs=40)
    try:
        job = runner.submit(JobRequest(TRAIN, who, tasks.train, {"data_dir": str(tmp_path), "project": "default",
                                                                 "config": config}))  # fmt: skip
        drain(pg_url)
        done = runner.status(job)
        assert done is not None and done.state is JobState.DONE, done
        trained = done.result
        assert isinstance(trained, tasks.Trained) and isinstance(trained.result.classifier, GestureClassifier)
        assert trained.dataset.labels.count("open_palm") == 12 and done.total == len(trained.result.history)
        kwargs = {"data_dir": str(tmp_path), "project": "default", "config": config, "dataset": trained.dataset,
                  "result": trained.result}  # fmt: skip
        measuring = runner.submit(JobRequest(MEASURE, who, tasks.measure, kwargs))
        drain(pg_url)
        measured = runner.status(measuring)
        assert measured is not None and measured.state is JobState.DONE, measured
        assert measured.result.recorded and measured.result.crossval.figure.total == 24
    finally:
        runner.close()

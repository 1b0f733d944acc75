"""The pages on the job queue (issue 65): with the store on PostgreSQL (``HANDTEACH_DATABASE_URL``), the server's runner
is the queue (``ui.jobs.pool.runner``), and a real ``python -m core jobs worker`` with a data folder of its own runs
what the Train page sends: the training's passes reach the page as it runs, *Stop* stops it, the next one trains and
measures, and the model the worker saved is the app server's too. A worker of other code leaves the training
waiting, and the page says in one line that no computer is ready to run it yet."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest
from test_app_pages import _synthetic_project, app, button
from test_jobs_contract import other_checkout, start_queue_workers, stop_queue_workers

from core.data.project import model_dir
from core.data.store import Store
from core.jobs.job import JobState
from core.jobs.queue import QueueRunner
from ui.jobs import pool

pytestmark = pytest.mark.slow  # a worker process with torch, and trainings: seconds


@pytest.fixture
def queue_runner(pg_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[QueueRunner]:
    """This process's runner, made afresh by the pages' own rule (the store is on PostgreSQL: the queue)."""
    monkeypatch.setattr(pool, "_runner", [])
    made = pool.runner()
    assert isinstance(made, QueueRunner) and pool.runner() is made
    yield made
    made.close()


@pytest.fixture
def worker_data(tmp_path: Path) -> Path:
    return tmp_path / "worker" / "data"


def started_worker(pg_cluster: Any, worker_data: Path, other_code: Path | None = None) -> subprocess.Popen:  # noqa: ANN401
    """One worker process of this checkout (torch preloaded), or of ``other_code`` (``other_checkout``)."""
    if other_code is None:
        return start_queue_workers(str(pg_cluster.store_url), worker_data, workers=1, preload=True)
    return start_queue_workers(str(pg_cluster.store_url), worker_data, workers=1, pythonpath=other_code)


def progress_texts(at: AppTest) -> list[str]:
    return [p.proto.text for p in at.get("progress")]


def until(check: Any, timeout: float = 120.0) -> None:  # noqa: ANN401
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "never got there"
        time.sleep(0.05)


def test_the_train_page_trains_on_a_queue_worker_and_stop_stops_it(
    pg_cluster: Any, data_dir: Path, worker_data: Path, queue_runner: QueueRunner  # noqa: ANN401
) -> None:  # fmt: skip
    _synthetic_project(data_dir)
    worker = started_worker(pg_cluster, worker_data)
    try:
        at = app("train")
        at.toggle(key="train_starter").set_value(False)
        at.number_input(key="train_epochs").set_value(3000)
        at.select_slider(key="train_lr").set_value(1e-4)  # slow to converge: still training when Stop is pressed
        button(at, "🧠 Start training").click()
        at.run()
        run = at.session_state["train_run"]
        until(lambda: len(run.snapshot().history) >= 2)  # the worker's passes, read from the queue's database
        at.run()
        assert any(t.startswith("Training: practice ") for t in progress_texts(at)), progress_texts(at)
        at.button(key="train_stop").click()
        at.run()
        assert run.wait(30) and run.snapshot().cancelled
        stopped = queue_runner.status(run._job)
        assert stopped.state is JobState.CANCELLED and stopped.done < 3000
        assert not (model_dir(Store(data_dir), "default") / "model.json").exists()  # nothing kept unless asked
        at.run()  # the page drawn since the training stopped: Start is no longer greyed out

        at.number_input(key="train_epochs").set_value(60)
        at.select_slider(key="train_lr").set_value(1e-2)
        button(at, "🧠 Start training").click()  # her next training: her turn was freed by Stop
        at.run()
        run = at.session_state["train_run"]
        assert run.wait(180)
        at.run()
        snapshot = run.snapshot()
        assert snapshot.saved and snapshot.history and not snapshot.error, snapshot.error
        assert snapshot.measuring is not None and snapshot.measuring.crossval is not None  # measured on the worker too
        assert any("practices with your samples" in t for t in progress_texts(at)), progress_texts(at)
        assert not at.exception and not at.error
        assert (model_dir(Store(data_dir), "default") / "model.json").exists()  # the app server has the worker's model
        assert list(worker_data.rglob("model.json"))  # the worker wrote into its own data folder, not the app's
    finally:
        stop_queue_workers(worker)


# extended: a worker of other code: test_jobs_queue covers a worker refusing another version's job
@pytest.mark.extended
def test_a_worker_of_other_code_leaves_the_training_waiting_and_the_page_says_so(
    pg_cluster: Any, data_dir: Path, worker_data: Path, queue_runner: QueueRunner, tmp_path: Path  # noqa: ANN401
) -> None:  # fmt: skip
    _synthetic_project(data_dir)
    worker = started_worker(pg_cluster, worker_data, other_code=other_checkout(tmp_path / "old"))
    try:
        until(lambda: [v for v in queue_runner.live_versions() if v != queue_runner.version])
        at = app("train")
        at.toggle(key="train_starter").set_value(False)
        button(at, "🧠 Start training").click()
        at.run()
        run = at.session_state["train_run"]
        time.sleep(3)  # the other worker polls every second: time enough to take it
        at.run()
        status = queue_runner.status(run._job)
        assert status.state is JobState.QUEUED and queue_runner.version in status.held
        assert progress_texts(at) == ["Waiting: no computer is ready to run your training yet. Your teacher's Class "
                                      "page says why."]  # fmt: skip
        assert not at.exception and not at.error
        assert not (model_dir(Store(data_dir), "default") / "model.json").exists()
        run.cancel()
    finally:
        stop_queue_workers(worker)

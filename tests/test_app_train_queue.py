"""The Train page sends its training to the server's job runner and follows it: its place in the queue while
other students' jobs go first, Stop while it waits, the server full said in one line, a worker that died said
in one line with the previous model kept. A runner of one worker stands in for a crowded server."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import jobfns
import pytest
from streamlit.testing.v1 import AppTest
from test_app_pages import _synthetic_project, app, button

from core.data.project import model_dir
from core.data.store import Store
from core.jobs.job import SERVER_FULL, TRAIN, WORKER_DIED, JobRequest, JobState
from core.jobs.local import LocalRunner
from ui.jobs import pool

pytestmark = pytest.mark.slow  # a worker process and trainings: seconds


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalRunner]:
    """The server's runner, one worker, at most 2 queued jobs (the bound: 200 on a server)."""
    made = LocalRunner(workers=1, max_queued=2, preload=pool.PRELOAD)
    monkeypatch.setattr(pool, "runner", lambda: made)
    yield made
    made.close()


def other_students(runner: LocalRunner, n: int, seconds: float) -> list[str]:
    """``n`` other students' trainings of ``seconds`` each (the first runs at once, the others queue)."""
    return [runner.submit(JobRequest(TRAIN, f"session:other-{i}", jobfns.steps, {"n": int(seconds * 10)}))
            for i in range(n)]  # fmt: skip


def progress_texts(at: AppTest) -> list[str]:
    return [p.proto.text for p in at.get("progress")]


def until_state(runner: LocalRunner, job: str, states: set[JobState], timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while runner.status(job).state not in states:
        assert time.monotonic() < end, runner.status(job)
        time.sleep(0.05)


def test_a_waiting_training_says_its_place_and_can_be_stopped(data_dir: Path, runner: LocalRunner) -> None:
    _synthetic_project(data_dir)
    [first] = other_students(runner, 1, 30.0)
    until_state(runner, first, {JobState.RUNNING})
    second = runner.submit(JobRequest(TRAIN, "session:second", jobfns.steps, {"n": 300}))
    at = app("train")
    at.toggle(key="train_starter").set_value(False)
    button(at, "🧠 Start training").click()
    at.run()
    run = at.session_state["train_run"]
    assert run.snapshot().running and run.snapshot().waiting
    assert any(t.startswith("Waiting: 1 job ahead of your training, about ") for t in progress_texts(at))
    assert runner.status(run._job).owner.startswith("session:")  # this tab's turn, not the others'
    at.button(key="train_stop").click()  # Stop while it waits: it leaves the queue at once
    at.run()
    assert run.wait(5) and runner.status(run._job).state is JobState.CANCELLED
    assert runner.status(second).state is JobState.QUEUED  # the others' jobs are untouched
    runner.cancel(first)
    runner.cancel(second)


# extended: the queue's order: test_jobs_queue covers it without a page
@pytest.mark.extended
def test_a_training_runs_in_a_worker_once_the_others_are_done(data_dir: Path, runner: LocalRunner) -> None:
    _synthetic_project(data_dir)
    [other] = other_students(runner, 1, 3.0)
    at = app("train")
    at.toggle(key="train_starter").set_value(False)
    button(at, "🧠 Start training").click()
    at.run()
    run = at.session_state["train_run"]
    assert any(t.startswith("Waiting: your training is next") for t in progress_texts(at))
    assert run.wait(180)
    at.run()
    assert runner.status(other).state is JobState.DONE  # first come, first served
    assert runner.status(run._job).state is JobState.DONE and run.snapshot().saved
    assert (model_dir(Store(data_dir), "default") / "model.json").exists()
    assert run.snapshot().measuring.crossval is not None  # the measuring job followed, in the worker too


def test_a_full_server_says_so_in_one_line_and_loses_nothing(data_dir: Path, runner: LocalRunner) -> None:
    store = _synthetic_project(data_dir)
    others = other_students(runner, 1, 30.0)
    until_state(runner, others[0], {JobState.RUNNING})
    others += [runner.submit(JobRequest(TRAIN, f"session:more-{i}", jobfns.steps, {"n": 300})) for i in range(2)]
    at = app("train")
    at.toggle(key="train_starter").set_value(False)
    button(at, "🧠 Start training").click()
    at.run()
    assert any(SERVER_FULL in e.value for e in at.error), [e.value for e in at.error]
    assert not at.exception and sum(store.class_counts("default").values()) == 24
    for job in others:
        runner.cancel(job)


def test_a_dead_worker_is_said_in_one_line_and_the_previous_model_stays(data_dir: Path, runner: LocalRunner) -> None:
    _synthetic_project(data_dir)
    at = app("train")
    at.toggle(key="train_starter").set_value(False)
    at.number_input(key="train_epochs").set_value(20)  # the previous model: any will do
    button(at, "🧠 Start training").click()
    at.run()
    run = at.session_state["train_run"]
    assert run.wait(180)
    model = model_dir(Store(data_dir), "default")
    before = {p.name: p.read_bytes() for p in model.iterdir()}
    at.run()
    at.number_input(key="train_epochs").set_value(3000)
    at.select_slider(key="train_lr").set_value(1e-4)  # slow to converge: early stopping does not end it before the kill
    button(at, "🧠 Start training").click()
    at.run()
    run = at.session_state["train_run"]
    until_state(runner, run._job, {JobState.RUNNING})
    while len(run.snapshot().history) < 2:
        time.sleep(0.05)
    os.kill(runner.worker_pids()[0], signal.SIGKILL)  # as the out-of-memory killer would
    assert run.wait(30)
    at.run()
    assert [e.value for e in at.error] == [f"Training failed: {WORKER_DIED}"]
    assert {p.name: p.read_bytes() for p in model.iterdir()} == before
    at.select_slider(key="train_lr").set_value(3e-3)  # the default again: it beats the 20-practice model and is saved
    button(at, "🧠 Start training").click()  # the student presses again: a new worker trains
    at.run()
    assert at.session_state["train_run"].wait(180) and at.session_state["train_run"].snapshot().saved

"""The job functions (core.jobs.tasks) as the command line runs them and as the runner's worker processes do:
real training on handmade hands (tests/handmaker, no MediaPipe), real SQLite, real processes."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
from storemaker import handmade_project
from test_jobs_runner import ended, until

from core.gestures.training import TrainConfig
from core.jobs import tasks
from core.jobs.job import MEASURE, TRAIN, WORKER_DIED, JobRequest, JobState
from core.jobs.local import LocalRunner

pytestmark = pytest.mark.slow  # torch, training and worker processes: seconds


def project(data: Path) -> None:
    from handmaker import pointing_hand

    handmade_project(data, {"pointing_right": (pointing_hand(180.0), 12), "open_palm": (None, 12)})


def test_train_measure_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from core.cli.main import main

    project(tmp_path)
    assert main(["--data", str(tmp_path), "train", "--epochs", "40", "--no-starter", "--measure"]) == 0
    out = capsys.readouterr().out
    report = json.loads(out.strip().splitlines()[-1])
    assert report["measured"]["total"] == 24 and report["measured"]["folds"] >= 2
    assert "measuring: round 1 of 5" in out  # the job's progress, printed
    saved = json.loads((tmp_path / "projects" / "default" / "model" / "model.json").read_text())
    assert saved["metadata"]["crossval"]["total"] == 24  # written into the saved model, as the page's is


def test_training_in_a_worker_saves_the_model_and_measuring_follows(tmp_path: Path) -> None:
    project(tmp_path)
    runner = LocalRunner(workers=1)
    try:
        config = TrainConfig(epochs=40)
        job = runner.submit(JobRequest(TRAIN, "ann", tasks.train, {"data_dir": str(tmp_path), "project": "default",
                                                                   "config": config}))  # fmt: skip
        done = ended(runner, job, timeout=120)
        assert done.state is JobState.DONE, done.error
        trained = done.result
        assert not trained.result.cancelled and len(done.detail) == len(trained.result.history)  # every epoch sent
        kwargs = {"data_dir": str(tmp_path), "project": "default", "config": config, "dataset": trained.dataset,
                  "result": trained.result}  # fmt: skip
        measured = ended(runner, runner.submit(JobRequest(MEASURE, "ann", tasks.measure, kwargs)), timeout=120)
        assert measured.state is JobState.DONE and measured.result.recorded
        assert measured.result.crossval.figure.total == 24 and measured.total == measured.result.crossval.folds
    finally:
        runner.close()


def test_a_killed_training_keeps_the_previous_model_and_frees_the_slot(tmp_path: Path) -> None:
    project(tmp_path)
    runner = LocalRunner(workers=1)
    model = tmp_path / "projects" / "default" / "model"
    try:
        first = ended(runner, runner.submit(JobRequest(TRAIN, "ann", tasks.train, {
            "data_dir": str(tmp_path), "project": "default", "config": TrainConfig(epochs=20)})), timeout=120)  # fmt: skip
        assert first.state is JobState.DONE
        before = {p.name: p.read_bytes() for p in model.iterdir()}
        slow = TrainConfig(epochs=100_000, patience=100_000)  # trains until killed
        job = runner.submit(JobRequest(TRAIN, "ann", tasks.train, {"data_dir": str(tmp_path), "project": "default",
                                                                   "config": slow}))  # fmt: skip
        until(runner, job, lambda s: s.done >= 5, timeout=60)
        with runner._lock:  # the process running it: killed as the out-of-memory killer would
            pid = next(w.process.pid for w in runner._pool if w.job == job)
        os.kill(pid, signal.SIGKILL)
        failed = ended(runner, job, timeout=10)
        assert failed.state is JobState.FAILED and failed.error == WORKER_DIED
        assert {p.name: p.read_bytes() for p in model.iterdir()} == before  # the previous model, untouched
        time.sleep(0.1)
        again = runner.submit(JobRequest(TRAIN, "ann", tasks.train, {"data_dir": str(tmp_path), "project": "default",
                                                                     "config": TrainConfig(epochs=20)}))  # fmt: skip
        assert again != job and ended(runner, again, timeout=120).state is JobState.DONE  # the student presses again
    finally:
        runner.close()

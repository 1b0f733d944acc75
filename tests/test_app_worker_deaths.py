"""#53: fine-tuning, motion training and Record's imports run in the server's job runner, not in a thread of the
web process. Each test ends the worker process running its page's job (as the out-of-memory killer would): the
page says so in one line, the previous model or the stored samples stay, and pressing again works. One runner
of one worker for the module stands in for the server's (a worker is started again after each kill)."""

from __future__ import annotations

import functools
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import jobfns
import pytest
from conftest import HANDS, hagrid_photos
from test_app_clips import swipes
from test_app_pages import _synthetic_project, app, button

from core.data.store import Store
from core.jobs import model_tasks, sample_tasks
from core.jobs.job import TRAIN, WORKER_DIED, WORKER_DIED_IMPORT, WORKER_DIED_VIDEO, JobRequest, JobState
from core.jobs.local import LocalRunner
from ui.jobs import pool

pytestmark = pytest.mark.slow  # worker processes, Streamlit pages, trainings


@pytest.fixture(scope="module")
def runner() -> Iterator[LocalRunner]:
    made = LocalRunner(workers=1, preload=pool.PRELOAD)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pool, "runner", lambda: made)
        yield made
    made.close()


def kill_when(runner: LocalRunner, job: str, done: int, timeout: float = 120.0, kill: bool = True) -> None:
    """Once job ``job`` runs and has done ``done`` steps: SIGKILL to the worker process running it (not this one)."""
    deadline = time.monotonic() + timeout
    while (status := runner.status(job)).state is not JobState.RUNNING or status.done < done:
        assert time.monotonic() < deadline and not status.ended, status
        time.sleep(0.05)
    with runner._lock:
        [pid] = [w.process.pid for w in runner._pool if w.job == job]
    assert pid != os.getpid()  # the work is in a worker process, not a thread of the server
    if kill:
        os.kill(pid, signal.SIGKILL)


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.extended
def test_a_killed_fine_tuning_keeps_the_previous_network(data_dir: Path, runner: LocalRunner,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from core.cpm import checkpoint
    from core.data.imports.extract import extract_to_store
    from core.data.project_cpm import project_cpm_dir

    if not HANDS.exists():
        pytest.skip(f"real hand data not found at {HANDS}")
    store = Store(data_dir)
    store.ensure_project()
    extract_to_store(store, "default", "thumbs_up", hagrid_photos("like", 3))
    extract_to_store(store, "default", "open_palm", hagrid_photos("palm", 3))
    previous = project_cpm_dir(store, "default")
    checkpoint.save(checkpoint.load(checkpoint.DEFAULT_DIR), previous)  # the project's earlier fine-tuned network
    before = files_of(previous)
    monkeypatch.setattr(model_tasks, "finetune", functools.partial(jobfns.held, job="finetune", at=1))
    at = app("train", more=True)  # the fine-tuning panel is behind More
    at.number_input(key="finetune_epochs").set_value(5)
    at.button(key="finetune_start").click()
    at.run()
    run = at.session_state["finetune_run"]
    kill_when(runner, run._job._job, done=1)
    assert run.wait(30)
    at.run()
    assert [e.value for e in at.error] == [f"Fine-tuning failed: {WORKER_DIED}"]
    assert files_of(previous) == before
    assert not at.button(key="finetune_start").disabled  # the student can press again


@pytest.mark.extended
def test_a_killed_motion_training_keeps_the_previous_model(data_dir: Path, runner: LocalRunner,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from core.data.project_motion import motion_model_dir

    store = Store(data_dir)
    store.create_project("moves", default_classes=False, motion=True)
    swipes(store, "moves")
    at = app()
    at.selectbox(key="home_project").set_value("moves").run()
    at.switch_page("pages/train.py").run()
    at.button(key="motion_train_start").click().run()
    assert at.session_state["motion_train_run"].wait(300)
    before = files_of(motion_model_dir(store, "moves"))
    assert before  # the first model, saved
    monkeypatch.setattr(model_tasks, "train_motion", functools.partial(jobfns.held, job="train_motion", at=2))
    at.run()
    at.button(key="motion_train_start").click().run()
    run = at.session_state["motion_train_run"]
    kill_when(runner, run._job._job, done=2)
    assert run.wait(30)
    at.run()
    assert [e.value for e in at.error] == [f"Training failed: {WORKER_DIED}"]
    assert files_of(motion_model_dir(store, "moves")) == before
    assert not at.button(key="motion_train_start").disabled


# extended: a killed import: the dead training worker in test_app_train_queue covers the one line
@pytest.mark.extended
def test_a_killed_csv_import_is_said_and_an_import_again_stores_in_a_worker(data_dir: Path, tmp_path: Path,
                                                                           runner: LocalRunner) -> None:  # fmt: skip
    from core.data.csv_files.csv_io import export_kinivi

    store = _synthetic_project(data_dir)
    keypoints, labels = tmp_path / "keypoint.csv", tmp_path / "keypoint_classifier_label.csv"
    assert export_kinivi(store, "default", keypoints, labels) == 24
    there = tmp_path / "there"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sample_tasks, "import_csv", functools.partial(jobfns.paused_file, there=str(there),
                                                                    result="csv"))  # fmt: skip
        at = app("record", more=True)  # a CSV import is behind More
        at.segmented_control(key="record_source").set_value("📄 Import CSV").run()
        files = [(keypoints.name, keypoints.read_bytes(), "text/csv"), (labels.name, labels.read_bytes(), "text/csv")]
        at.get("file_uploader")[0].set_value(files).run()
        other = runner.submit(JobRequest(TRAIN, "session:other", jobfns.steps, {"n": 30}))  # 3 s, first
        kill_when(runner, other, done=0, kill=False)
        button(at, "Import").click().run()
        [bar] = [p.proto.text for p in at.get("progress")]
        assert bar.startswith("Waiting: your import is next, about "), bar  # the other student's job goes first
        job = at.session_state["record_csv_run"]._job._job
        kill_when(runner, job, done=40)
        assert at.session_state["record_csv_run"].wait(30)
        at.run()
    assert [e.value for e in at.error] == [f"Nothing was imported. {WORKER_DIED_IMPORT}"]
    assert sum(store.class_counts("default").values()) == 24  # nothing lost
    at.get("file_uploader")[0].set_value(files).run()
    button(at, "Import").click().run()  # pressed again: the real import, parsed and stored in a new worker
    if "record_csv_run" in at.session_state:  # else it ended within the page's run (file_jobs.QUICK_SECONDS), said
        assert at.session_state["record_csv_run"].wait(120)
        at.run()
    assert not at.error, [e.value for e in at.error]
    assert sum(store.class_counts("default").values()) == 48


def test_a_killed_video_upload_adds_no_clip(data_dir: Path, tmp_path: Path, runner: LocalRunner,
                                            monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from core.data.clips import clip_counts

    store = Store(data_dir)
    store.create_project("moves", default_classes=False, motion=True)
    swipes(store, "moves", per_class=3)
    monkeypatch.setattr(sample_tasks, "extract_clips", functools.partial(jobfns.paused_file, there=str(tmp_path / "t"),
                                                                          result="clips"))  # fmt: skip
    at = app()
    at.selectbox(key="home_project").set_value("moves").run()
    at.switch_page("pages/record.py").run()
    at.get("file_uploader")[0].set_value([("wave.mp4", b"x", "video/mp4")]).run()
    next(b for b in at.button if b.label == "➕ Add these clips").click().run()
    run = at.session_state["clip_upload_run"]
    kill_when(runner, run._job._job, done=40)
    assert run.wait(30)
    at.run()
    assert [e.value for e in at.error] == [f"Nothing was added. {WORKER_DIED_VIDEO}"]
    assert clip_counts(store, "moves") == {"swipe_left": 3, "swipe_right": 3}

"""Issue 47, hostile and clumsy input, third round: identities that must not be taken over by a newcomer.

2: a training run saves only into the project it started from (not into one that replaced it).
3: a sample or clip id is never given again, so a stale tick cannot delete a newer row.
7: a project name must fit the folder it makes (bytes, not characters).

Each case runs on a real SQLite store file; the races run real processes.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest
from handmaker import make_hand, pointing_hand
from motionmaker import keypoint_clip
from storemaker import INSERT_SAMPLE_BEFORE_9, old_schema
from test_cli import run_cli
from test_clips import make_clip

from core.data.bundles.bundle import export_project, import_project
from core.data.clips import StoredClip, add_clips, delete_clips, list_clips
from core.data.project import load_project_model, model_dir, save_project_model, train_project
from core.data.project_motion import motion_model_dir, train_motion_project
from core.data.saved_models.project_folders import ProjectReplacedError
from core.data.sql.schema import DB_NAME, Sample, sample_to_row
from core.data.store import Store
from core.gestures.training import EpochStats, TrainConfig
from core.motion.train import MotionTrainConfig
from ui.jobs.training import TrainingRun

REPO = Path(__file__).resolve().parents[1]


def _sample(label: str, i: int) -> Sample:
    return Sample(make_hand(), label, "webcam", created_at=1.7e9 + i)


# -- 3: ids are never given again -------------------------------------------------------------


def test_3_the_id_of_a_deleted_newest_sample_is_not_given_to_the_next_one(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    store.ensure_project()
    ids = store.add_samples("default", [_sample("fist", i) for i in range(3)])
    assert store.delete_samples([ids[-1]]) == 1  # tab B deletes the newest crop tab A has ticked
    (new,) = store.add_samples("default", [_sample("fist", 9)])  # extract stores a new one
    assert new not in ids, f"the new sample got the deleted sample's id {new}: a stale tick would delete it"
    assert store.delete_samples([ids[-1]]) == 0 and len(store.list_samples("default")) == 3


def test_3_the_id_of_a_deleted_newest_clip_is_not_given_to_the_next_one(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    store.create_project("moves", default_classes=False, motion=True)
    store.add_class("moves", "swipe_left")
    ids = add_clips(store, "moves", [StoredClip(make_clip(seed=i)) for i in range(3)])
    assert delete_clips(store, [ids[-1]]) == 1
    (new,) = add_clips(store, "moves", [StoredClip(make_clip(seed=9))])
    assert new not in ids, f"the new clip got the deleted clip's id {new}"
    assert delete_clips(store, [ids[-1]]) == 0 and len(list_clips(store, "moves")) == 3


def _schema_3_store(data: Path) -> list[tuple]:
    """A store as handteach wrote it at schema version 3, with gaps in its sample ids; returns its sample rows."""
    data.mkdir(parents=True)
    with closing(sqlite3.connect(data / DB_NAME)) as conn, conn:
        old_schema(conn, 3)
        conn.execute("INSERT INTO projects (name, backend, created_at) VALUES ('a', 'mediapipe', 1.0)")
        conn.execute("INSERT INTO projects (name, backend, created_at) VALUES ('b', 'mediapipe', 2.0)")
        conn.execute("INSERT INTO classes (project_id, name, emoji, mirror, position) VALUES (1, 'ok', '👌', '', 0)")
        conn.execute("INSERT INTO classes (project_id, name, emoji, mirror, position) VALUES (2, 'ok', '', '', 0)")
        for sid, cid in ((3, 1), (7, 2), (40, 1)):
            conn.execute(INSERT_SAMPLE_BEFORE_9.replace("(class_id,", "(id, class_id,").replace("VALUES (", "VALUES (?, "),
                         (sid, cid, *sample_to_row(_sample("ok", sid))))  # fmt: skip
        return conn.execute("SELECT * FROM samples ORDER BY id").fetchall()


def test_3_a_schema_3_store_migrates_keeping_every_row_and_id_and_then_never_reuses_one(tmp_path: Path) -> None:
    data = tmp_path / "data"
    before = _schema_3_store(data)
    store = Store(data)
    with closing(sqlite3.connect(store.path)) as conn:
        after = conn.execute("SELECT * FROM samples ORDER BY id").fetchall()
        assert [row[:-1] for row in after] == before, "every row, every id"
        assert [row[-1] for row in after] == [1.7e9 + 3, 1.7e9 + 7, 1.7e9 + 40], "stored_at (schema 9): created_at"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert [s.id for s in store.list_samples("a")] == [3, 40] and [s.id for s in store.list_samples("b")] == [7]
    assert store.delete_samples([40]) == 1
    (new,) = store.add_samples("b", [_sample("ok", 99)])
    assert new > 40, f"id {new} reused after the migration"


@pytest.mark.slow
def test_3_a_stale_tick_on_record_deletes_nothing_else_and_says_the_sample_was_gone(data_dir: Path) -> None:
    from streamlit.testing.v1 import AppTest  # here: a module importing it makes every test of it slow

    store = Store(data_dir)
    store.ensure_project()
    ids = store.add_samples("default", [_sample("fist", i) for i in range(3)])
    tab_a = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    tab_a.switch_page("pages/record.py")
    tab_a.run()
    tab_a.radio(key="record_class").set_value("fist").run()
    tab_a.checkbox(key=f"gallery_fist_sel_{ids[-1]}").check().run()  # the newest crop
    store.delete_samples([ids[-1]])  # tab B
    (new,) = store.add_samples("default", [_sample("fist", 9)])  # a new photo, extracted meanwhile
    tab_a.button(key="gallery_fist_delete").click().run()
    assert not tab_a.exception, [e.message for e in tab_a.exception]
    assert new in [s.id for s in store.list_samples("default")], "the new photo, never shown to tab A, was deleted"
    said = [w.value for w in tab_a.warning] + [s.value for s in tab_a.success]
    assert "1 of the selected samples was already deleted elsewhere; nothing else was deleted." in said, said


# -- 2: a training saves only into the project it started from ------------------------------------

OLD_CLASSES = ("thumbs_up", "thumbs_down", "fist", "open_palm")
REPLACED = "the project 'default' was replaced while training; the model was not saved"


def _teach(store: Store, project: str, classes: tuple[str, ...], per_class: int = 30, seed: int = 0) -> None:
    """``per_class`` synthetic hands of each class, each class pointing its own way (a model can learn them)."""
    rng = np.random.default_rng(seed)
    samples = [Sample(make_hand(pointing_hand(90.0 * k + rng.normal(0, 6)), offset=rng.uniform(200, 400, 2)), name,
                      "webcam", created_at=1.7e9 + i)
               for k, name in enumerate(classes) for i in range(per_class)]  # fmt: skip
    store.add_samples(project, samples, create_classes=True)


def _bundle(tmp_path: Path) -> Path:
    """q.handteach: a trained project of two classes, peace and call."""
    other = Store(tmp_path / "other")
    other.create_project("q", default_classes=False)
    _teach(other, "q", ("peace", "call"), seed=1)
    train_project(other, "q", TrainConfig(epochs=5, seed=0))
    export_project(other, "q", tmp_path / "q.handteach")
    return tmp_path / "q.handteach"


def _model_classes(store: Store, project: str) -> list[str]:
    return json.loads((model_dir(store, project) / "model.json").read_text())["classes"]


def test_2_a_training_whose_project_was_replaced_meanwhile_saves_nothing_and_says_so(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    store.ensure_project()
    _teach(store, "default", OLD_CLASSES)
    bundle = _bundle(tmp_path)

    def replace_once(stats: EpochStats) -> None:  # the other tab, while this run trains
        if stats.epoch == 1:
            import_project(store, bundle, as_name="default", replace=True)

    with pytest.raises(ProjectReplacedError, match=REPLACED):
        train_project(store, "default", TrainConfig(epochs=3, seed=0), on_epoch=replace_once)
    assert [c.name for c in store.list_classes("default")] == ["peace", "call"]
    assert _model_classes(store, "default") == ["peace", "call"], "the imported model was overwritten"


def test_2_a_training_whose_project_was_deleted_and_made_again_gives_the_new_one_no_model(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    store.ensure_project()
    _teach(store, "default", OLD_CLASSES)

    def delete_and_create(stats: EpochStats) -> None:
        if stats.epoch == 1:
            store.delete_project("default")
            store.create_project("default", default_classes=False)

    with pytest.raises(ProjectReplacedError, match=REPLACED):
        train_project(store, "default", TrainConfig(epochs=3, seed=0), on_epoch=delete_and_create)
    assert not model_dir(store, "default").exists() and load_project_model(store, "default") is None


def test_2_a_model_follows_its_project_through_a_rename(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    store.ensure_project()
    _teach(store, "default", OLD_CLASSES)
    model = train_project(store, "default", TrainConfig(epochs=3, seed=0))[0].classifier
    identity = store.project_identity("default")
    store.rename_project("default", "renamed")
    save_project_model(store, "default", model, identity)
    assert (model_dir(store, "renamed") / "model.json").exists() and "default" not in store.list_projects()
    store.delete_project("renamed")
    with pytest.raises(ProjectReplacedError, match="the project 'default' was deleted while training"):
        save_project_model(store, "default", model, identity)


def test_2_a_new_project_does_not_inherit_a_model_folder_left_under_its_name(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    store.ensure_project()
    _teach(store, "default", OLD_CLASSES)
    train_project(store, "default", TrainConfig(epochs=3, seed=0))
    left = store.data_dir / "projects" / "default"
    store.delete_project("default")
    left.mkdir(parents=True)  # as an older handteach's training left it, saving after the delete
    (left / "model").mkdir()
    (left / "model" / "model.json").write_text("{}")
    store.create_project("default", default_classes=False)
    assert not model_dir(store, "default").exists(), "the new empty project inherited the old model"
    assert [p.name for p in store.data_dir.iterdir() if p.name.startswith(".")] == [], "nothing left aside"


class _PausedRun(TrainingRun):
    """A Train page run whose training (in the job runner's worker) waits after its first pass until the test has
    done what another tab does (``jobfns.paused_train``)."""

    go_on_file: Path | None = None

    def start(self) -> _PausedRun:
        import jobfns

        from ui.jobs.training import TRAIN

        self._started = time.monotonic()
        kwargs = {**self._kwargs(), "go_on": str(self.go_on_file)}
        self._job = self._submit(TRAIN, jobfns.paused_train, kwargs, self.project)
        return self

    def wait_started(self, timeout: float = 60) -> bool:
        deadline = time.monotonic() + timeout
        while not self.snapshot().history:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def go_on(self) -> None:
        assert self.go_on_file is not None
        self.go_on_file.touch()


def _paused_train_page(tmp_path: Path, epochs: int) -> tuple[Store, Path, _PausedRun]:
    """A taught default project, a project file to replace it with, and its Train page run paused after epoch 1."""
    store = Store(tmp_path / "data")
    store.ensure_project()
    _teach(store, "default", OLD_CLASSES)
    bundle = _bundle(tmp_path)
    run = _PausedRun(store, "default", TrainConfig(epochs=epochs, seed=0))
    run.go_on_file = tmp_path / "go-on"
    run.start()
    assert run.wait_started(60)
    return store, bundle, run


@pytest.mark.slow  # the job runner's worker process starts
def test_2_the_train_page_says_its_project_was_replaced_and_keeps_the_imported_model(tmp_path: Path) -> None:
    store, bundle, run = _paused_train_page(tmp_path, epochs=3)
    import_project(store, bundle, as_name="default", replace=True)  # Home → Open a project file → Replace
    run.go_on()
    assert run.wait(60)
    snapshot = run.snapshot()
    assert snapshot.error == REPLACED and not snapshot.saved
    assert _model_classes(store, "default") == ["peace", "call"]


@pytest.mark.slow  # the job runner's worker process starts
def test_2_keeping_a_stopped_run_of_a_replaced_project_says_so(tmp_path: Path) -> None:
    store, bundle, run = _paused_train_page(tmp_path, epochs=50)
    run.cancel()
    run.go_on()
    assert run.wait(60) and run.snapshot().cancelled and not run.snapshot().saved
    import_project(store, bundle, as_name="default", replace=True)
    run.keep()  # "Keep this model anyway"
    assert run.snapshot().error == REPLACED and not run.snapshot().saved
    assert _model_classes(store, "default") == ["peace", "call"]


def test_2_a_motion_training_whose_project_was_replaced_saves_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    store.create_project("moves", default_classes=False, motion=True)
    clips = [keypoint_clip(kind, start=5 * i, frames=16, seed=i) for kind in ("swipe_left", "swipe_right")
             for i in range(4)]  # fmt: skip
    add_clips(store, "moves", [StoredClip(c) for c in clips], create_classes=True)

    def replace_once(stats: EpochStats) -> None:
        if stats.epoch == 1:
            store.delete_project("moves")
            store.create_project("moves", default_classes=False, motion=True)

    with pytest.raises(ProjectReplacedError, match="the project 'moves' was replaced while training"):
        train_motion_project(store, "moves", MotionTrainConfig(epochs=2, copies=2), on_epoch=replace_once)
    assert not motion_model_dir(store, "moves").exists()


def test_2_an_older_store_gives_each_of_its_projects_an_identity_of_its_own(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _schema_3_store(data)
    store = Store(data)
    identities = {store.project_identity(p) for p in ("a", "b")}
    assert len(identities) == 2 and all(len(i) == 32 for i in identities)
    store.create_project("c")
    assert store.project_identity("c") not in identities


def _train_paused_after_first_epoch(data: Path) -> subprocess.Popen[str]:
    """``train`` of the default project as a process of its own, stopped (SIGSTOP) once its first epoch is out:
    its samples are read, its model not yet saved. A 1024-wide network takes seconds over the epochs left."""
    env = {**os.environ, "HANDTEACH_DATA": str(data), "PYTHONPATH": str(REPO)}
    train = subprocess.Popen([sys.executable, "-m", "core", "train", "--epochs", "40", "--hidden", "1024", "1024",
                              "--no-starter", "--seed", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=env, cwd=REPO)  # fmt: skip
    for line in train.stdout:
        if line.startswith("epoch    1"):
            os.kill(train.pid, signal.SIGSTOP)
            return train
    pytest.fail(f"train ended before its first epoch: {train.wait()} {train.stderr.read()}")


def _resume(train: subprocess.Popen[str]) -> tuple[int, str]:
    os.kill(train.pid, signal.SIGCONT)
    _, err = train.communicate(timeout=300)
    return train.returncode, err


@pytest.mark.slow
def test_2_cli_train_into_a_project_replaced_by_an_import_exits_2_and_keeps_the_imported_model(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    store = Store(data)
    store.ensure_project()
    _teach(store, "default", OLD_CLASSES, per_class=150)
    bundle = _bundle(tmp_path)
    train = _train_paused_after_first_epoch(data)
    try:
        run_cli(data, "projects", "import", str(bundle), "--as", "default", "--replace")
    finally:
        code, err = _resume(train)
    assert code == 2 and f"error: {REPLACED}" in err, err
    listed = run_cli(data, "classes", "list").stdout
    assert "peace" in listed and "thumbs_up" not in listed
    assert _model_classes(store, "default") == ["peace", "call"], "the old run's model replaced the imported one"


# extended: the replaced-by-an-import case beside it covers a project swapped under a training
@pytest.mark.extended
@pytest.mark.slow
def test_2_cli_train_into_a_project_deleted_and_created_again_leaves_the_new_one_untrained(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store(data)
    store.ensure_project()
    _teach(store, "default", OLD_CLASSES, per_class=150)
    train = _train_paused_after_first_epoch(data)
    try:
        run_cli(data, "projects", "delete", "default")
        run_cli(data, "projects", "create", "default", "--empty")
    finally:
        code, err = _resume(train)
    assert code == 2 and f"error: {REPLACED}" in err, err
    assert not model_dir(store, "default").exists(), "the new empty project got the old trained model"


# -- 7: a name the filesystem cannot hold -----------------------------------------------------------------

EMOJI_NAME = "😀" * 64  # 64 characters, within the character limit; 256 bytes, over a folder name's 255


def test_7_a_new_project_name_is_measured_in_bytes_at_create_rename_and_import(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    store.ensure_project()
    too_long = f"project name '{'😀' * 20}'… is 256 bytes long as a folder name"
    with pytest.raises(ValueError, match=too_long):
        store.create_project(EMOJI_NAME)
    with pytest.raises(ValueError, match=too_long.replace("project name", "new project name")):
        store.rename_project("default", EMOJI_NAME)
    _teach(store, "default", OLD_CLASSES[:2], per_class=3)
    export_project(store, "default", tmp_path / "d.handteach")
    with pytest.raises(ValueError, match=too_long):
        import_project(store, tmp_path / "d.handteach", as_name=EMOJI_NAME)
    assert store.list_projects() == ["default"]
    assert store.create_project("😀" * 50) == "😀" * 50, "200 bytes fit"


def _older_store_with(data: Path, name: str) -> Store:
    """A store where an older handteach let ``name`` through, and another project trained (``projects/`` exists)."""
    store = Store(data)
    store.ensure_project()
    _teach(store, "default", OLD_CLASSES[:2], per_class=8)
    train_project(store, "default", TrainConfig(epochs=2, seed=0))
    with closing(sqlite3.connect(store.path)) as conn, conn:
        conn.execute("INSERT INTO projects (name, backend, created_at, uid) VALUES (?, 'mediapipe', 1.0, 'old')",
                     (name,))  # fmt: skip
        conn.execute(
            "INSERT INTO classes (project_id, name, position) SELECT id, 'fist', 0 FROM projects WHERE uid = 'old'"
        )
    return store


UNUSABLE = "cannot be used: its name takes 256 bytes, more than the 255 a folder name may take here"


def test_7_an_existing_project_whose_name_is_too_long_says_why_and_can_be_exported_and_deleted(tmp_path: Path) -> None:
    store = _older_store_with(tmp_path / "data", EMOJI_NAME)
    store.add_samples(EMOJI_NAME, [_sample("fist", i) for i in range(3)])
    with pytest.raises(ValueError, match=UNUSABLE):
        train_project(store, EMOJI_NAME, TrainConfig(epochs=2))
    assert load_project_model(store, "default") is not None
    report = export_project(store, EMOJI_NAME, tmp_path / "long.handteach")  # its samples can be taken out
    assert report.samples == 3
    import_project(store, tmp_path / "long.handteach", as_name="short")
    store.delete_project(EMOJI_NAME)
    assert store.list_projects() == ["default", "short"] and store.class_counts("short") == {"fist": 3}


@pytest.mark.slow
def test_7_cli_create_refuses_the_name_and_train_says_why_it_cannot(tmp_path: Path) -> None:
    data = tmp_path / "data"
    done = run_cli(data, "projects", "create", EMOJI_NAME, ok=False)
    assert done.returncode == 2 and "is 256 bytes long as a folder name; the limit is 200 bytes" in done.stderr
    _older_store_with(data, EMOJI_NAME)
    done = run_cli(data, "train", "-p", EMOJI_NAME, "--no-starter", ok=False)
    assert done.returncode == 2 and UNUSABLE in done.stderr, done.stderr


@pytest.mark.slow
def test_7_the_app_starts_on_a_store_holding_such_a_name_and_says_which_project_is_unusable(data_dir: Path) -> None:
    from streamlit.testing.v1 import AppTest

    _older_store_with(data_dir, EMOJI_NAME)
    for page in ("home", "record", "train", "live"):
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
        at.query_params["project"] = EMOJI_NAME  # a bookmark, or the project last picked on Home
        at.switch_page(f"pages/{page}.py")
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        errors = [e.value for e in at.error]
        assert not any("cannot start" in e for e in errors), errors
        said = "\n".join(str(e.value) for e in (*at.warning, *at.error, *at.sidebar.warning))
        assert UNUSABLE in said, (page, said)
        assert at.query_params["project"] == "default", "the page opened another project instead"

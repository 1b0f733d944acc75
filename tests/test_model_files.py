"""core.data.saved_models.model_files: on a shared store (PostgreSQL) a project's models are rows, and each server keeps a copy.

Two ``Store`` objects with different data folders on one database are two servers: what one saves the other finds,
loads and uses; a newer save is noticed by its version; a delete through one is a delete for both; a save that
fails halfway leaves the previous model whole everywhere. A real throwaway cluster (tests/pgcluster.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import psycopg
import pytest
from handmaker import make_hand, pointing_hand

from core.classes.removal import delete_student
from core.cpm.architectures import DEFAULT_DIRS
from core.data.bundles.bundle import export_project, import_project
from core.data.managed import ManagedPathError, check_output
from core.data.project import load_project_model, model_dir, save_project_model, train_project
from core.data.project_cpm import finetuned_checkpoint
from core.data.project_finetune import reset_project_cpm
from core.data.project_motion import has_motion_model, load_motion_model, motion_model_dir
from core.data.saved_models import model_files, model_pack
from core.data.saved_models.model_files import cache_root, current_folder, sweep
from core.data.saved_models.project_folders import project_folder
from core.data.sql.database import URL_VARIABLE
from core.data.sql.schema import NotFoundError
from core.data.store import Sample, Store
from core.gestures.classifier import GestureClassifier
from core.gestures.features import FeatureConfig
from core.gestures.training import TrainConfig
from core.motion.features import MotionFeatureConfig
from core.motion.model import MotionModel
from core.skeletons import HAND_21
from tests.classmaker import make_class

REPO = Path(__file__).resolve().parents[1]
PROJECT = "signs"


def _fill(store: Store, project: str) -> None:
    rng = np.random.default_rng(0)
    samples = []
    for label, angle in (("pointing_up", 90), ("pointing_right", 180), ("thumbs_down", -90)):
        for _ in range(12):
            points = pointing_hand(angle + rng.normal(0, 6)) + rng.normal(0, 2, (21, 2)).astype(np.float32)
            samples.append(Sample(hand=make_hand(points), class_name=label, source_kind="webcam"))
    store.add_samples(project, samples)


@pytest.fixture
def servers(pg_url: str, tmp_path: Path) -> tuple[Store, Store]:
    """Two servers on one database, each with its own data folder; the first trained ``PROJECT``."""
    one, two = Store(tmp_path / "one"), Store(tmp_path / "two")
    assert one.shared and two.shared
    one.create_project(PROJECT)
    _fill(one, PROJECT)
    train_project(one, PROJECT, TrainConfig(epochs=15))
    return one, two


def _rows(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT project_id, kind, version, size FROM project_models ORDER BY kind").fetchall()


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_a_model_trained_on_one_server_is_found_loaded_and_used_on_another(
    servers: tuple[Store, Store], pg_url: str, tmp_path: Path
) -> None:
    one, two = servers
    assert not (tmp_path / "two" / "projects").exists()  # nothing of the project's on the second server's disk
    model = load_project_model(two, PROJECT)
    assert model is not None and model.metadata["project"] == PROJECT
    features = np.random.default_rng(1).normal(size=(5, model.n_features)).astype(np.float32)
    trained = load_project_model(one, PROJECT)
    np.testing.assert_array_equal(model.predict_proba(features), trained.predict_proba(features))
    assert model_dir(two, PROJECT).is_relative_to(cache_root(tmp_path / "two"))
    assert _files(model_dir(two, PROJECT)) == _files(model_dir(one, PROJECT))
    assert [r[1:3] for r in _rows(pg_url)] == [("model", 1)]
    assert not (tmp_path / "one" / "projects" / PROJECT / "model").exists()  # the rows are the truth, not a folder


def test_a_newer_save_on_one_server_is_noticed_by_the_other(servers: tuple[Store, Store], pg_url: str) -> None:
    one, two = servers
    first, kept = model_dir(two, PROJECT), _files(model_dir(one, PROJECT))
    assert load_project_model(two, PROJECT).metadata.get("note") is None
    save_project_model(one, PROJECT, load_project_model(one, PROJECT), note="the second")
    assert _files(model_dir(one, PROJECT)) != kept
    assert _files(next(model_dir(one, PROJECT).parent.glob("model-1-*"))) == kept  # saving never wrote into a copy
    assert [r[1:3] for r in _rows(pg_url)] == [("model", 2)]
    assert model_dir(two, PROJECT) != first
    assert load_project_model(two, PROJECT).metadata["note"] == "the second"
    assert first.is_dir()  # the version before stays a while: a reader may be loading it
    save_project_model(two, PROJECT, load_project_model(two, PROJECT), note="the third")
    assert load_project_model(one, PROJECT).metadata["note"] == "the third"
    assert not first.exists() and len(list(first.parent.glob("model-*"))) == 2  # older than the previous: gone


def test_a_delete_on_one_server_is_a_delete_on_both(servers: tuple[Store, Store], pg_url: str, tmp_path: Path) -> None:
    one, two = servers
    copy = model_dir(two, PROJECT)
    assert copy.is_dir()
    one.delete_project(PROJECT)
    assert _rows(pg_url) == []
    for store in servers:
        with pytest.raises(NotFoundError):
            load_project_model(store, PROJECT)
    one.create_project(PROJECT)  # the same name, another project: the old model is not its
    assert load_project_model(two, PROJECT) is None and load_project_model(one, PROJECT) is None
    assert sweep(two, force=True) == 1 and not copy.parent.exists()  # the deleted project's copy goes


def test_a_save_that_fails_halfway_leaves_the_previous_model_whole_on_both(
    servers: tuple[Store, Store], pg_url: str
) -> None:
    one, two = servers
    before = [_files(model_dir(s, PROJECT)) for s in servers]
    model = load_project_model(one, PROJECT)
    model.metadata["note"] = "never saved"
    with pytest.raises(RuntimeError, match="halfway"), project_folder(one, PROJECT, None) as (_, folder):
        model.save(folder / "model")
        raise RuntimeError("a crash halfway")
    assert [_files(model_dir(s, PROJECT)) for s in servers] == before
    assert [r[1:3] for r in _rows(pg_url)] == [("model", 1)]
    assert load_project_model(two, PROJECT).metadata.get("note") is None
    assert not list(model_dir(one, PROJECT).parent.glob(".stage-*"))  # the private copy went too


def test_a_model_over_the_limit_is_refused_before_it_is_written_and_read(
    servers: tuple[Store, Store], pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, two = servers
    size = _rows(pg_url)[0][3]
    monkeypatch.setattr(model_pack, "MAX_MODEL_BYTES", size - 1)
    with pytest.raises(model_pack.ModelRowError, match=r"^the gesture model takes [\d.]+ MB, more than the"):
        save_project_model(one, PROJECT, load_project_model(one, PROJECT), note="too big")
    assert [r[1:3] for r in _rows(pg_url)] == [("model", 1)]
    monkeypatch.setattr(model_files, "MAX_MODEL_BYTES", size - 1)  # a server that reads less than was written
    with pytest.raises(model_pack.ModelRowError, match=f"takes {size:,} bytes, more than the {size - 1:,}"):
        model_dir(two, PROJECT)


def test_a_damaged_row_is_refused_in_one_line(servers: tuple[Store, Store], pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        conn.execute("UPDATE project_models SET files = files || '\\x00'::bytea")
    with pytest.raises(model_pack.ModelRowError, match="^the gesture model in the store is damaged"):
        model_dir(servers[1], PROJECT)


@pytest.mark.slow
def test_readers_in_threads_and_processes_write_one_whole_copy(
    servers: tuple[Store, Store], pg_url: str, tmp_path: Path
) -> None:
    """Six readers of a server with no copy yet, at once: each gets the same whole folder."""
    fresh = Store(tmp_path / "three")
    script = ("import sys; from core.data.store import Store; from core.data.saved_models.model_files import current_folder; "
              "print(current_folder(Store(sys.argv[1]), sys.argv[2], 'model'))")  # fmt: skip
    env = {"PATH": "/usr/bin:/bin", URL_VARIABLE: pg_url, "PYTHONPATH": str(REPO)}
    children = [subprocess.Popen([sys.executable, "-c", script, str(fresh.data_dir), PROJECT], env=env, cwd=REPO,
                                 stdout=subprocess.PIPE, text=True) for _ in range(2)]  # fmt: skip
    found: list[Path] = []
    threads = [threading.Thread(target=lambda: found.append(current_folder(fresh, PROJECT, "model")))
               for _ in range(4)]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    found += [Path(child.communicate(timeout=120)[0].strip()) for child in children]
    assert len(set(found)) == 1 and _files(found[0]) == _files(model_dir(servers[0], PROJECT))
    assert load_project_model(fresh, PROJECT) is not None
    assert [p.name for p in found[0].parent.iterdir()] == [found[0].name]  # no temporary folder left


@pytest.mark.slow
def test_a_motion_model_and_a_fine_tuned_network_travel_too(
    servers: tuple[Store, Store], pg_url: str, tmp_path: Path
) -> None:
    one, two = servers
    motion = MotionModel(["circle", "idle"], HAND_21, MotionFeatureConfig())
    motion.mean, motion.std = np.zeros(motion.channels, np.float32), np.ones(motion.channels, np.float32)
    with project_folder(one, PROJECT, one.project_identity(PROJECT)) as (_, folder):
        motion.save(folder / "motion")
        shutil.copytree(DEFAULT_DIRS["cpm"], folder / "cpm", ignore=shutil.ignore_patterns("*.md"))
    assert [r[1:3] for r in _rows(pg_url)] == [("cpm", 1), ("model", 1), ("motion", 1)]  # the model unchanged
    assert has_motion_model(two, PROJECT) and load_motion_model(two, PROJECT).classes == ["circle", "idle"]
    assert motion_model_dir(two, PROJECT).is_relative_to(cache_root(tmp_path / "two"))
    checkpoint = finetuned_checkpoint(two, PROJECT)
    assert checkpoint is not None and _files(checkpoint) == _files(finetuned_checkpoint(one, PROJECT))
    assert reset_project_cpm(two, PROJECT) and finetuned_checkpoint(one, PROJECT) is None
    assert not reset_project_cpm(one, PROJECT) and [r[1] for r in _rows(pg_url)] == ["model", "motion"]


def test_one_server_keeps_its_models_in_the_project_folder(tmp_path: Path) -> None:
    """SQLite (no URL): the folder is the truth and the table stays empty, as before."""
    store = Store(tmp_path)
    assert not store.shared
    store.create_project(PROJECT)
    _fill(store, PROJECT)
    train_project(store, PROJECT, TrainConfig(epochs=5))
    assert model_dir(store, PROJECT) == tmp_path / "projects" / PROJECT / "model"
    assert (model_dir(store, PROJECT) / "model.json").is_file() and not cache_root(tmp_path).exists()
    with store.read_connection() as conn:
        assert conn.execute("SELECT COUNT(*) FROM project_models").fetchone()[0] == 0


@pytest.mark.slow
def test_a_project_file_carries_the_models_from_one_server_to_the_other(
    servers: tuple[Store, Store], pg_url: str, tmp_path: Path
) -> None:
    """Exported on a server that never read the model, imported there: the copy's models are its own rows."""
    one, two = servers
    report = export_project(two, PROJECT, tmp_path / "signs.handteach")
    assert report.models == ("model",)
    import_project(two, tmp_path / "signs.handteach", as_name="copy")
    assert not (tmp_path / "two" / "projects" / "copy").exists()
    assert _files(model_dir(one, "copy")) == _files(model_dir(one, PROJECT))
    assert sorted(r[1:3] for r in _rows(pg_url)) == [("model", 1), ("model", 1)]


def test_deleting_a_student_deletes_their_models_rows(pg_url: str, tmp_path: Path) -> None:
    school = make_class(tmp_path / "one")
    ben = school.store(school.ben)
    save_project_model(ben, "ben-signs", GestureClassifier(["open_palm", "fist"], FeatureConfig()))
    other = Store(tmp_path / "two")
    assert model_dir(other, "ben-signs").is_dir() and len(_rows(pg_url)) == 1
    receipt = delete_student(Store(tmp_path / "one"), "7B", "ben")
    assert _rows(pg_url) == [] and sweep(other, force=True) == 1
    assert receipt.models == 1 and receipt.model_bytes > 0  # the teacher's receipt counts the rows, not a folder
    assert receipt.lines()[-1] == f"Models kept for every server: 1 ({receipt.model_bytes:,} bytes)"


def test_no_command_writes_its_output_over_the_models_copy(tmp_path: Path) -> None:
    with pytest.raises(ManagedPathError, match="model-cache/"):
        check_output(cache_root(tmp_path) / "0123" / "out.csv", tmp_path)

"""Issue 34, hostile and clumsy input, second round: each reproduction of the issue as a test.

Numbered as in the issue. The full-disk cases mount a small tmpfs (root only; elsewhere they skip and
say so). Commands run as real processes (``run_cli``, forked from one that imported the CLI once).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import shared_path
from test_cli import photos, run_cli

pytestmark = pytest.mark.slow
ERROR_LINE = "error: "


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with project ``t``: real samples of two gestures and a trained model."""
    data = tmp_path_factory.mktemp("round2") / "data"
    run_cli(data, "extract", "-i", *photos("like", 10), "--label", "like", "-p", "t")
    run_cli(data, "extract", "-i", *photos("fist", 10), "--label", "fist", "-p", "t")
    run_cli(data, "train", "-p", "t", "--no-starter", "--epochs", "20")
    return data


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MB tmpfs at ``tmp_path/disk``; skips where mounting is not allowed (not root)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("the full-disk cases mount a small tmpfs, which needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path, leave_kb: int) -> None:
    """Fill ``disk`` until about ``leave_kb`` kB are free."""
    free_kb = shutil.disk_usage(disk).free // 1024
    with open(disk / f"filler{len(list(disk.glob('filler*')))}", "wb") as handle:
        handle.write(b"\0" * max(0, (free_kb - leave_kb) * 1024))


def counts(data: Path, project: str) -> dict[str, int]:
    with sqlite3.connect(data / "handteach.sqlite") as conn:
        rows = conn.execute(
            "SELECT c.name, COUNT(s.id) FROM classes c JOIN projects p ON p.id = c.project_id "
            "LEFT JOIN samples s ON s.class_id = c.id WHERE p.name = ? GROUP BY c.id",
            (project,),
        ).fetchall()
    return dict(rows)


def projects(data: Path) -> list[str]:
    with sqlite3.connect(data / "handteach.sqlite") as conn:
        return [r[0] for r in conn.execute("SELECT name FROM projects ORDER BY name")]


# -- 1 and 2: a full disk --------------------------------------------------------------------


def test_1_extract_on_a_full_disk_stores_all_of_its_samples_or_none(trained: Path, tiny_disk: Path) -> None:
    data = tiny_disk / "data"
    shutil.copytree(trained, data)
    before = counts(data, "t")
    fill(tiny_disk, leave_kb=120)
    done = run_cli(data, "extract", "-i", *photos("like", 20), *photos("fist", 20), "--label", "b", "-p", "t",
                   ok=False)  # fmt: skip
    assert done.returncode == 2 and "disk full; nothing of this change was written" in done.stderr
    assert "Traceback" not in done.stderr
    assert counts(data, "t") == before  # not a single sample of "b", and no class "b"


@pytest.mark.parametrize("command", ["train", "export", "export-onnx", "infer"])
def test_2_a_full_disk_while_writing_an_output_names_the_file_and_keeps_the_old_one(
    trained: Path, tiny_disk: Path, command: str
) -> None:
    data = tiny_disk / "data"
    shutil.copytree(trained, data)
    model = data / "projects" / "t" / "model"
    old_model = {p.name: p.read_bytes() for p in model.iterdir()}
    target = {"train": None, "export": tiny_disk / "out.csv", "export-onnx": tiny_disk / "m.onnx",
              "infer": tiny_disk / "a.png"}[command]  # fmt: skip
    if target is not None:
        target.write_bytes(b"the user's old file")
    fill(tiny_disk, leave_kb=4)
    args = {
        "train": ["train", "--no-starter", "--epochs", "3"],
        "export": ["export", "--format", "handteach", "-o", str(target)],
        "export-onnx": ["export-onnx", "-o", str(target)],
        "infer": ["infer", "-i", photos("like", 1)[0], "-o", str(target)],
    }[command]
    done = run_cli(data, *args, "-p", "t", ok=False)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "disk full" in done.stderr and str(target or data) in done.stderr  # train: the model or the database
    if target is not None:
        assert target.read_bytes() == b"the user's old file"
    assert {p.name: p.read_bytes() for p in model.iterdir()} == old_model


# -- 4, 7, 8: model files a user or another program can place ---------------------------------------


def _model_folder(data: Path) -> tuple[Path, Path]:
    model = data / "projects" / "t" / "model"
    return model / "model.json", next(model.glob("model.*.safetensors"))


@pytest.mark.parametrize("damage", ["json to /dev/zero", "weights to /dev/zero", "weights 5 GB", "json nested deep"])
def test_4_and_8_model_files_are_type_and_size_checked_before_reading(trained: Path, tmp_path: Path,
                                                                     damage: str) -> None:  # fmt: skip
    data = tmp_path / "data"
    shutil.copytree(trained, data)
    description, weights = _model_folder(data)
    victim = description if damage.startswith("json") else weights
    victim.unlink()
    if damage.endswith("/dev/zero"):
        victim.symlink_to("/dev/zero")
        problem = "not a regular file"
    elif damage == "weights 5 GB":
        with open(victim, "wb") as handle:
            handle.truncate(5 * 1024**3)
        problem = "over the limit of"
    else:
        victim.write_text("[" * 100_000 + "]" * 100_000)
        problem = "nested too deeply"
    done = run_cli(data, "infer", "-i", photos("like", 1)[0], "-p", "t", ok=False)
    assert done.returncode == 2 and f"error: {victim}: " in done.stderr and problem in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def _project_cpm(data: Path) -> Path:
    """A CPM-backend project ``c`` whose fine-tuned CPM is a copy of the shipped one (to be damaged)."""
    from core.cpm.checkpoint import DEFAULT_DIR
    from core.data.project_cpm import FINETUNED_FOLDER

    run_cli(data, "projects", "create", "c", "--backend", "cpm")
    folder = data / "projects" / "c" / FINETUNED_FOLDER
    shutil.copytree(DEFAULT_DIR, folder)
    return folder


def _extract_with_the_cpm(data: Path) -> subprocess.CompletedProcess[str]:
    done = run_cli(data, "extract", "-i", photos("like", 1)[0], "--label", "x", "-p", "c", ok=False)
    assert counts(data, "c").get("x", 0) == 0
    return done


def test_7_a_project_cpm_with_a_nan_weight_is_refused(trained: Path, tmp_path: Path) -> None:
    from safetensors.numpy import load_file, save_file

    data = tmp_path / "data"
    shutil.copytree(trained, data)
    folder = _project_cpm(data)
    tensors = load_file(str(folder / "model.safetensors"))
    name = sorted(tensors)[3]
    tensors[name] = tensors[name].copy()
    tensors[name].reshape(-1)[0] = np.nan
    save_file(tensors, str(folder / "model.safetensors"), metadata={"format": "handteach-cpm"})
    done = _extract_with_the_cpm(data)
    assert done.returncode == 2 and f"tensor {name!r} contains NaN or infinity" in done.stderr, done.stderr


@pytest.mark.parametrize("value", ["NaN", "Infinity", '"0.2"'])
def test_7_a_project_cpm_config_with_a_nan_threshold_is_refused(trained: Path, tmp_path: Path, value: str) -> None:
    data = tmp_path / "data"
    shutil.copytree(trained, data)
    config = _project_cpm(data) / "config.json"
    text = config.read_text()
    config.write_text(text.replace(f'"hand_threshold": {json.loads(text)["hand_threshold"]}',
                                   f'"hand_threshold": {value}'))  # fmt: skip
    assert value in config.read_text()
    done = _extract_with_the_cpm(data)
    assert done.returncode == 2 and str(config) in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_8_a_deeply_nested_cpm_config_is_a_named_error(trained: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(trained, data)
    config = _project_cpm(data) / "config.json"
    config.write_text("[" * 100_000 + "]" * 100_000)
    done = _extract_with_the_cpm(data)
    assert done.returncode == 2 and f"{config}: not a readable network config (nested too deeply)" in done.stderr


# -- 5: two extractions adding the same new class ----------------------------------------------------


def test_5_two_extractions_creating_the_same_class_both_land(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run_cli(data, "projects", "list")
    env = {**os.environ, "HANDTEACH_DATA": str(data), "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    for attempt in range(3):
        label = f"c{attempt}"
        runs = [subprocess.Popen([sys.executable, "-m", "core", "extract", "-i", *photos(g, 3), "--label", label],
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for g in ("like", "fist")]  # fmt: skip
        outcomes = [(run.wait(timeout=300), run.stderr.read()) for run in runs]
        assert all(code == 0 for code, _ in outcomes), outcomes
        assert counts(data, "default")[label] == 6


# -- 9: failed commands create nothing ------------------------------------------------------------


def test_9_a_failed_import_or_extract_creates_no_project(tmp_path: Path) -> None:
    data = tmp_path / "data"
    keypoints = tmp_path / "k.csv"
    keypoints.write_text("0," + ",".join(["0.1"] * 42) + "\n")
    done = run_cli(data, "import", "--format", "kinivi", str(keypoints), "-p", "brandnew", ok=False)
    assert done.returncode == 2 and "--labels" in done.stderr
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    done = run_cli(data, "extract", "-i", str(empty), "--label", "x", "-p", "other", ok=False)
    assert done.returncode == 2 and "the file is empty" in done.stderr
    labels = tmp_path / "labels.csv"
    labels.write_text("a\n")
    keypoints.write_text("0," + ",".join(["0.1"] * 41) + ",oops\n")  # a bad value: the whole import fails
    done = run_cli(data, "import", "--format", "kinivi", str(keypoints), "--labels", str(labels), "-p", "third",
                   ok=False)  # fmt: skip
    assert done.returncode == 2
    assert not (data / "handteach.sqlite").exists() or projects(data) == []
    listed = run_cli(data, "projects", "list")
    assert "brandnew" not in listed.stdout and "other" not in listed.stdout and "third" not in listed.stdout
    ok = run_cli(data, "extract", "-i", *photos("like", 2), "--label", "x", "-p", "other")
    assert "created project 'other'" in ok.stdout and counts(data, "other")["x"] == 2


# -- 12: --data naming a file ---------------------------------------------------------------------


def test_12_data_naming_a_regular_file_is_refused(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    for args in (["projects", "list"], ["classes", "list"], ["train"]):
        done = run_cli(tmp_path / "unused", "--data", str(afile), *args, ok=False)
        assert done.returncode == 2 and f"error: {afile}: not a folder" in done.stderr, (args, done.stderr)
    assert afile.read_text() == "not a folder"


def test_the_shared_photos_exist() -> None:
    shared_path("hagrid_380", "images", "like")

"""The command line through a real subprocess, on real photos from ../shared/data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import shared_path

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]
COMMANDS = ["extract", "import", "export", "projects", "classes", "train", "evaluate", "infer", "export-onnx"]


def run_cli(data: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HANDTEACH_DATA": str(data), "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "core", *args], capture_output=True, text=True, env=env, cwd=REPO,
                          timeout=300)  # fmt: skip
    if ok:
        assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done


def last_json(done: subprocess.CompletedProcess[str]) -> dict:
    return json.loads(done.stdout.strip().splitlines()[-1])


def photos(gesture: str, count: int) -> list[str]:
    return [str(p) for p in sorted(shared_path("hagrid_380", "images", gesture).glob("*.jpg"))[:count]]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir whose default project holds real samples of three gestures and a trained model."""
    data = tmp_path_factory.mktemp("cli") / "data"
    for gesture, label in (("like", "thumbs_up"), ("fist", "fist"), ("palm", "open_palm")):
        report = last_json(run_cli(data, "extract", "-i", *photos(gesture, 14), "--label", label))
        assert report["stored"] >= 10, report
        assert report["stored"] + sum(report["rejected"].values()) == 14
    result = last_json(run_cli(data, "train", "--epochs", "150", "--seed", "1", "--no-starter"))  # user samples only
    assert set(result) >= {"val_accuracy", "classes", "n_samples", "seconds"}
    assert set(result["classes"]) == {"thumbs_up", "fist", "open_palm"}
    assert result["val_accuracy"] >= 0.8
    return data


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str, tmp_path: Path) -> None:
    done = run_cli(tmp_path, command, "--help")
    assert "usage: python -m core" in done.stdout


def test_infer_image_writes_annotation_and_json(trained: Path, tmp_path: Path) -> None:
    image = photos("like", 20)[-1]  # not among the 14 training photos
    out = tmp_path / "out.png"
    done = run_cli(trained, "infer", "-i", image, "-o", str(out), "--json")
    record = json.loads(done.stdout.splitlines()[0])
    assert record["source"] == image and record["frame"] == 0
    assert len(record["hands"]) >= 1
    hand = record["hands"][0]
    assert hand["handedness"] in {"Left", "Right"} and len(hand["keypoints"]) == 21
    assert hand["label"] in {"thumbs_up", "fist", "open_palm", "unknown"}
    assert out.stat().st_size > 1000


def test_infer_video_every_tenth_frame(trained: Path, tmp_path: Path) -> None:
    video = shared_path("video", "asl_hand.25fps.mp4")
    done = run_cli(trained, "infer", "-i", str(video), "-o", str(tmp_path / "out"), "--json", "--every", "10")
    records = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [r["frame"] for r in records] == list(range(0, 325, 10))
    assert sum(1 for r in records if r["hands"]) >= 28
    assert (tmp_path / "out" / "asl_hand.25fps.mp4").stat().st_size > 10_000


def test_export_import_evaluate_both_formats(trained: Path, tmp_path: Path) -> None:
    csv_path = tmp_path / "all.csv"
    run_cli(trained, "export", "--format", "handteach", "-o", str(csv_path))
    result = last_json(run_cli(trained, "evaluate", "--csv", str(csv_path), "--format", "handteach"))
    assert result["accuracy"] >= 0.9 and set(result["per_class"]) == {"thumbs_up", "fist", "open_palm"}
    copy = tmp_path / "copy"
    run_cli(copy, "projects", "create", "again", "--empty")
    run_cli(copy, "import", str(csv_path), "--format", "handteach", "-p", "again")
    csv_again = tmp_path / "again.csv"
    run_cli(copy, "export", "--format", "handteach", "-o", str(csv_again), "-p", "again")
    assert csv_again.read_text() == csv_path.read_text()
    kinivi, labels = tmp_path / "keypoint.csv", tmp_path / "labels.csv"
    run_cli(trained, "export", "--format", "kinivi", "-o", str(kinivi), "--labels", str(labels))
    assert len(kinivi.read_text().splitlines()) == sum(1 for _ in csv_path.open()) - 1


def test_export_onnx(trained: Path, tmp_path: Path) -> None:
    out = tmp_path / "model.onnx"
    run_cli(trained, "export-onnx", "-o", str(out))
    assert out.stat().st_size > 1000


def test_bad_inputs_name_the_problem_and_store_nothing(trained: Path, tmp_path: Path) -> None:
    before = run_cli(trained, "classes").stdout
    fake = tmp_path / "holiday.jpg"
    fake.write_text("this is not a picture")
    done = run_cli(trained, "extract", "-i", photos("like", 1)[0], str(fake), "--label", "thumbs_up", ok=False)
    assert done.returncode == 2 and "holiday.jpg" in done.stderr
    done = run_cli(trained, "extract", "-i", str(tmp_path / "missing.png"), "--label", "fist", ok=False)
    assert done.returncode == 2 and "missing.png" in done.stderr
    done = run_cli(trained, "extract", "-i", photos("like", 1)[0], "--label", "../etc", ok=False)
    assert done.returncode == 2 and "'../etc'" in done.stderr
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("0,0.1,0.2\n")
    labels = tmp_path / "labels.csv"
    labels.write_text("Open\n")
    done = run_cli(trained, "import", str(bad_csv), "--format", "kinivi", "--labels", str(labels), ok=False)
    assert done.returncode == 2 and "bad.csv" in done.stderr and "line 1" in done.stderr
    assert run_cli(trained, "classes").stdout == before


def test_blank_image_has_no_hand(trained: Path, tmp_path: Path) -> None:
    import numpy as np
    from PIL import Image

    blank = tmp_path / "wall.png"
    Image.fromarray(np.full((200, 300, 3), 180, np.uint8)).save(blank)
    report = last_json(run_cli(trained, "extract", "-i", str(blank), "--label", "fist", "-p", "other"))
    assert report == {"stored": 0, "frames": 1, "no_hand": 1, "rejected": {"no hand": 1}}


def test_training_needs_two_classes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run_cli(data, "extract", "-i", *photos("like", 6), "--label", "thumbs_up")
    done = run_cli(data, "train", "--no-starter", ok=False)  # with the starter data one class is enough
    assert done.returncode == 2 and "class" in done.stderr


def test_no_model_yet(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run_cli(data, "projects", "create", "mine", "--empty")
    run_cli(data, "classes", "add", "wave", "-p", "mine")
    done = run_cli(data, "infer", "-i", photos("like", 1)[0], "-p", "mine", ok=False)
    assert done.returncode == 2 and "no trained model" in done.stderr


def test_untrained_default_project_uses_the_starter_model(tmp_path: Path) -> None:
    done = run_cli(tmp_path / "data", "infer", "-i", *photos("like", 3), "--json")
    labels = [hand["label"] for line in done.stdout.splitlines() for hand in json.loads(line)["hands"]]
    assert labels and labels.count("thumbs_up") >= len(labels) - 1

"""The command line through a real process, on real photos from ../shared/data.

Each ``python -m core`` runs in a process of its own, forked from one that imported the CLI once
(``tests/forked_cli.py``: the interpreter's start-up, seconds on two busy cores, was most of this file's
time); ``run_cli(..., fresh=True)`` starts a new interpreter, as a user's shell does."""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import shared_path
from forked_cli import run_forked

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]


def _commands() -> list[str]:
    """Every command the CLI's parser has (the CPM's and the starter's included), so a new one is checked too."""
    from core.cli.main import build_parser

    parser = build_parser()
    return sorted(next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices)


def run_cli(data: Path, *args: str, ok: bool = True, fresh: bool = False) -> subprocess.CompletedProcess[str]:
    """``python -m core ARGS`` in a process of its own: forked from a server that imported the CLI once
    (``forked_cli``), or with ``fresh``, a new interpreter (the start-up itself checked)."""
    env = {**os.environ, "HANDTEACH_DATA": str(data), "PYTHONPATH": str(REPO)}
    if fresh:
        done = subprocess.run([sys.executable, "-m", "core", *args], capture_output=True, text=True, env=env,
                              cwd=REPO, timeout=300)  # fmt: skip
    else:
        done = run_forked(list(args), env, REPO, timeout=300)
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


@pytest.mark.parametrize("command", _commands())
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``main([command, "--help"])`` here, as ``.ci/smoke.py`` does: ``python -m core`` is that ``main`` (the other
    tests start it as a subprocess), and a process per command only repeated its start-up (torch's import)."""
    from core.cli.main import main

    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: python -m core {command}")


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
    done = run_cli(trained, "export-onnx", "-o", str(out))
    import onnx

    model = onnx.load(str(out))  # MediaPipe landmarks in (docs/export.md), the classes in the metadata
    assert [i.name for i in model.graph.input] == ["landmarks", "image_size"]
    assert [o.name for o in model.graph.output] == [
        "probabilities",
        "class_index",
        "known",
        "distance",
        "starter_distance",
        "other_distance",
    ]
    meta = {p.key: json.loads(p.value) for p in model.metadata_props}
    assert set(meta["classes"]) == {"thumbs_up", "fist", "open_palm"} and f"wrote {out}" in done.stdout


def test_bad_inputs_name_the_problem_and_store_nothing(trained: Path, tmp_path: Path) -> None:
    before = run_cli(trained, "classes").stdout
    fake = tmp_path / "holiday.jpg"
    fake.write_text("this is not a picture")
    done = run_cli(trained, "extract", "-i", str(fake), "--label", "thumbs_up", ok=False)
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
    assert report == {"stored": 0, "frames": 1, "no_hand": 1, "rejected": {"no hand": 1}, "refused": []}


def test_extract_keeps_the_good_files_and_lists_each_bad_one(tmp_path: Path) -> None:
    """Two good HaGRID photos and a decompression-bomb PNG stored nothing (rc 2); now the good ones are
    stored, each bad file gets an error line, exit 1. With no usable input: exit 2, not even the class added."""
    sys.path.insert(0, str(REPO / "tests"))
    from test_images import zero_png

    data = tmp_path / "data"
    bomb, fake = zero_png(tmp_path / "bomb.png", 20000, 20000), tmp_path / "holiday.jpg"
    fake.write_text("this is not a picture")
    done = run_cli(data, "extract", "-i", *photos("like", 2), str(bomb), str(fake), "--label", "THUMBS_UP", ok=False)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert errors[0].startswith(f"error: {bomb}: the header claims") and "over the limit of 50,000,000" in errors[0]
    assert errors[1].startswith(f"error: {fake}: ") and len(errors) == 2
    report = last_json(done)
    assert report["stored"] == 2 and len(report["refused"]) == 2 and "2 files refused" in done.stdout
    assert "thumbs_up: 2 samples" in run_cli(data, "classes").stdout  # "THUMBS_UP" joined the default class
    before = run_cli(data, "classes").stdout
    done = run_cli(data, "extract", "-i", str(bomb), str(fake), "--label", "wave", ok=False)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert [line.split(":")[1].strip() for line in done.stderr.splitlines() if line.startswith("error:")] == [
        str(bomb), str(fake)]  # fmt: skip
    assert run_cli(data, "classes").stdout == before


def test_a_kinivi_file_from_real_photos_joins_the_default_classes(tmp_path: Path) -> None:
    """A kinivi label "OK" was refused in the default project, which has "ok" (names unique regardless of case)."""
    data = tmp_path / "data"
    run_cli(data, "projects", "create", "theirs", "--empty")
    for gesture, label in (("ok", "OK"), ("like", " Thumbs_Up"), ("peace", "Peace")):
        run_cli(data, "extract", "-p", "theirs", "-i", *photos(gesture, 4), "--label", label)
    counts = {line.split(":")[0]: line for line in run_cli(data, "classes", "-p", "theirs").stdout.splitlines()}
    keypoints, labels = tmp_path / "keypoint.csv", tmp_path / "keypoint_classifier_label.csv"
    run_cli(data, "export", "-p", "theirs", "-o", str(keypoints), "--format", "kinivi", "--labels", str(labels))
    assert labels.read_text().split() == ["OK", "Thumbs_Up", "Peace"], counts
    rows = len(keypoints.read_text().splitlines())
    done = run_cli(data, "import", str(keypoints), "--format", "kinivi", "--labels", str(labels))
    assert f"imported {rows} samples" in done.stdout
    listed = run_cli(data, "classes").stdout
    assert "👌 ok: " in listed and "👍 thumbs_up: " in listed and "Peace: " in listed
    assert "OK:" not in listed and "Thumbs_Up" not in listed
    per_class = {line.split(":")[0].split()[-1]: int(line.split(": ")[1].split()[0]) for line in listed.splitlines()}
    assert per_class["ok"] + per_class["thumbs_up"] + per_class["Peace"] == rows >= 9


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
    done = run_cli(tmp_path / "data", "infer", "-i", *photos("like", 3), "--json", fresh=True)  # a new interpreter
    labels = [hand["label"] for line in done.stdout.splitlines() for hand in json.loads(line)["hands"]]
    assert labels and labels.count("thumbs_up") >= len(labels) - 1


MEDIAPIPE_LOG_LINES = ("Feedback manager requires", "TensorFlow Lite XNNPACK delegate", "absl::InitializeLog", "W0000")


@pytest.mark.extended
def test_mediapipe_s_log_lines_show_only_with_verbose(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """MediaPipe's C++ lines printed around every image, on its own runtime (where it installs); a new interpreter,
    as a user's shell. onnxruntime, the default, prints none either way."""
    photo = photos("like", 1)[0]
    onnx = run_cli(tmp_path / "onnx", "extract", "-i", photo, "--label", "thumbs_up", "--verbose", fresh=True)
    assert last_json(onnx)["stored"] == 1
    assert not [line for line in onnx.stderr.splitlines() if any(m in line for m in MEDIAPIPE_LOG_LINES)], onnx.stderr
    pytest.importorskip("mediapipe", reason="mediapipe 0.10.21 installs on CPython 3.11-3.12 off ARM only")
    monkeypatch.setenv("HANDTEACH_KEYPOINT_RUNTIME", "mediapipe")
    quiet = run_cli(tmp_path / "data", "extract", "-i", photo, "--label", "thumbs_up", fresh=True)
    assert last_json(quiet)["stored"] == 1
    assert not [line for line in quiet.stderr.splitlines() if any(m in line for m in MEDIAPIPE_LOG_LINES)], quiet.stderr
    loud = run_cli(tmp_path / "data", "extract", "-i", photo, "--label", "thumbs_up", "--verbose", fresh=True)
    assert last_json(loud)["stored"] == 1
    assert all(marker in loud.stderr for marker in MEDIAPIPE_LOG_LINES), loud.stderr


def _model_files(data: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((data / "projects" / "default" / "model").iterdir())}


def _refused(done: subprocess.CompletedProcess[str], *expected: str) -> None:
    """Exit code 2, a last line `error: <what>: <problem>` holding ``expected``, and no traceback."""
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    last = done.stderr.strip().splitlines()[-1]
    assert "error: " in last and all(e in last for e in expected), last


def test_out_of_range_numbers_are_refused_before_training(trained: Path) -> None:
    """Issue 19 item 4: `train --lr nan` saved a NaN model over the working one, `--lr -1` a 0% model."""
    before = _model_files(trained)
    for args in (["--lr", "nan"], ["--lr", "-1"], ["--lr", "inf"], ["--epochs", "0"], ["--epochs", "1e9"],
                 ["--val-share", "2"], ["--seed", "-3"]):  # fmt: skip
        _refused(run_cli(trained, "train", *args, ok=False), f"argument {args[0]}: must be", repr(args[1]))
    _refused(run_cli(trained, "infer", "-i", photos("like", 1)[0], "--every", "0", ok=False), "argument --every")
    assert _model_files(trained) == before


def _read_only_copy(data: Path, where: Path) -> Iterator[Path]:
    """A copy of ``data`` that cannot be written: a read-only tmpfs for root (who ignores modes), else chmod."""
    if os.geteuid() != 0:
        shutil.copytree(data, where)
        for path in [where, *where.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield where
        finally:
            for path in [where, *where.rglob("*")]:
                path.chmod(0o755)
        return
    where.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(where)]).returncode:
        pytest.skip("root without mount cannot make a read-only folder")
    try:
        subprocess.run(["cp", "-a", f"{data}/.", str(where)], check=True)
        subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_read_commands_work_on_a_read_only_data_dir(trained: Path, tmp_path: Path) -> None:
    """Issue 19 item 5: every command opened the store with a write, so looking failed where writing does."""
    for data in _read_only_copy(trained, tmp_path / "ro"):
        assert "thumbs_up" in run_cli(data, "classes", "list").stdout
        assert "default:" in run_cli(data, "projects", "list").stdout
        out = tmp_path / "all.csv"
        run_cli(data, "export", "-o", str(out), "--format", "handteach")
        accuracy = last_json(run_cli(data, "evaluate", "--csv", str(out), "--format", "handteach"))["accuracy"]
        assert accuracy >= 0.8
        _refused(run_cli(data, "classes", "add", "wave", ok=False), "handteach.sqlite")


def test_evaluate_matches_csv_labels_to_the_model_regardless_of_case(trained: Path, tmp_path: Path) -> None:
    """A CSV labelled "THUMBS_UP" scored 0 against the model's "thumbs_up"; import already treats them as one."""
    exported, shouting = tmp_path / "all.csv", tmp_path / "upper.csv"
    run_cli(trained, "export", "-o", str(exported), "--format", "handteach")
    rows = list(csv.reader(exported.open(newline="")))
    column = rows[0].index("class")
    with shouting.open("w", newline="") as handle:
        csv.writer(handle).writerows(
            [rows[0], *([*r[:column], f" {r[column].upper()}", *r[column + 1 :]] for r in rows[1:])]
        )
    plain = last_json(run_cli(trained, "evaluate", "--csv", str(exported), "--format", "handteach"))
    upper = last_json(run_cli(trained, "evaluate", "--csv", str(shouting), "--format", "handteach"))
    assert upper["accuracy"] == plain["accuracy"] >= 0.8 and upper["per_class"] == plain["per_class"]


def test_infer_goes_on_past_an_unreadable_file(trained: Path, tmp_path: Path) -> None:
    """A bad photo among many stopped infer there (exit 2), the photos after it never annotated."""
    bad = tmp_path / "in" / "a_broken.jpg"
    bad.parent.mkdir()
    bad.write_text("not a photo")
    good = photos("like", 1)[0]
    done = run_cli(trained, "infer", "-i", str(bad), good, "-o", str(tmp_path / "out"), ok=False)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert [line for line in done.stderr.splitlines() if line.startswith("error:")] == [
        f"error: {bad}: not a readable image (the content is not JPEG/PNG/WebP/BMP data)"
    ]
    assert len(list((tmp_path / "out").rglob("*.png"))) == 1 and "wrote " in done.stdout
    done = run_cli(trained, "infer", "-i", str(bad), ok=False)
    assert done.returncode == 2 and done.stderr.strip().splitlines()[-1].startswith(f"error: {bad}: ")


def test_infer_of_a_never_trained_project_on_a_read_only_data_dir(tmp_path: Path) -> None:
    """Looking up the project's CPM weights created data/projects/default/: infer failed where it cannot write."""
    data = tmp_path / "data"
    run_cli(data, "classes", "add", "wave")  # the default project exists, never trained: the starter model answers
    assert not (data / "projects").exists()
    for read_only in _read_only_copy(data, tmp_path / "ro"):
        done = run_cli(read_only, "infer", "-i", photos("like", 1)[0], "-o", str(tmp_path / "out"), "--json")
        (record,) = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
        assert [hand["label"] for hand in record["hands"]] == ["thumbs_up"]


def test_bad_values_end_in_an_error_line(trained: Path, tmp_path: Path) -> None:
    """Issue 19 items 6 and 8 through the CLI: each names the file or value, exit 2, no traceback."""
    before = run_cli(trained, "classes").stdout
    good = tmp_path / "all.csv"
    run_cli(trained, "export", "-o", str(good), "--format", "handteach")
    header, first, *_ = good.read_text().splitlines()
    cells = first.split(",")
    for column, value, expected in (("frame", str(2**63), "column frame"), ("backend", "openpose", "column backend"),
                                    ("created_at", "1e300", "column created_at")):  # fmt: skip
        bad = tmp_path / f"bad_{column}.csv"
        edited = list(cells)
        edited[header.split(",").index(column)] = value
        bad.write_text(f"{header}\n{','.join(edited)}\n")
        _refused(run_cli(trained, "import", str(bad), "--format", "handteach", ok=False), str(bad), "line 2", expected)
    kinivi, labels = tmp_path / "k.csv", tmp_path / "labels.csv"
    kinivi.write_text(",".join(["0", "1e30"] + ["0.5"] * 41) + "\n")
    labels.write_text("Open\n")
    done = run_cli(trained, "import", str(kinivi), "--format", "kinivi", "--labels", str(labels), ok=False)
    _refused(done, str(kinivi), "outside [-1, 1]")
    for emoji in ("\x1b[31mred", "x" * 10_000, "two\nlines"):
        _refused(run_cli(trained, "classes", "add", "wave", "--emoji", emoji, ok=False), "emoji")
    _refused(run_cli(trained, "classes", "add", "wave", "--mirror", "nothere", ok=False), "mirror 'nothere'")
    assert run_cli(trained, "classes").stdout == before


def test_a_database_locked_by_another_program_stops_with_a_summary(trained: Path) -> None:
    """Issue 19 item 6: `database is locked` was a raw traceback with no word of what was done. (SQLite's
    wait is cut from 30 s to 1 s in the child so the test is quick.) Issue 53: it names no path of the server."""
    holder = sqlite3.connect(trained / "handteach.sqlite", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program writing, and not letting go
    try:
        env = {**os.environ, "HANDTEACH_DATA": str(trained), "PYTHONPATH": str(REPO), "HANDTEACH_LOCK_WAIT_S": "1"}
        done = subprocess.run([sys.executable, "-m", "core", "extract", "-i", photos("like", 20)[-1],
                               "--label", "thumbs_up"], capture_output=True, text=True, env=env, cwd=REPO,
                              timeout=300)  # fmt: skip
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    _refused(done, "The server is busy: another write held the store")
    assert "handteach.sqlite" not in done.stderr and str(trained) not in done.stderr
    assert "stopped: nothing stored in project 'default', the database stayed locked" in done.stdout


# ---- body projects --------------------------------------------------------------------------


def yoga_photos(pose: str, count: int) -> list[Path]:
    """The first ``count`` yoga8 photos of ``pose`` (tests and benchmarks only: see the folder's SOURCE.md)."""
    folder = shared_path("..", "body", "yoga8", "images", pose)
    return sorted(folder.glob("*.jpg"))[:count]


def _write_rgb(path: Path, rgb) -> str:  # noqa: ANN001 - an (H, W, 3) uint8 array
    import cv2

    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return str(path)


def test_body_project_counts_no_person_several_people_and_legs_cut_off_apart(tmp_path: Path) -> None:
    import cv2
    import numpy as np

    from core.io.video import read_image

    data = tmp_path / "data"
    done = run_cli(data, "projects", "create", "yoga", "--skeleton", "body")
    assert "body poses" in done.stdout
    refused = run_cli(data, "projects", "create", "yoga-cpm", "--skeleton", "body", "--backend", "cpm", ok=False)
    assert refused.returncode == 2 and "error: backend 'cpm' cannot serve the body project" in refused.stderr
    run_cli(data, "classes", "add", "tree", "--project", "yoga")
    assert run_cli(data, "classes", "list", "--project", "yoga").stdout.split() == ["tree:", "0", "samples"]

    one, other = (read_image(p) for p in yoga_photos("tree", 2))
    small = cv2.resize(other, (round(other.shape[1] * 150 / other.shape[0]), 150))
    small = np.pad(small, ((125, 125), (0, 0), (0, 0)), mode="edge")
    big = cv2.resize(one, (round(one.shape[1] * 400 / one.shape[0]), 400))
    two = _write_rgb(tmp_path / "two_people.png", np.concatenate([small, big], axis=1))
    blank = _write_rgb(tmp_path / "wall.png", np.full((300, 400, 3), 200, np.uint8))
    cut = _write_rgb(tmp_path / "no_legs.png", np.ascontiguousarray(one[: one.shape[0] // 3]))
    report = last_json(run_cli(data, "extract", "-i", str(yoga_photos("tree", 1)[0]), two, blank, cut,
                               "--label", "tree", "--project", "yoga"))  # fmt: skip
    assert report["stored"] == 2 and report["frames"] == 4
    assert report["rejected"] == {"no person": 1, "person partly in view (legs cut off or hidden)": 1}
    assert report["no_person"] == 1 and "no_hand" not in report  # a body project's JSON speaks of people
    done = run_cli(data, "extract", "-i", two, "--label", "tree", "--project", "yoga")
    assert "warning: two_people.png: 2 people found; the largest used (box " in done.stdout
    assert run_cli(data, "classes", "list", "--project", "yoga").stdout.split() == ["tree:", "3", "samples"]

    nothing = last_json(run_cli(data, "extract", "-i", blank, cut, "--label", "tree", "--project", "yoga"))
    assert nothing["stored"] == 0 and sum(nothing["rejected"].values()) == 2
    assert run_cli(data, "classes", "list", "--project", "yoga").stdout.split() == ["tree:", "3", "samples"]


def test_body_project_trains_infers_evaluates_exports_and_refuses_hand_samples(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run_cli(data, "projects", "create", "yoga", "--skeleton", "body")
    trees, warriors = yoga_photos("tree", 14), yoga_photos("warrior2", 14)
    for label, photos_ in (("tree", trees[:10]), ("warrior2", warriors[:10])):
        run_cli(data, "classes", "add", label, "--project", "yoga")
        report = last_json(run_cli(data, "extract", "-i", *map(str, photos_), "--label", label, "--project", "yoga"))
        assert report["stored"] == 10, report
    result = last_json(run_cli(data, "train", "--project", "yoga", "--epochs", "150", "--seed", "0"))
    assert result["classes"] == ["tree", "warrior2"] and result["starter_rows"] == 0

    held_out = [*trees[10:], *warriors[10:]]  # photos the model never saw
    done = run_cli(data, "infer", "--project", "yoga", "-i", str(held_out[0]), "-o", str(tmp_path / "out"), "--json")
    record = json.loads(next(line for line in done.stdout.splitlines() if line.startswith("{")))
    (person,) = record["hands"]
    assert person["skeleton"] == "body" and len(person["keypoints"]) == 33 and len(person["visibility"]) == 33
    assert person["label"] == "tree"
    assert (tmp_path / "out" / f"{held_out[0].stem}.png").is_file()

    labels = tmp_path / "labels.csv"
    labels.write_text("file,label\n" + "".join(f"{p},{p.parent.name}\n" for p in held_out), encoding="utf-8")
    done = run_cli(data, "evaluate-images", "--project", "yoga", "--labels", str(labels))
    report = last_json(done)
    assert report["n_images"] == 8 and report["accuracy"] >= 0.75, report
    assert report["no_person"] == 0 and "no_hand" not in report and "images with a person" in done.stdout

    # the body samples leave as a handteach CSV of 33 joints, come back into another body project, and score alike
    run_cli(data, "export", "-p", "yoga", "-o", str(tmp_path / "yoga.csv"), "--format", "handteach")
    run_cli(data, "projects", "create", "yoga2", "--skeleton", "body")
    done = run_cli(data, "import", str(tmp_path / "yoga.csv"), "--format", "handteach", "-p", "yoga2")
    assert "imported 20 samples into project 'yoga2'" in done.stdout
    scored = last_json(
        run_cli(data, "evaluate", "-p", "yoga", "--csv", str(tmp_path / "yoga.csv"), "--format", "handteach")
    )
    assert scored["n"] == 20 and scored["accuracy"] >= 0.9, scored

    run_cli(data, "export-onnx", "--project", "yoga", "-o", str(tmp_path / "yoga.onnx"))
    import onnx

    model = onnx.load(str(tmp_path / "yoga.onnx"))
    inputs = [(i.name, [d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim]) for i in model.graph.input]
    assert inputs == [("landmarks", ["batch", 33, 3]), ("image_size", [2]), ("visibility", ["batch", 33])]

    # a hand sample never enters the body project: not from a hand project's CSV, not from a hand photo
    run_cli(data, "extract", "-i", *photos("like", 2), "--label", "thumbs_up")
    run_cli(data, "export", "-o", str(tmp_path / "hands.csv"), "--format", "handteach")
    refused = run_cli(
        data, "import", str(tmp_path / "hands.csv"), "--format", "handteach", "--project", "yoga", ok=False
    )
    assert (
        refused.returncode == 2
        and "hands.csv: holds hand keypoints (21 points); project 'yoga' holds body" in refused.stderr
    )
    refused = run_cli(data, "import", str(tmp_path / "yoga.csv"), "--format", "handteach", ok=False)
    assert "yoga.csv: holds body keypoints (33 points); project 'default' holds hand" in refused.stderr
    refused = run_cli(
        data, "evaluate", "-p", "yoga", "--csv", str(tmp_path / "hands.csv"), "--format", "handteach", ok=False
    )
    assert "hands.csv: holds hand keypoints; the model of project 'yoga' reads body keypoints" in refused.stderr
    hand_photo = str(shared_path("video", "hands.jpg"))
    report = last_json(run_cli(data, "extract", "-i", hand_photo, "--label", "tree", "--project", "yoga"))
    assert report["stored"] == 0 and report["rejected"] == {"no person": 1}
    listed = run_cli(data, "classes", "list", "--project", "yoga").stdout.split()
    assert listed == ["tree:", "10", "samples", "warrior2:", "10", "samples"]


# extended: a pip install of the checkout: `make` installs the command every CI run
@pytest.mark.extended
def test_pip_install_gives_the_handteach_command(tmp_path: Path) -> None:
    """``pip install .`` (here into a prefix, dependencies taken from this environment) installs a
    ``handteach`` script that runs the same CLI outside the checkout, with the shipped weights, and
    keeps its data out of site-packages."""
    prefix, home = tmp_path / "prefix", tmp_path / "home"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--prefix", str(prefix), str(REPO)], check=True, capture_output=True)  # fmt: skip
    shutil.rmtree(REPO / "build", ignore_errors=True)
    site = next(prefix.glob("lib/python3*/site-packages"))
    assert (site / "core/starter/weights/starter_set.npz").is_file()
    assert (site / "core/cpm/weights/model.safetensors").is_file()
    env = {k: v for k, v in os.environ.items() if k not in ("HANDTEACH_DATA", "PYTHONPATH", "XDG_DATA_HOME")}
    env |= {"PYTHONPATH": str(site), "HOME": str(home)}
    script = prefix / "bin" / "handteach"
    helped = subprocess.run([str(script), "--help"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert helped.returncode == 0 and "export-onnx" in helped.stdout
    listed = subprocess.run([str(script), "classes", "list"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    assert "thumbs_up" in listed.stdout
    assert (home / ".local/share/handteach/handteach.sqlite").is_file()


def test_train_names_own_gestures_that_are_each_other_s_mirror_image(tmp_path: Path) -> None:
    """A game's "Move Left" and "Move Right" are one hand pose mirrored: training weighs their mirrored copies less
    (core.gestures.mirror_weights) and says so, as the other hand then needs a take of its own."""
    import numpy as np
    from handmaker import make_hand, mirror_hand, pointing_hand, rotate

    from core.data.csv_files.csv_io import kinivi_values

    rng = np.random.default_rng(0)
    rows = []
    for label, direction, mirrored in ((0, 180.0, False), (1, 180.0, True), (2, 90.0, False)):
        for _ in range(15):
            hand = make_hand(rotate(pointing_hand(direction) + rng.normal(0, 2, (21, 2)), rng.uniform(-8, 8)))
            values = kinivi_values(mirror_hand(hand) if mirrored else hand)
            rows.append(",".join([str(label), *(f"{v:.4f}" for v in values)]))
    keypoints, labels, data = tmp_path / "keypoint.csv", tmp_path / "labels.csv", tmp_path / "data"
    keypoints.write_text("\n".join(rows) + "\n")
    labels.write_text("Move Right\nMove Left\nUp\n")
    run_cli(data, "projects", "create", "game")
    run_cli(data, "import", str(keypoints), "--format", "kinivi", "--labels", str(labels), "-p", "game")
    done = run_cli(data, "train", "-p", "game", "--seed", "0")
    assert last_json(done)["mirror_landings"] == {"Move Left": "Move Right", "Move Right": "Move Left"}
    assert (
        "note: Move Left mirrored looks like your Move Right; Move Right mirrored looks like your Move Left"
        in done.stderr
    )

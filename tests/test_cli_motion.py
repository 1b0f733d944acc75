"""The command line in a motion project: create, extract (one clip per video), train, evaluate-clips, infer.

The quick tests run the CLI in-process on inputs it must refuse before MediaPipe starts; the slow one
runs the real CLI in subprocesses on real-pixel swipes made with ffmpeg from a shared HaGRID photo.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import shared_path
from test_cli import last_json, run_cli

from core.cli.main import main
from core.data.clips import StoredClip, add_clips, clip_counts
from core.data.store import Store
from core.motion.clip import Clip

PHOTO = ("hagrid_380", "images", "palm", "palm_00000.jpg")


def cli(data: Path, *args: str) -> int:
    return main(["--data", str(data), *args])


def motion_project(data: Path, name: str = "moves") -> Store:
    assert cli(data, "projects", "create", name, "--motion") == 0
    return Store(data)


def ffmpeg_pan(out: Path, photo: Path, x0: float, travel: float, start: float, seconds: float, total: float) -> Path:
    """``photo`` sliding ``travel`` px across a 384×288 grey frame (eased, from ``start`` for ``seconds``), H.264."""
    move = f"{x0}+({travel})*(1-cos(PI*clip((t-{start})/{seconds},0,1)))/2"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"color=c=0x707070:s=384x288:r=25:d={total}",
                    "-loop", "1", "-i", str(photo), "-filter_complex",
                    f"[1]scale=-2:200[h];[0][h]overlay=x='{move}':y=44:shortest=1,noise=alls=4:allf=t",
                    "-t", str(total), "-c:v", "libx264", "-crf", "23", "-pix_fmt", "yuv420p", str(out)],
                   check=True)  # fmt: skip
    return out


def needs_ffmpeg() -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg not found: it makes the moving clips")


def test_a_motion_project_is_listed_with_its_clips(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = motion_project(tmp_path)
    assert store.project_is_motion("moves") and store.list_classes("moves") == []  # no static default classes
    store.add_class("moves", "wave")
    clip = Clip(np.full((10, 21, 3), 0.5, np.float32), np.ones(10, bool), np.arange(10) / 25, label="wave")
    add_clips(store, "moves", [StoredClip(clip)])
    capsys.readouterr()
    assert cli(tmp_path, "projects", "list") == 0 and cli(tmp_path, "classes", "list", "-p", "moves") == 0
    out = capsys.readouterr().out
    assert "moves: 1 clips in 1 classes (motion)" in out and "wave: 1 clips" in out


def test_extract_refuses_photos_and_overlong_videos_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    needs_ffmpeg()
    store = motion_project(tmp_path / "data")
    long_video = tmp_path / "long.mp4"  # 11 s: over the 10 s a clip may last, refused from its header
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=gray:s=64x48:r=25:d=11",
                    "-c:v", "libx264", "-pix_fmt", "yuv420p", str(long_video)], check=True)  # fmt: skip
    photo = shared_path(*PHOTO)
    code = cli(tmp_path / "data", "extract", "-i", str(photo), str(long_video), "--label", "wave", "-p", "moves")
    err = capsys.readouterr().err
    assert code == 2
    assert f"error: {photo}: a motion gesture is a video (one file, one clip), not a photo" in err
    assert f"error: {long_video}: " in err and "10" in err.split(str(long_video))[1].splitlines()[0]
    assert store.list_classes("moves") == [] and clip_counts(store, "moves") == {}


def test_training_and_evaluating_say_what_is_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = motion_project(tmp_path)
    assert cli(tmp_path, "train", "-p", "moves") == 2
    assert "project 'moves' has no clips yet" in capsys.readouterr().err
    for name in ("swipe_left", "swipe_right"):
        store.add_class("moves", name)
    rng = np.random.default_rng(0)
    clips = [Clip(rng.uniform(0, 1, (12, 21, 3)).astype(np.float32), np.ones(12, bool), np.arange(12) / 25,
                  label=name) for name in ("swipe_left", "swipe_right", "swipe_right")]  # fmt: skip
    add_clips(store, "moves", [StoredClip(c) for c in clips])
    assert cli(tmp_path, "train", "-p", "moves") == 2
    assert "too few clips to train: {'swipe_left': 1, 'swipe_right': 2}" in capsys.readouterr().err
    labels = tmp_path / "clips.csv"
    labels.write_text("file,label\nx.mp4,swipe_left\n")
    assert cli(tmp_path, "evaluate-clips", "--labels", str(labels), "-p", "moves") == 2
    assert "project 'moves' has no trained motion model yet" in capsys.readouterr().err
    assert cli(tmp_path, "infer", "-i", "x.mp4", "-o", "out", "-p", "moves") == 2
    assert "error: -o: in a motion project `infer` lists the gestures found" in capsys.readouterr().err
    cli(tmp_path, "projects", "create", "signs")
    assert cli(tmp_path, "evaluate-clips", "--labels", str(labels), "-p", "signs") == 2
    assert "project 'signs' holds single-frame gestures, not motion gestures" in capsys.readouterr().err


def test_a_static_csv_cannot_enter_a_motion_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = motion_project(tmp_path / "data")
    rows, labels = tmp_path / "keypoint.csv", tmp_path / "labels.csv"
    rows.write_text("0," + ",".join(["0.1"] * 42) + "\n")
    labels.write_text("Open\n")
    args = ("import", str(rows), "--format", "kinivi", "--labels", str(labels), "-p", "moves")
    assert cli(tmp_path / "data", *args) == 2
    assert "project 'moves' is a motion project: it holds clips of motion gestures" in capsys.readouterr().err
    assert store.list_classes("moves") == []


def test_evaluate_clips_names_a_bad_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from core.data.project_motion import read_clip_labels

    bad = tmp_path / "clips.csv"
    bad.write_text("path,class\na.mp4,wave\n")
    with pytest.raises(ValueError, match="clips.csv: the first line must be the header 'file,label', got 'path,class'"):
        read_clip_labels(bad)
    bad.write_text("file,label\na.mp4\n")
    with pytest.raises(ValueError, match="clips.csv: line 2: expected 'file,label', got 'a.mp4'"):
        read_clip_labels(bad)
    bad.write_text("file,label\nsub/a.mp4,wave\n/abs/b.mp4,idle\n")
    assert read_clip_labels(bad) == [(tmp_path / "sub" / "a.mp4", "wave"), (Path("/abs/b.mp4"), "idle")]


@pytest.mark.slow
def test_teach_two_swipes_then_evaluate_and_spot_them(tmp_path: Path) -> None:
    """Real pixels (a HaGRID photo panned by ffmpeg), real MediaPipe, the real CLI in subprocesses."""
    needs_ffmpeg()
    photo, data = shared_path(*PHOTO), tmp_path / "data"
    # swipe_left is named in the user's (mirrored) view: the hand moves to +x of the raw frame
    moves = {"swipe_left": [(10, 170, 0.4, 0.7, 1.6), (30, 140, 0.3, 0.5, 1.4), (0, 180, 0.5, 0.9, 1.8)],
             "swipe_right": [(180, -170, 0.4, 0.7, 1.6), (150, -140, 0.3, 0.5, 1.4), (184, -180, 0.5, 0.9, 1.8)]}  # fmt: skip
    run_cli(data, "projects", "create", "moves", "--motion")
    short = ffmpeg_pan(tmp_path / "short.mp4", photo, 10, 170, 0.0, 0.1, 0.2)
    empty = tmp_path / "no_hand.mp4"  # 1 s of an empty room
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=0x707070:s=384x288:r=25:d=1",
                    "-c:v", "libx264", "-pix_fmt", "yuv420p", str(empty)], check=True)  # fmt: skip
    for label, plans in moves.items():
        videos = [str(ffmpeg_pan(tmp_path / f"{label}{i}.mp4", photo, *plan)) for i, plan in enumerate(plans)]
        done = run_cli(data, "extract", "-i", *videos, *([str(short), str(empty)] if label == "swipe_left" else []),
                       "--label", label, "-p", "moves", ok=False)  # fmt: skip
        report = last_json(done)
        assert report["stored"] == 3 and report["frames"] >= 3 * 35, report
        if label == "swipe_left":  # the 5-frame clip and the one without a hand are named and refused
            assert done.returncode == 1 and f"error: {short}: 5 frames, too short" in done.stderr
            assert f"error: {empty}: the hand is found in only 0 of 25 frames" in done.stderr, done.stderr
    result = last_json(run_cli(data, "train", "-p", "moves", "--epochs", "40", "--seed", "1"))
    assert result["classes"] == ["swipe_left", "swipe_right"] and result["n_clips"] == 6
    # held out: other speeds and starts, listed relative to the CSV, one missing file
    held = tmp_path / "held"
    held.mkdir()
    ffmpeg_pan(held / "l.mp4", photo, 20, 150, 0.6, 0.6, 1.8)
    ffmpeg_pan(held / "r.mp4", photo, 170, -150, 0.6, 0.6, 1.8)
    (held / "clips.csv").write_text("file,label\nl.mp4,Swipe_Left\nr.mp4,swipe_right\ngone.mp4,swipe_left\n")
    done = run_cli(data, "evaluate-clips", "--labels", str(held / "clips.csv"), "-p", "moves", ok=False)
    assert done.returncode == 1 and f"error: {held / 'gone.mp4'}: file not found" in done.stderr
    scores = last_json(done)
    assert scores["n"] == 2 and scores["accuracy"] == 1.0, scores
    assert scores["per_class"] == {"swipe_left": 1.0, "swipe_right": 1.0}
    # a 3 s stream: still, a swipe from 1.0 s to 1.6 s, still
    stream = ffmpeg_pan(tmp_path / "stream.mp4", photo, 20, 160, 1.0, 0.6, 3.0)
    done = run_cli(data, "infer", "-i", str(stream), "-p", "moves", "--json")
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [e["label"] for e in events] == ["swipe_left"], done.stdout
    assert 0.7 <= events[0]["start"] <= 1.2 and 1.5 <= events[0]["end"] <= 2.2, events


def test_asking_about_a_motion_project_imports_neither_torch_nor_scikit_learn() -> None:
    """The sidebar asks on every page, while the app's warm-up thread may be importing them: a second
    importer meanwhile got a partly initialised scikit-learn (ImportError 'clone' in the browser test)."""
    import sys

    from core.data.project_motion import MODEL_FILE
    from core.motion.model import CONFIG_FILE

    assert MODEL_FILE == CONFIG_FILE
    code = (
        "import sys, core.data.project_motion, core.data.clips; print(sorted({'torch', 'sklearn'} & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[1])  # fmt: skip
    assert done.stdout.strip() == "[]", done.stdout

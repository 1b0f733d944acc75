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
from motionmaker import SIZE, keypoint_clip
from test_cli import last_json, run_cli

from bench.common.panned_photo import pan_video
from core.cli.main import main
from core.data.clips import StoredClip, add_clips, clip_counts, list_clips
from core.data.csv_files.point_history import PointHistory, history_windows, write_point_history
from core.data.project_motion import load_motion_model
from core.data.store import Store
from core.motion.clip import Clip
from core.motion.features import MotionFeatureConfig, clip_features
from core.skeletons import FINGERTIP

PHOTO = ("hagrid_380", "images", "palm", "palm_00000.jpg")


def cli(data: Path, *args: str) -> int:
    return main(["--data", str(data), *args])


def motion_project(data: Path, name: str = "moves") -> Store:
    assert cli(data, "projects", "create", name, "--motion") == 0
    return Store(data)


def ffmpeg_pan(out: Path, photo: Path, x0: float, travel: float, start: float, seconds: float, total: float) -> Path:
    """``photo`` sliding ``travel`` px across a 384×288 grey frame (eased, from ``start`` for ``seconds``), H.264."""
    return pan_video(out, photo, x0, [(start, seconds, travel)], total, size=(384, 288), fps=25, photo_height=200, y=44)


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
    assert "moves: 1 clip in 1 of 1 gesture (motion)" in out and "wave: 1 clip" in out


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
    assert "project 'moves' has no trained motion model yet" in capsys.readouterr().err
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
    # 0.2 s still before and after each swipe: MediaPipe's frames are most of this test's time
    moves = {"swipe_left": [(10, 170, 0.2, 0.7, 1.1), (30, 140, 0.2, 0.5, 0.9), (0, 180, 0.2, 0.9, 1.3)],
             "swipe_right": [(180, -170, 0.2, 0.7, 1.1), (150, -140, 0.2, 0.5, 0.9), (184, -180, 0.2, 0.9, 1.3)]}  # fmt: skip
    motion_project(data)  # in-process: one interpreter start less
    short = ffmpeg_pan(tmp_path / "short.mp4", photo, 10, 170, 0.0, 0.1, 0.2)
    empty = tmp_path / "no_hand.mp4"  # 1 s of an empty room
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=0x707070:s=384x288:r=25:d=1",
                    "-c:v", "libx264", "-pix_fmt", "yuv420p", str(empty)], check=True)  # fmt: skip
    for label, plans in moves.items():
        videos = [str(ffmpeg_pan(tmp_path / f"{label}{i}.mp4", photo, *plan)) for i, plan in enumerate(plans)]
        done = run_cli(data, "extract", "-i", *videos, *([str(short), str(empty)] if label == "swipe_left" else []),
                       "--label", label, "-p", "moves", ok=False)  # fmt: skip
        report = last_json(done)
        assert report["stored"] == 3 and report["frames"] >= 3 * 22, report
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
    # one run lists the gestures and writes the stream annotated: the trail while the hand moves, the name
    # once it fires
    out = tmp_path / "out" / "stream.mp4"
    done = run_cli(data, "infer", "-i", str(stream), "-p", "moves", "--json", "-o", str(out))
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [e["label"] for e in events] == ["swipe_left"], done.stdout
    assert 0.7 <= events[0]["start"] <= 1.2 and 1.5 <= events[0]["end"] <= 2.2, events
    assert f"annotated video written to {out}" in done.stdout
    frames = read_video(out)
    assert len(frames) == 75 and frames[0].shape == (288, 384, 3)
    trail = [int(np.all(np.abs(f.astype(int) - (255, 200, 0)) < 40, axis=2).sum()) for f in frames]
    badge = [int(np.all(np.abs(f[:12, :12].astype(int) - (30, 150, 70)) < 40, axis=2).sum()) for f in frames]
    fired = round(events[0]["end"] * 25)
    # the trail grows while the hand moves (frames 25-40); before, the still hand's trail is a dot
    assert max(trail[30:45]) > 3 * trail[5] + 100, trail
    assert not any(badge[: fired - 5]) and all(b > 100 for b in badge[fired + 3 : fired + 20]), (fired, badge)


def read_video(path: Path) -> list[np.ndarray]:
    import cv2

    capture = cv2.VideoCapture(str(path))
    frames = []
    while (got := capture.read())[0]:
        frames.append(cv2.cvtColor(got[1], cv2.COLOR_BGR2RGB))
    capture.release()
    return frames


def kinivi_rows(kinds: list[str], starts: range, labels: list[str]) -> PointHistory:
    """kinivi rows from the real index fingertip (MediaPipe, shared ASL video) carried along each path."""
    paths, ids = [], []
    for kind in kinds:
        for start in starts:
            clip = keypoint_clip(kind, start=start, frames=16, amplitude=250.0, seed=start)
            tip = clip.points[:, 8, :2] * np.array(SIZE)
            tip[:, 0] = SIZE[0] - tip[:, 0]  # kinivi flips the frame first: the user view
            paths.append(history_windows(tip, SIZE)[0])
            ids.append(labels.index(kind))
    return PointHistory(np.stack(paths), np.array(ids), labels)


def write_rows(folder: Path, history: PointHistory, name: str = "point_history.csv") -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rows, labels = folder / name, folder / "point_history_classifier_label.csv"
    write_point_history(rows, labels, history)
    return rows, labels


def test_kinivi_history_imports_as_fingertip_clips(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    labels = ["swipe_left", "swipe_right", "idle"]
    history = kinivi_rows(labels, range(0, 60, 20), labels)
    rows, names = write_rows(tmp_path, history)
    data = tmp_path / "data"
    assert cli(data, "import", str(rows), "--format", "kinivi-history", "--labels", str(names), "-p", "tips") == 0
    assert '"imported": 9' in capsys.readouterr().out
    store = Store(data)
    assert store.project_is_motion("tips") and store.project_skeleton("tips") == FINGERTIP
    assert clip_counts(store, "tips") == {"swipe_left": 3, "swipe_right": 3, "idle": 3}
    clips = [c.clip for c in list_clips(store, "tips")]
    assert all(c.points.shape == (16, 1, 3) and not c.points[:, :, 2].any() for c in clips)
    np.testing.assert_allclose(np.diff(clips[0].timestamps), 1 / 30)
    # stored unmirrored around the centre; the user view relative to the first point is the row again
    back = np.stack([0.5 - clips[0].points[:, 0, 0], clips[0].points[:, 0, 1] - 0.5], axis=1)
    np.testing.assert_allclose(back, history.paths[0], atol=1e-6)
    features = clip_features(clips[0], MotionFeatureConfig())
    assert features.shape == (32, 4)  # path and velocity only: a fingertip has no shape
    assert features[-1, 0] < -1.0  # a swipe to the user's left: about two hand sizes towards -x
    # a second import adds to the same project
    assert cli(data, "import", str(rows), "--format", "kinivi-history", "--labels", str(names), "-p", "tips") == 0
    assert sum(clip_counts(store, "tips").values()) == 18


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("0," + ",".join(["0.1"] * 30), "line 4: 31 columns, expected 33"),
        ("1," + ",".join(["0.1"] * 31) + ",up", "line 4, column 33: 'up' is not a number"),
        ("7," + ",".join(["0.1"] * 32), "line 4: unknown label id 7"),
    ],
)
def test_bad_point_history_csvs_change_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str], row: str,
                                               problem: str) -> None:  # fmt: skip
    labels = ["swipe_left", "swipe_right", "idle"]
    rows, names = write_rows(tmp_path, kinivi_rows(labels, range(0, 20, 20), labels))
    data = tmp_path / "data"
    args = ("import", str(rows), "--format", "kinivi-history", "--labels", str(names))
    assert cli(data, *args, "-p", "tips") == 0
    rows.write_text(rows.read_text() + row + "\n")
    capsys.readouterr()
    for project in ("tips", "fresh"):  # an existing project keeps its clips; a new one is not made
        assert cli(data, *args, "-p", project) == 2
        assert capsys.readouterr().err.strip() == f"error: {rows}: {problem}" + problem_tail(problem)
    store = Store(data)
    assert clip_counts(store, "tips") == {"swipe_left": 1, "swipe_right": 1, "idle": 1}
    assert "fresh" not in store.list_projects()
    assert cli(data, "import", str(rows), "--format", "kinivi-history", "-p", "x") == 2
    assert "--labels LABELS.csv is required with --format kinivi-history" in capsys.readouterr().err


def problem_tail(problem: str) -> str:
    if "columns" in problem:
        return " (a label id and 16 x, y points)"
    if "label id" in problem:
        return " (point_history_classifier_label.csv names ids 0 to 2)"
    return ""


def test_kinivi_history_needs_a_fingertip_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    labels = ["swipe_left", "idle"]
    rows, names = write_rows(tmp_path, kinivi_rows(labels, range(0, 20, 20), labels))
    motion_project(tmp_path / "data")
    args = ("import", str(rows), "--format", "kinivi-history", "--labels", str(names), "-p", "moves")
    assert cli(tmp_path / "data", *args) == 2
    assert "a fingertip clip cannot enter the hand project 'moves'" in capsys.readouterr().err
    assert clip_counts(Store(tmp_path / "data"), "moves") == {}


# extended: kinivi's point history: the swipes test covers motion training and evaluation
@pytest.mark.extended
@pytest.mark.slow
def test_kinivi_history_trains_and_evaluates_on_held_out_rows(tmp_path: Path) -> None:
    """The real CLI: import 8 rows a class, train (20 epochs: the test is about the path through the
    commands; bench/people/motion_kinivi.py --cli measures the defaults), evaluate on rows from other frames."""
    labels = ["circle", "swipe_left", "swipe_up", "idle"]
    train_rows, names = write_rows(tmp_path, kinivi_rows(labels, range(0, 240, 30), labels))
    test_rows, _ = write_rows(tmp_path, kinivi_rows(labels, range(15, 240, 30), labels), "test.csv")
    data = tmp_path / "data"
    run_cli(data, "import", str(train_rows), "--format", "kinivi-history", "--labels", str(names), "-p", "tips")
    result = last_json(run_cli(data, "train", "-p", "tips", "--epochs", "20", "--seed", "0"))
    assert result["n_clips"] == 32 and result["classes"] == sorted(labels)
    # a fingertip schedule runs its whole length (here the 20 asked for) and keeps its last weights
    assert result["best_epoch"] == result["epochs"] == 20 and set(result["per_class"]) == set(labels)
    model = load_motion_model(Store(data), "tips")
    assert model is not None and model.members == 3 and 0.0 <= model.threshold <= 0.5  # fingertip defaults
    assert model.width == 32 and model.metadata["members_best_epochs"] == [20, 20, 20]
    done = run_cli(data, "evaluate", "--csv", str(test_rows), "--format", "kinivi-history", "--labels", str(names),
                   "-p", "tips")  # fmt: skip
    scores = last_json(done)
    # chance is 0.25; 29-30 of 32 with 20 epochs and seeds 0-2 (the fingertip schedule: 28-30 before it)
    assert scores["n"] == 32 and scores["accuracy"] >= 0.8, scores
    assert set(scores["per_class"]) == set(labels) and scores["labels"] == [*sorted(labels), "unknown"]
    assert np.array(scores["confusion"]).sum() == 32
    # a hand project's model is not asked about fingertip paths
    run_cli(data, "projects", "create", "hands", "--motion")
    done = run_cli(data, "evaluate", "--csv", str(test_rows), "--format", "kinivi-history", "--labels", str(names),
                   "-p", "hands", ok=False)  # fmt: skip
    assert done.returncode == 2 and "has no trained motion model yet" in done.stderr


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


@pytest.mark.slow  # MediaPipe follows the hand
def test_clips_count_their_frames_and_a_cancel_stores_none(tmp_path: Path) -> None:
    """#45 item 9: Record's "Following the hand through 2 video(s)…" counted nothing; now frames done of all
    the videos' frames, and a cancel stops before the next frame and stores no clip."""
    import threading

    from core.data.project_motion import extract_clips
    from core.io.progress import planned_frames

    store = Store(tmp_path)
    store.create_project("moves", default_classes=False, motion=True)
    videos = sorted(shared_path("slovo_clips", "videos").glob("*.mp4"))
    planned = sum(planned_frames(v) for v in videos)
    cancel, seen = threading.Event(), []

    def on_progress(done: int, total: int) -> None:
        seen.append((done, total))
        if done == planned // 2:
            cancel.set()

    report = extract_clips(store, "moves", "wave", videos, on_progress=on_progress, cancel=cancel)
    assert report.cancelled and report.clip_ids == [] and clip_counts(store, "moves") == {}
    assert seen == [(n, planned) for n in range(planned // 2 + 1)]

"""kinivi's point-history task on real fingertip paths: our 1D-CNN against kinivi's MLP, split 75/25.

kinivi's app logs, for every frame, the last 16 index-fingertip positions of the flipped (user
view) frame, each minus the first and divided by the image size (``core.data.csv_files.point_history``).
Here those rows come from the real clips of ``bench/common/motion_clips.py`` (MediaPipe's fingertip on
real-pixel swipes, circles and idle takes, 16-frame windows over each clip's motion, every 2nd
frame; a swipe's or circle's windows that barely move are left out, ``MOVING_SHARE``): written as a
kinivi ``point_history.csv`` under ``data/cache/motion_kinivi/``, read back through our reader, then
split as kinivi's notebook does (75/25 stratified, random_state 42). Also split by person (the clips'
held-out people), which no window of a test person's clip reaches in training.

kinivi's model (its notebook): Dropout 0.2, Dense 24 ReLU, Dropout 0.5, Dense 10 ReLU, softmax;
Adam, batch 128, up to 1000 epochs, early stopping (patience 20) on the test split. Ours:
``core.motion`` 1D-CNN on the path features (path, velocity; 16 steps, no shape, no trimming),
trained with three seeds, each stopping on its own tenth of the training rows, and the three
averaged.

    .venv/bin/python -m bench.people.motion_kinivi
    .venv/bin/python -m bench.people.motion_kinivi --cli   # the user's path: import, train, evaluate (3 seeds)
    .venv/bin/python -m bench.people.motion_kinivi --cli --step 1   # the same at 3,223 imported rows

``--cli`` splits the same CSV 75/25 (stratified, random_state 42) into two kinivi files and runs the
real command line on them in a fresh data folder per seed: ``import --format kinivi-history`` (a motion
project of fingertip paths), ``train`` with the defaults and seeds 0-2, one after another, timed (the
JSON's ``seconds``, the training alone, and the whole command), ``evaluate --format kinivi-history`` on
the 25%, and reads each model's members and calibrated threshold from its ``motion.json``. ``--step 1``
takes a window at every frame instead of every 2nd: 4,298 rows, 3,223 imported, the size of a real
kinivi log (its CSV is written when missing; both need the cached clips, made on first use).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from torch import nn  # noqa: E402

from bench.common.motion_clips import CACHE, GESTURES, cached_sets  # noqa: E402
from core.data.csv_files.point_history import (  # noqa: E402
    HISTORY_LENGTH,
    PointHistory,
    history_clips,
    history_windows,
    read_point_history,
    write_point_history,  # noqa: E402
)
from core.data.project_motion import load_motion_model  # noqa: E402
from core.data.store import Store  # noqa: E402
from core.motion.clip import Clip  # noqa: E402
from core.motion.evaluate import evaluate_clips  # noqa: E402
from core.motion.features import MotionFeatureConfig, fill_gaps, motion_span, sequence_features  # noqa: E402
from core.motion.model import MotionModel  # noqa: E402
from core.motion.train import MotionTrainConfig, fit_sequences  # noqa: E402
from core.skeletons import HAND_21  # noqa: E402

INDEX_TIP = HAND_21.index("index_tip")
PATHS = MotionFeatureConfig(length=HISTORY_LENGTH, use_shape=False, trim=False)
# A window of a moving class shows the gesture when its fingertip travels at least this share of the
# farthest any window of the same take travels. kinivi's user logs rows while doing the motion; the
# padded still edges of a take (8.4% of its windows moved < 2% of the frame, as idle does) are not a swipe.
MOVING_SHARE = 0.25
CLIPS = (10, 15)  # training and held-out clips per class: the bench's set


def clip_rows(clip: Clip, step: int = 2, moving_share: float = MOVING_SHARE) -> np.ndarray:
    """kinivi rows of one clip: 16-frame fingertip windows over its motion (the whole take for idle); a
    moving class keeps the windows that travel at least ``moving_share`` of its farthest window's travel."""
    width, height = clip.image_size
    tip = fill_gaps(clip.points[:, INDEX_TIP, :2], clip.present, clip.timestamps) * np.array([width, height])
    tip[:, 0] = width - tip[:, 0]  # kinivi flips the frame before MediaPipe: the user view
    start, end = motion_span(tip, clip.timestamps)
    if clip.label == "idle" or end - start + 1 < HISTORY_LENGTH:
        start, end = 0, clip.num_frames - 1
    windows = history_windows(tip[start : end + 1], clip.image_size, step)
    if clip.label == "idle":
        return windows
    travel = np.abs(windows).max(axis=(1, 2))  # each row is relative to its first point
    return windows[travel >= moving_share * travel.max()]


def path_features(paths: np.ndarray) -> np.ndarray:
    """(N, 16, 2) kinivi rows → (N, 16, 4) features: image fractions, so the size is 1."""
    steps = np.arange(HISTORY_LENGTH, dtype=np.float64)
    ones = np.ones(HISTORY_LENGTH, dtype=np.float32)
    return np.stack([sequence_features(p, ones, steps, None, PATHS) for p in paths])


def kinivi_mlp(x: np.ndarray, y: np.ndarray, x_test: np.ndarray, y_test: np.ndarray, classes: int) -> float:
    """kinivi's notebook model and schedule, in PyTorch (it stops on the test split, as the notebook does)."""
    torch.manual_seed(42)
    net = nn.Sequential(nn.Dropout(0.2), nn.Linear(32, 24), nn.ReLU(), nn.Dropout(0.5), nn.Linear(24, 10), nn.ReLU(),
                        nn.Linear(10, classes))  # fmt: skip
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    xt, yt = torch.from_numpy(x.reshape(len(x), -1)), torch.from_numpy(y)
    xv, yv = torch.from_numpy(x_test.reshape(len(x_test), -1)), torch.from_numpy(y_test)
    best, best_state, since = np.inf, None, 0
    for _ in range(1000):
        net.train()
        for batch in torch.randperm(len(yt)).split(128):
            loss = nn.functional.cross_entropy(net(xt[batch]), yt[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
        net.eval()
        with torch.inference_mode():
            val = float(nn.functional.cross_entropy(net(xv), yv))
        if val < best:
            best, best_state, since = val, {k: v.clone() for k, v in net.state_dict().items()}, 0
        elif (since := since + 1) >= 20:
            break
    net.load_state_dict(best_state)
    with torch.inference_mode():
        return float((net(xv).argmax(1) == yv).float().mean())


def ours(x: np.ndarray, y: np.ndarray, x_test: np.ndarray, y_test: np.ndarray, classes: list[str],
         seeds: int = 3) -> tuple[list[float], float]:  # fmt: skip
    """The motion CNN on path features, once per seed, each stopping early on another tenth of the training
    rows. Returns each model's accuracy and that of their averaged probabilities (an ensemble that, between
    them, learns from every training row)."""
    fx, fx_test = path_features(x), path_features(x_test)
    singles, probabilities = [], []
    for seed in range(seeds):
        fit, val = train_test_split(np.arange(len(y)), test_size=0.1, stratify=y, random_state=seed)
        model = MotionModel(classes, HAND_21, PATHS)
        config = MotionTrainConfig(epochs=300, patience=40, seed=seed)
        fit_sequences(model, (fx[fit], y[fit]), (fx[val], y[val]), config)
        probabilities.append(model.predict_proba(fx_test))
        singles.append(float((probabilities[-1].argmax(1) == y_test).mean()))
    return singles, float((np.mean(probabilities, axis=0).argmax(1) == y_test).mean())


def history_csv(step: int = 2, moving_share: float = MOVING_SHARE,
                clip_counts: tuple[int, int] = CLIPS) -> tuple[Path, Path, list[str], int, set[str]]:  # fmt: skip
    """Write the kinivi CSV of windows every ``step`` frames: (csv, labels csv, each row's person, clips,
    training people). Step 2 is the bench's set (2,170 rows); step 1 has every window (4,298 rows);
    ``moving_share`` 0 keeps the still windows too (2,416 and 4,752 rows, the bench before)."""
    train, test = cached_sets(*clip_counts)
    classes = sorted(GESTURES)
    rows, ids, people = [], [], []
    for clip, person in train + test:
        windows = clip_rows(clip, step, moving_share)
        rows.append(windows)
        ids += [classes.index(str(clip.label))] * len(windows)
        people += [person] * len(windows)
    csv_path, labels_path = csv_paths(step, moving_share, clip_counts)
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    write_point_history(csv_path, labels_path, PointHistory(np.concatenate(rows), np.array(ids), classes))
    return csv_path, labels_path, people, len(train) + len(test), {p for _, p in train}


def csv_paths(step: int, moving_share: float = MOVING_SHARE, clips: tuple[int, int] = CLIPS) -> tuple[Path, Path]:
    folder = CACHE.parent / "motion_kinivi"
    name = "point_history" + ("" if step == 2 else f"_step{step}")
    name += "" if moving_share == 0 else f"_moving{round(moving_share * 100)}"
    name += "" if clips == CLIPS else f"_clips{clips[0]}x{clips[1]}"  # a smaller set never stands in for the bench's
    return folder / f"{name}.csv", folder / "point_history_classifier_label.csv"


def main(
    step: int = 2, moving_share: float = MOVING_SHARE, seeds: int = 3, clip_counts: tuple[int, int] = CLIPS
) -> None:
    torch.set_num_threads(1)
    csv_path, labels_path, people, clips, train_people = history_csv(step, moving_share, clip_counts)
    classes = sorted(GESTURES)
    history = read_point_history(csv_path, labels_path)
    x, y = history.paths, history.label_ids
    print(f"{csv_path}: {len(y)} rows from {clips} clips; per class "
          + ", ".join(f"{c} {n}" for c, n in zip(classes, np.bincount(y), strict=True)))  # fmt: skip
    by_person = np.array([p in train_people for p in people])
    splits = {
        "75/25 stratified (kinivi)": train_test_split(np.arange(len(y)), test_size=0.25, stratify=y, random_state=42),
        "held-out people": (np.flatnonzero(by_person), np.flatnonzero(~by_person)),
    }
    results: dict[str, dict[str, float]] = {}
    print(
        f"\n{'split':26} {'rows train/test':>15} {'kinivi MLP':>10} {f'CNN, {seeds} seeds':>20} {f'{seeds} averaged':>10} {'s':>4}"
    )
    for name, (a, b) in splits.items():
        started = time.perf_counter()
        mlp = kinivi_mlp(x[a], y[a], x[b], y[b], len(classes))
        singles, ensemble = ours(x[a], y[a], x[b], y[b], classes, seeds)
        results[name] = {
            "kinivi_mlp": round(mlp, 4),
            "cnn": [round(v, 4) for v in singles],
            "cnn_3": round(ensemble, 4),
        }
        print(
            f"{name:26} {len(a):>7}/{len(b):<7} {mlp:10.1%} {' '.join(f'{v:.1%}' for v in singles):>20} "
            f"{ensemble:10.1%} {time.perf_counter() - started:4.0f}"
        )
    print(json.dumps({"rows": int(len(y)), "clips": clips, "kinivi_notebook_reported": 0.97,
                      "accuracy": results}))  # fmt: skip


def _cli(data: Path, *args: str) -> dict:
    return _result(_start(data, *args), args[0])


def _start(data: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "core", "--data", str(data), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)  # fmt: skip


def _result(process: subprocess.Popen, command: str) -> dict:
    stdout, stderr = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"{command} failed:\n{stdout}\n{stderr}")
    return json.loads(stdout.strip().splitlines()[-1])


def cli_main(
    seeds: int = 3, step: int = 2, moving_share: float = MOVING_SHARE, clip_counts: tuple[int, int] = CLIPS
) -> None:
    csv_path, labels_path = csv_paths(step, moving_share, clip_counts)
    if not csv_path.exists():
        history_csv(step, moving_share, clip_counts)
    history = read_point_history(csv_path, labels_path)
    y = history.label_ids
    a, b = train_test_split(np.arange(len(y)), test_size=0.25, stratify=y, random_state=42)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="kinivi-cli-") as tmp:
        work = Path(tmp)
        names = work / "point_history_classifier_label.csv"
        for part, index in (("train", a), ("test", b)):
            write_point_history(
                work / f"{part}.csv", names, PointHistory(history.paths[index], y[index], history.labels)
            )
        for seed in range(seeds):
            imported = _cli(work / f"data{seed}", "import", str(work / "train.csv"), "--format", "kinivi-history",
                            "--labels", str(names), "-p", "kinivi")  # fmt: skip
        print(f"{csv_path.name}: imported {imported['imported']} rows; testing on {len(b)}")
        test_clips = history_clips(PointHistory(history.paths[b], y[b], history.labels), "test.csv")
        print(f"{'seed':>4} {'epochs':>6} {'train s':>7} {'command s':>9} {'load':>4} {'accuracy':>9} {'unknown':>7} "
              f"{'threshold':>9} {'without':>8}  per class")  # fmt: skip
        for seed in range(seeds):
            # One after another, so that each time is what a person waits for, not a share of the cores.
            started = time.perf_counter()
            trained = _cli(work / f"data{seed}", "train", "-p", "kinivi", "--seed", str(seed))
            command = time.perf_counter() - started
            load = os.getloadavg()[0]
            scores = _cli(work / f"data{seed}", "evaluate", "--csv", str(work / "test.csv"), "--format",
                          "kinivi-history", "--labels", str(names), "-p", "kinivi")  # fmt: skip
            model = load_motion_model(Store(work / f"data{seed}"), "kinivi")
            threshold = model.threshold
            unknown = int(np.array(scores["confusion"])[:, -1].sum())
            model.threshold = 0.0  # the same model never answering unknown: what the threshold costs
            bare = evaluate_clips(model, test_clips, model.classes).accuracy
            rows.append({"seed": seed, "epochs": trained["epochs"], "members": model.members,
                         "members_best_epochs": model.metadata.get("members_best_epochs"),
                         "train_seconds": trained["seconds"], "command_seconds": round(command, 1),
                         "load_1min": round(load, 2), "threshold": threshold, "accuracy": round(scores["accuracy"], 4),
                         "unknown": unknown, "accuracy_without_threshold": round(bare, 4),
                         "per_class": scores["per_class"]})  # fmt: skip
            print(f"{seed:>4} {trained['epochs']:>6} {trained['seconds']:7.1f} {command:9.1f} {load:4.1f} "
                  f"{scores['accuracy']:9.2%} {unknown:>7} {threshold:>9} {bare:8.2%}  "
                  + ", ".join(f"{k} {v:.2f}" for k, v in scores["per_class"].items()))  # fmt: skip
    accuracies = [r["accuracy"] for r in rows]
    print(json.dumps({"csv": csv_path.name, "rows_train": int(len(a)), "rows_test": int(len(b)),
                      "kinivi_notebook_reported": 0.97, "cli_accuracy": accuracies, "min": min(accuracies),
                      "mean": round(float(np.mean(accuracies)), 4),
                      "train_seconds": [r["train_seconds"] for r in rows],
                      "command_seconds": [r["command_seconds"] for r in rows], "runs": rows}))  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cli", action="store_true", help="import, train and evaluate through the command line")
    parser.add_argument("--step", type=int, default=2, help="a window every STEP frames (1: 4,298 rows)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds of our CNN (and, with --cli, trainings)")
    parser.add_argument("--clips", type=int, nargs=2, default=list(CLIPS), metavar=("TRAIN", "TEST"),
                        help="clips per class: training and held-out people's (default 10 15)")  # fmt: skip
    parser.add_argument(
        "--moving-share",
        type=float,
        default=MOVING_SHARE,
        help="a moving class's window must travel this share of its take's farthest (0: every window)",
    )
    args = parser.parse_args()
    clip_counts = (args.clips[0], args.clips[1])
    if args.cli:
        cli_main(args.seeds, args.step, args.moving_share, clip_counts)
    else:
        main(args.step, args.moving_share, args.seeds, clip_counts)

"""Accuracy on a real kinivi-format keypoint CSV, and training speed.

Builds a kinivi keypoint CSV (label id + 42 wrist-relative, max-abs-scaled values)
from real photos in ../shared/data (``--set digits13``, the default: rock/paper/scissors and ASL
digits, 13 classes; ``--set kinivi4``: kinivi's own Open/Close/Pointer/OK from rps, ASL digits
5/1/9 and HaGRID crops of thousands of people),
exactly as a user would: MediaPipe → store → ``export --format kinivi``. Hands under
``TINY_HAND_PX`` (40 px across) are counted apart, as ``evaluate-images`` does (``--keep-tiny``
keeps them): on the 100 px ASL digit photos they are MediaPipe's zoomed-out search finding a
"hand" on two or three fingers (13 of 19 are ASL "0"), keypoints no classifier can read. A stratified
25% of the rows is held out (once per ``--seeds`` value); the rest is imported into a fresh project (without the
default classes, as ``projects create --empty``), trained with the CLI's defaults
(the starter data on; with no starter gesture among the project's classes it trains
on the project's samples alone) and again with ``--no-starter``, and the held-out CSV
evaluated — the CLI's own functions.

``--cli`` runs the user's path instead, each seed in a fresh data folder: ``python -m core import
--format kinivi`` into the default project (its eight starter gestures listed, so kinivi's ``OK``
joins 👌 ``ok``), ``train --seed S`` with the defaults, ``evaluate`` on the held-out 25%; the
training seconds are the ones ``train`` reports (its own clock, not the interpreter's start).

``--csv keypoint.csv --labels keypoint_classifier_label.csv`` takes a real kinivi log instead (a person's own,
as their kinivi tool wrote it; e.g. one transcribed into ``data/cache/kinivi_full/``).

    python bench/people/kinivi_accuracy.py [--seeds 0 1 2] [--keep-tiny] [--time-only] [--cli] [--csv K.csv --labels L.csv]
Last line: JSON with the mean and per-seed accuracy, per_class (first seed), n_samples, train_seconds,
seconds_5000 with its epochs and milliseconds an epoch (seconds depend on the machine's load; epochs do not).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common.shared_sets import first_of_each, kinivi_four, labelled_hands, rps_and_digits  # noqa: E402
from core.data.csv_files import csv_io  # noqa: E402
from core.data.project import train_project  # noqa: E402
from core.data.store import Sample, Store  # noqa: E402
from core.gestures.features import FeatureConfig, keypoints_to_features  # noqa: E402
from core.gestures.training import TrainConfig, evaluate, train_classifier  # noqa: E402
from core.starter.images_eval import TINY_HAND_PX  # noqa: E402

SETS = {"digits13": rps_and_digits, "kinivi4": kinivi_four}
ROOT = Path(__file__).resolve().parents[2]


def write_kinivi_set(folder: Path, keep_tiny: bool = False, which: str = "digits13",
                     per_class: int | None = None) -> tuple[Path, Path, int]:  # fmt: skip
    hands, labels, no_hand = labelled_hands(first_of_each(SETS[which](), per_class))
    tiny = [h.extent() < TINY_HAND_PX for h in hands]
    if not keep_tiny:
        hands, labels = (
            [h for h, t in zip(hands, tiny, strict=True) if not t],
            [c for c, t in zip(labels, tiny, strict=True) if not t],
        )
    store = Store(folder / "build")
    project = store.create_project("kinivi_set", default_classes=False)
    samples = [Sample(hand=h, class_name=c, source_kind="image") for h, c in zip(hands, labels, strict=True)]
    store.add_samples(project, samples, create_classes=True)
    keypoints, names = folder / "keypoint.csv", folder / "keypoint_classifier_label.csv"
    csv_io.export_kinivi(store, project, keypoints, names)
    print(f"kinivi set: {len(hands)} rows ({no_hand} photos without a hand, {sum(tiny)} hands under "
          f"{TINY_HAND_PX} px {'kept' if keep_tiny else 'counted apart'}) → {keypoints}")  # fmt: skip
    return keypoints, names, len(hands)


def split_csv(keypoints: Path, seed: int) -> tuple[Path, Path]:
    """Stratified 75/25 split of the kinivi rows into two CSV files."""
    rows = keypoints.read_text().splitlines()
    ids = [int(r.split(",", 1)[0]) for r in rows]
    train, test = train_test_split(rows, test_size=0.25, stratify=ids, random_state=seed)
    train_csv, test_csv = keypoints.with_name("train.csv"), keypoints.with_name("test.csv")
    train_csv.write_text("".join(r + "\n" for r in train))
    test_csv.write_text("".join(r + "\n" for r in test))
    return train_csv, test_csv


def svc_accuracy(train_csv: Path, test_csv: Path) -> float:
    """A reference, not the product: scikit-learn's SVC (RBF, C = 10) on the same split's 42 CSV values, to tell a
    set's own ceiling (rows MediaPipe misread) from what the product's training leaves on the table."""
    from sklearn.svm import SVC

    train, test = (np.loadtxt(path, delimiter=",", ndmin=2) for path in (train_csv, test_csv))
    model = SVC(C=10).fit(train[:, 1:], train[:, 0].astype(int))
    return float((model.predict(test[:, 1:]) == test[:, 0].astype(int)).mean())


def time_5000(keypoints: Path, names: Path, seed: int) -> tuple[float, int]:
    """(wall seconds, epochs) to train on 5,000 rows (the set's rows drawn with replacement past its size)."""
    points, labels = csv_io.read_kinivi(keypoints, names)
    config = FeatureConfig(use_depth=False)
    rows = np.random.default_rng(seed).choice(len(labels), 5000, replace=len(labels) < 5000)
    features = keypoints_to_features(points[rows], config)
    start = time.perf_counter()
    result = train_classifier(
        features, [labels[i] for i in rows], sorted(set(labels)), {}, config, TrainConfig(seed=seed)
    )
    return time.perf_counter() - start, len(result.history)


def one_seed(folder: Path, keypoints: Path, names: Path, seed: int) -> dict:
    """Import 75% of the rows into a fresh project, train (starter on, then off), score the other 25%."""
    train_csv, test_csv = split_csv(keypoints, seed)
    store = Store(folder / f"user{seed}")
    project = store.create_project("bench", default_classes=False)
    csv_io.import_kinivi(store, project, train_csv, names)
    result, _ = train_project(store, project, TrainConfig(seed=seed), starter=True)
    points, labels = csv_io.read_kinivi(test_csv, names)
    report = evaluate(result.classifier, keypoints_to_features(points, result.classifier.feature_config), labels)
    alone, _ = train_project(store, project, TrainConfig(seed=seed), starter=False)
    report_alone = evaluate(alone.classifier, keypoints_to_features(points, alone.classifier.feature_config), labels)
    seconds_5000, epochs_5000 = time_5000(keypoints, names, seed)
    wrong = sorted(f"{t}->{p}" for t, p in zip(labels, report.predictions, strict=True) if t != p)
    print(f"seed {seed}: held-out accuracy {report.accuracy:.4f} ({len(wrong)} of {report.n} wrong: "
          f"{', '.join(wrong) or 'none'}); trained on {result.n_samples} rows in {result.seconds:.2f} s "
          f"({len(result.history)} epochs, {result.starter_rows} starter rows); --no-starter "
          f"{report_alone.accuracy:.4f} in {alone.seconds:.2f} s; 5,000 rows in {seconds_5000:.2f} s "
          f"({epochs_5000} epochs, {1000 * seconds_5000 / epochs_5000:.0f} ms an epoch)", flush=True)  # fmt: skip
    return {"seed": seed, "accuracy": round(report.accuracy, 5), "wrong": len(wrong), "n_test": report.n,
            "per_class": report.per_class, "train_seconds": round(result.seconds, 3),
            "starter_rows": result.starter_rows, "accuracy_no_starter": round(report_alone.accuracy, 5),
            "train_seconds_no_starter": round(alone.seconds, 3), "seconds_5000": round(seconds_5000, 3),
            "epochs_5000": epochs_5000}  # fmt: skip


def _cli(data: Path, *args: str) -> dict | str:
    """The last line of ``python -m core --data DATA ARGS`` (JSON read, else the text); stops the bench when it fails."""
    done = subprocess.run([sys.executable, "-m", "core", "--data", str(data), *args], capture_output=True, text=True,
                          cwd=ROOT, check=False)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"{args[0]} failed:\n{done.stdout}\n{done.stderr}")
    last = done.stdout.strip().splitlines()[-1]
    return json.loads(last) if last.startswith("{") else last


def cli_seed(folder: Path, keypoints: Path, names: Path, seed: int) -> dict:
    """75% imported into a fresh default project, trained with the CLI's defaults, 25% evaluated: all by the CLI."""
    train_csv, test_csv = split_csv(keypoints, seed)
    data = folder / f"cli{seed}"
    print(_cli(data, "import", str(train_csv), "--format", "kinivi", "--labels", str(names)), flush=True)
    trained = _cli(data, "train", "--seed", str(seed))
    scores = _cli(data, "evaluate", "--csv", str(test_csv), "--format", "kinivi", "--labels", str(names))
    wrong = int(round(scores["n"] * (1 - scores["accuracy"])))
    svc = svc_accuracy(train_csv, test_csv)
    print(f"seed {seed}: held-out accuracy {scores['accuracy']:.4f} ({wrong} of {scores['n']} wrong; scikit-learn's "
          f"SVC on the same split {svc:.4f}); trained in {trained['seconds']:.2f} s ({trained['epochs']} epochs, "
          f"{trained['starter_rows']} starter rows), classes {trained['classes']}", flush=True)  # fmt: skip
    return {"seed": seed, "accuracy": round(scores["accuracy"], 5), "svc_accuracy": round(svc, 5), "wrong": wrong,
            "n_test": scores["n"],
            "per_class": scores["per_class"], "train_seconds": trained["seconds"], "epochs": trained["epochs"],
            "starter_rows": trained["starter_rows"], "classes": trained["classes"],
            "left_out": trained.get("left_out")}  # fmt: skip


def kinivi_files(folder: Path, args: argparse.Namespace) -> tuple[Path, Path, int]:
    """(keypoint.csv, labels, rows): the given log, else one built from ``../shared`` (``--set``)."""
    if args.csv:
        rows = sum(1 for line in Path(args.csv).read_text(encoding="utf-8").splitlines() if line.strip())
        return Path(args.csv), Path(args.labels), rows
    return write_kinivi_set(folder, args.keep_tiny, args.set, args.per_class)


def cli_main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        keypoints, names, n_rows = kinivi_files(folder, args)
        runs = [cli_seed(folder, keypoints, names, seed) for seed in args.seeds]
    accuracies, seconds = [r["accuracy"] for r in runs], [r["train_seconds"] for r in runs]
    print(f"{len(runs)} seeds through the CLI: accuracy {min(accuracies):.4f}-{max(accuracies):.4f}, "
          f"training {min(seconds):.2f}-{max(seconds):.2f} s")  # fmt: skip
    print(json.dumps({"set": args.csv or args.set, "cli": True, "accuracy": accuracies, "train_seconds": seconds,
                      "n_samples": n_rows, "keep_tiny": args.keep_tiny, "runs": runs}))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="one split and training per seed")
    parser.add_argument("--set", choices=sorted(SETS), default="digits13",
                        help="digits13: rps + ASL digits, 13 classes; kinivi4: kinivi's Open/Close/Pointer/OK "
                        "from rps, ASL digits and HaGRID crops")  # fmt: skip
    parser.add_argument("--per-class", type=int, default=None, metavar="N",
                        help="the first N photos of each class (default all; few: the smoke test's quick run)")  # fmt: skip
    parser.add_argument("--keep-tiny", action="store_true", help=f"keep hands under {TINY_HAND_PX} px")
    parser.add_argument("--time-only", action="store_true",
                        help="only the 5,000-row training time per seed (the quiet-machine timing)")  # fmt: skip
    parser.add_argument("--cli", action="store_true",
                        help="the user's path: import into the default project, train and evaluate by the CLI")  # fmt: skip
    parser.add_argument("--csv", help="a real kinivi keypoint.csv instead of one built from ../shared")
    parser.add_argument("--labels", help="its keypoint_classifier_label.csv (with --csv)")
    args = parser.parse_args()
    if bool(args.csv) != bool(args.labels):
        parser.error("--csv and --labels go together")
    if args.cli:
        cli_main(args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        keypoints, names, n_rows = kinivi_files(folder, args)
        if args.time_only:
            timed = [time_5000(keypoints, names, seed) for seed in args.seeds]
            for seed, (seconds, epochs) in zip(args.seeds, timed, strict=True):
                print(f"seed {seed}: 5,000 rows in {seconds:.2f} s ({epochs} epochs, "
                      f"{1000 * seconds / epochs:.0f} ms an epoch)")  # fmt: skip
            print(json.dumps({"seconds_5000": [round(s, 3) for s, _ in timed], "epochs_5000": [e for _, e in timed],
                              "seeds": args.seeds, "within_5s": sum(s <= 5.0 for s, _ in timed)}))  # fmt: skip
            return
        runs = [one_seed(folder, keypoints, names, seed) for seed in args.seeds]
    print(f"{'class':>12s} {'accuracy':>9s}  (seed {runs[0]['seed']})")
    for name, accuracy in sorted(runs[0]["per_class"].items()):
        print(f"{name:>12s} {accuracy:9.4f}")
    accuracies = [r["accuracy"] for r in runs]
    seconds = [r["seconds_5000"] for r in runs]
    print(f"{len(runs)} seeds: mean {np.mean(accuracies):.4f}, lowest {min(accuracies):.4f}, "
          f"{sum(a >= 0.995 for a in accuracies)} at or above 0.995; 5,000 rows in {min(seconds):.2f}-"
          f"{max(seconds):.2f} s, {sum(s <= 5.0 for s in seconds)} within 5 s")  # fmt: skip
    print(json.dumps({"set": args.csv or args.set, "accuracy_mean": round(float(np.mean(accuracies)), 5), "accuracy": accuracies,
                      "n_samples": n_rows, "keep_tiny": args.keep_tiny, "runs": runs}))  # fmt: skip


if __name__ == "__main__":
    main()

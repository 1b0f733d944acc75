"""Accuracy on a real kinivi-format keypoint CSV, and training speed.

Builds a kinivi keypoint CSV (label id + 42 wrist-relative, max-abs-scaled values)
from real photos in ../shared/data (rock/paper/scissors and ASL digits: 13 classes),
exactly as a user would: MediaPipe → store → ``export --format kinivi``. A stratified
25% of the rows is held out; the rest is imported into a fresh project (without the
default classes, as ``projects create --empty``), trained with the CLI's defaults
(the starter data on; with no starter gesture among the project's classes it trains
on the project's samples alone) and again with ``--no-starter``, and the held-out CSV
evaluated — the CLI's own functions.

    python bench/kinivi_accuracy.py [--seed S]
Last line: JSON with accuracy, per_class, n_samples, train_seconds, seconds_5000.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.shared_sets import labelled_hands, rps_and_digits  # noqa: E402
from core.data import csv_io  # noqa: E402
from core.data.project import train_project  # noqa: E402
from core.data.store import Sample, Store  # noqa: E402
from core.gestures.features import FeatureConfig, keypoints_to_features  # noqa: E402
from core.gestures.training import TrainConfig, evaluate, train_classifier  # noqa: E402


def write_kinivi_set(folder: Path) -> tuple[Path, Path, int]:
    hands, labels, no_hand = labelled_hands(rps_and_digits())
    store = Store(folder / "build")
    project = store.create_project("kinivi_set", default_classes=False)
    samples = [Sample(hand=h, class_name=c, source_kind="image") for h, c in zip(hands, labels, strict=True)]
    store.add_samples(project, samples, create_classes=True)
    keypoints, names = folder / "keypoint.csv", folder / "keypoint_classifier_label.csv"
    csv_io.export_kinivi(store, project, keypoints, names)
    print(f"kinivi set: {len(hands)} rows ({no_hand} photos without a hand) → {keypoints}")
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


def time_5000(keypoints: Path, names: Path, seed: int) -> float:
    """Wall seconds to train on 5,000 rows (the set's rows drawn with replacement past its size)."""
    points, labels = csv_io.read_kinivi(keypoints, names)
    config = FeatureConfig(use_depth=False)
    rows = np.random.default_rng(seed).choice(len(labels), 5000, replace=len(labels) < 5000)
    features = keypoints_to_features(points[rows], config)
    start = time.perf_counter()
    train_classifier(features, [labels[i] for i in rows], sorted(set(labels)), {}, config, TrainConfig(seed=seed))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        keypoints, names, n_rows = write_kinivi_set(folder)
        train_csv, test_csv = split_csv(keypoints, args.seed)
        store = Store(folder / "user")
        project = store.create_project("bench", default_classes=False)
        csv_io.import_kinivi(store, project, train_csv, names)
        result, _ = train_project(store, project, TrainConfig(seed=args.seed), starter=True)
        points, labels = csv_io.read_kinivi(test_csv, names)
        report = evaluate(result.classifier, keypoints_to_features(points, result.classifier.feature_config), labels)
        alone, _ = train_project(store, project, TrainConfig(seed=args.seed), starter=False)
        report_alone = evaluate(
            alone.classifier, keypoints_to_features(points, alone.classifier.feature_config), labels
        )
        seconds_5000 = time_5000(keypoints, names, args.seed)
    print(f"{'class':>12s} {'accuracy':>9s}")
    for name, accuracy in sorted(report.per_class.items()):
        print(f"{name:>12s} {accuracy:9.4f}")
    print(f"held-out accuracy {report.accuracy:.4f} on {report.n} rows; trained on {result.n_samples} rows "
          f"in {result.seconds:.2f} s ({len(result.history)} epochs, {result.starter_rows} starter rows); "
          f"--no-starter {report_alone.accuracy:.4f} in {alone.seconds:.2f} s; 5,000 rows in {seconds_5000:.2f} s")  # fmt: skip
    print(json.dumps({"accuracy": round(report.accuracy, 5), "per_class": report.per_class, "n_samples": n_rows,
                      "n_test": report.n, "train_seconds": round(result.seconds, 3),
                      "starter_rows": result.starter_rows, "accuracy_no_starter": round(report_alone.accuracy, 5),
                      "train_seconds_no_starter": round(alone.seconds, 3),
                      "seconds_5000": round(seconds_5000, 3)}))  # fmt: skip


if __name__ == "__main__":
    main()

"""Teachable body poses on real photos: MediaPipe Pose on ``../shared/data/body/yoga8``, held out by file.

The yoga photos are web images of unverified copyright: tests and benchmarks only, nothing
trained here ships. Each photo's people are found once (static mode, others looked for with
the first painted over) and cached in ``data/cache/yoga8_pose.npz`` (no pickle), keyed by path,
size and modification time. The person used is the largest; photos with no person, several
people or legs out of view are counted apart (legs-cut photos are still used here). Features are
a body project's (``core.gestures.features``: hip-centred, divided by the torso, hidden joints
flagged); the classifier is trained through ``core.gestures.training.train_classifier`` with
the hands' defaults (augmentation, mirrored copies) on stratified folds split by file (seeded);
every photo is scored once, by the fold that held it out.

Prints per-class accuracy, the confusion matrix, the reasons, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.common.shared_sets import first_of_each  # noqa: E402
from core.gestures.features import FeatureConfig, hand_features  # noqa: E402
from core.io.video import read_image  # noqa: E402
from core.keypoints.cache import file_key, load_cache, save_cache  # noqa: E402
from core.keypoints.pose import PARTLY_IN_VIEW, PoseConfig, PoseTracker, choose_person  # noqa: E402
from core.skeletons import BODY_33  # noqa: E402
from core.types import Keypoints  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "body" / "yoga8"
CACHE = ROOT / "data" / "cache" / "yoga8_pose.npz"
# what core.data.project.feature_config_for gives a body project of MediaPipe Pose samples
FEATURES = FeatureConfig(use_depth=True, skeleton="body", use_visibility=True)


def photos(folder: Path) -> list[tuple[Path, str]]:
    """(photo, class) for every image under ``folder/images/<class>/``, sorted."""
    return [
        (p, p.parent.name)
        for p in sorted((folder / "images").glob("*/*"))
        if p.suffix.lower() in {".jpg", ".jpeg", ".png"}
    ]


def detect_all(items: list[tuple[Path, str]], cache: Path) -> tuple[dict[str, list[Keypoints]], float | None]:
    """People in every photo (cached); the mean ms per newly detected photo (None when all were cached)."""
    try:
        found = load_cache(cache, BODY_33)
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
    todo = [p for p, _ in items if file_key(p) not in found]
    started = time.perf_counter()
    if todo:
        with PoseTracker(PoseConfig(static_image_mode=True, find_others=True)) as tracker:
            for path in todo:
                found[file_key(path)] = tracker.process(read_image(path))
        save_cache(cache, found, BODY_33)
    return found, (1000 * (time.perf_counter() - started) / len(todo)) if todo else None


# ---- several people -------------------------------------------------------------------------


def several_people_check(items: list[tuple[Path, str]], pairs: int, seed: int) -> tuple[int, int]:
    """(pairs where both people are found, pairs): two random yoga photos side by side at one height.

    Real people, two per image, where the truth is known: what PoseConfig.find_others must catch.
    """
    import cv2

    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(items), size=(pairs, 2), replace=False)
    both = 0
    with PoseTracker(PoseConfig(static_image_mode=True, find_others=True)) as tracker:
        for a, b in chosen:
            left, right = (read_image(items[i][0]) for i in (a, b))
            left, right = (cv2.resize(im, (round(im.shape[1] * 300 / im.shape[0]), 300)) for im in (left, right))
            both += len(tracker.process(np.concatenate([left, right], axis=1))) >= 2
    return both, pairs


# ---- evaluation -----------------------------------------------------------------------------


def cross_validate(x: np.ndarray, y: np.ndarray, folds: int, seed: int, epochs: int, augment: bool = True,
                   mirror: bool = True) -> np.ndarray:  # fmt: skip
    """Held-out prediction of every row: stratified ``folds`` split by file, one model per fold."""
    from sklearn.model_selection import StratifiedKFold

    from core.gestures.training import TrainConfig, train_classifier

    classes = sorted(set(y.tolist()))
    predicted = np.empty(len(y), dtype=object)
    config = TrainConfig(epochs=epochs, seed=seed, augment=augment, mirror=mirror)  # the hands' defaults
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y):
        # every yoga class is its own mirror partner (a tree on the other leg is a tree): the empty map
        result = train_classifier(x[train], y[train].tolist(), classes, {}, FEATURES, config)
        probs = result.classifier.predict_proba(x[test])
        predicted[test] = [result.classifier.classes[i] for i in probs.argmax(axis=1)]
    return predicted.astype(str)


def through_cli(items: list[tuple[Path, str]], share: float, seed: int, epochs: int) -> dict:
    """The user's path: ``python -m core`` creates a body project, extracts the training photos of each
    pose, trains, and ``evaluate-images`` scores the photos held out by file (a stratified ``share``)."""
    import subprocess
    import tempfile

    from sklearn.model_selection import train_test_split

    paths, labels = [p for p, _ in items], [c for _, c in items]
    train, test, train_y, test_y = train_test_split(paths, labels, test_size=share, stratify=labels,
                                                    random_state=seed)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="handteach-body-") as tmp:

        def cli(*args: str) -> str:
            command = [sys.executable, "-m", "core", "--data", str(Path(tmp) / "data"), *args]
            done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
            if done.returncode != 0:
                raise SystemExit(f"error: {' '.join(args[:2])} failed: {done.stderr.strip()[-500:]}")
            return done.stdout

        cli("projects", "create", "yoga", "--skeleton", "body")
        for pose in sorted(set(labels)):
            cli("classes", "add", pose, "--project", "yoga")
            cli("extract", "--project", "yoga", "--label", pose, "-i",
                *(str(p) for p, y in zip(train, train_y, strict=True) if y == pose))  # fmt: skip
        trained = json.loads(cli("train", "--project", "yoga", "--seed", str(seed), "--epochs", str(epochs))
                             .strip().splitlines()[-1])  # fmt: skip
        csv_path = Path(tmp) / "held_out.csv"
        csv_path.write_text("file,label\n" + "".join(f"{p},{y}\n" for p, y in zip(test, test_y, strict=True)))
        out = cli("evaluate-images", "--project", "yoga", "--labels", str(csv_path))
    print(f"\nthrough the CLI: {len(train)} photos extracted and trained on, {len(test)} held out by file")
    print("\n".join(line for line in out.splitlines() if not line.startswith("{")))
    report = json.loads(out.strip().splitlines()[-1])
    return {"cli_accuracy": report["accuracy"], "cli_accuracy_all": report["accuracy_all"],
            "cli_held_out": len(test), "cli_trained_on": trained["n_samples"], "cli_per_class": report["per_class"]}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--per-class", type=int, default=None, metavar="N",
                        help="the first N photos of each pose (default all; few: the smoke test's quick run)")  # fmt: skip
    parser.add_argument("--pairs", type=int, default=60, help="side-by-side photo pairs for the several-people check")
    parser.add_argument("--cli", action="store_true", help="also the CLI path: extract, train, evaluate-images")
    parser.add_argument("--cli-share", type=float, default=0.25, help="--cli: share of each pose held out by file")
    parser.add_argument("--no-augment", action="store_true", help="train without the random rotation/stretch/jitter")
    parser.add_argument("--no-mirror", action="store_true", help="train without mirrored copies (left/right swapped)")
    args = parser.parse_args(argv)
    if not (args.data / "images").is_dir():
        print(f"error: {args.data}: no images/<class>/ folders (the shared yoga8 set)", file=sys.stderr)
        return 2
    items = first_of_each(photos(args.data), args.per_class)
    found, ms = detect_all(items, args.cache)
    reasons: Counter[str] = Counter()
    rows, labels = [], []
    for path, label in items:
        person, why = choose_person(found[file_key(path)], require_legs=False)
        reasons.update(why)
        if person is not None:
            rows.append(hand_features(person, FEATURES))
            labels.append(label)
    x, y = np.array(rows, dtype=np.float32), np.array(labels)
    started = time.perf_counter()
    predicted = cross_validate(x, y, args.folds, args.seed, args.epochs, not args.no_augment, not args.no_mirror)
    seconds = time.perf_counter() - started
    classes = sorted(set(labels))
    n_photos = Counter(label for _, label in items)
    per_class = {c: float(np.mean(predicted[y == c] == c)) for c in classes}
    accuracy = float(np.mean(predicted == y))
    print(f"yoga8: {len(items)} photos, a person in {len(y)}; {args.folds}-fold by file, seed {args.seed}")
    print(f"\n{'class':<12} {'photos':>6} {'person':>6} {'accuracy':>8}")
    for c in classes:
        print(f"{c:<12} {n_photos[c]:>6} {int(np.sum(y == c)):>6} {per_class[c]:>8.3f}")
    print(f"{'all':<12} {len(items):>6} {len(y):>6} {accuracy:>8.3f}")
    print("\nconfusion (rows: true, columns: predicted)")
    print(" " * 12 + "".join(f"{c[:6]:>7}" for c in classes))
    for c in classes:
        print(f"{c:<12}" + "".join(f"{int(np.sum((y == c) & (predicted == p))):>7}" for p in classes))
    print("\nphotos counted apart: " + (", ".join(f"{n} {why}" for why, n in sorted(reasons.items())) or "none"))
    both, pairs = several_people_check(items, args.pairs, args.seed) if args.pairs else (0, 0)
    single_false = sum(len(found[file_key(p)]) > 1 for p, _ in items)  # yoga8 holds one person a photo
    print(f"several people: both found in {both} of {pairs} side-by-side pairs; a second person 'found' in "
          f"{single_false} of {len(items)} single-person photos")  # fmt: skip
    result = {
        "benchmark": "body_accuracy",
        "photos": len(items),
        "with_person": len(y),
        "accuracy": round(accuracy, 4),
        "accuracy_all_photos": round(float(np.sum(predicted == y)) / len(items), 4),
        "per_class": {c: round(v, 4) for c, v in per_class.items()},
        "reasons": dict(reasons),
        "folds": args.folds,
        "augment": not args.no_augment,
        "mirror": not args.no_mirror,
        "seed": args.seed,
        "train_seconds": round(seconds, 1),
        "detect_ms_per_photo": None if ms is None else round(ms, 1),
        "partly_in_view_used": reasons[PARTLY_IN_VIEW],
        "several_people_pairs_found": both,
        "several_people_pairs": pairs,
        "false_second_person": single_false,
    }
    if args.cli:
        result |= through_cli(items, args.cli_share, args.seed, args.epochs)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

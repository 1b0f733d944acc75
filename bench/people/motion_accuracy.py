"""Motion gestures taught from 10 clips a class, scored on clips of people held out from teaching.

Clips: ``bench/common/motion_clips.py`` (real HaGRID photos panned by a moving crop window, tracked by
MediaPipe Hands in video mode; train and test people disjoint by HaGRID user id). Classes:
swipe left/right/up/down, circle, idle. All methods see the same splits: the 1D-CNN
(``core.motion.train``, one run per seed) and DTW nearest neighbours (``core.motion.dtw``), each on
the default features (path + hand shape) and on the path alone. ``unknown`` (below the model's
threshold) counts as wrong, for idle clips too.

    .venv/bin/python -m bench.people.motion_accuracy [--per-class 10] [--test-per-class 15] [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from bench.common.motion_clips import GESTURES, cached_sets  # noqa: E402
from core.motion.dtw import DTWClassifier  # noqa: E402
from core.motion.evaluate import ClipReport, evaluate_clips  # noqa: E402
from core.motion.features import MotionFeatureConfig  # noqa: E402
from core.motion.train import MotionTrainConfig, train_motion  # noqa: E402


def print_report(name: str, report: ClipReport) -> None:
    print(f"\n{name}: accuracy {report.accuracy:.1%}")
    print("  per class: " + ", ".join(f"{k} {v:.0%}" for k, v in report.per_class.items()))
    width = max(len(label) for label in report.labels)
    print("  confusion (rows true, columns predicted): " + " ".join(label[:7] for label in report.labels))
    for label, row in zip(report.labels, report.confusion, strict=True):
        print(f"  {label:>{width}} " + " ".join(f"{v:7d}" for v in row))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=10)
    parser.add_argument("--test-per-class", type=int, default=15)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="training seeds of the CNN")
    args = parser.parse_args()
    torch.set_num_threads(1)  # a 30 k-weight CNN trains fastest on one thread of the two cores
    train, test = cached_sets(args.per_class, args.test_per_class)
    train_clips, test_clips = [c for c, _ in train], [c for c, _ in test]
    shared = {p for _, p in train} & {p for _, p in test}
    print(f"train: {len(train_clips)} clips of {len({p for _, p in train})} people; "
          f"test: {len(test_clips)} clips of {len({p for _, p in test})} other people (shared: {len(shared)})")  # fmt: skip
    classes = sorted(GESTURES)
    path_only = MotionFeatureConfig(use_shape=False)
    methods = {  # name → (features, how to build a classifier from the training clips and a seed)
        "cnn": lambda seed: train_motion(train_clips, MotionTrainConfig(seed=seed)).model,
        "cnn_path_only": lambda seed: train_motion(train_clips, MotionTrainConfig(seed=seed, features=path_only)).model,
        "dtw": lambda seed: DTWClassifier(train_clips),
        "dtw_path_only": lambda seed: DTWClassifier(train_clips, path_only),
    }
    results: dict[str, list[float]] = {}
    per_class: dict[str, dict[str, float]] = {}
    seconds: dict[str, float] = {}
    for name, build in methods.items():
        for seed in args.seeds if name.startswith("cnn") else [0]:
            started = time.perf_counter()
            model = build(seed)
            trained = time.perf_counter()
            report = evaluate_clips(model, test_clips, classes)
            seconds[f"{name}_train_s"] = round(trained - started, 1)
            seconds[f"{name}_ms_per_clip"] = round((time.perf_counter() - trained) * 1000 / len(test_clips), 1)
            results.setdefault(name, []).append(report.accuracy)
            per_class[f"{name}_seed{seed}"] = report.per_class
            print_report(f"{name} seed {seed} ({seconds[f'{name}_train_s']} s to teach)", report)
    print(f"\n{'method':14} {'mean accuracy':>14} {'min':>6} {'max':>6} {'runs':>5}")
    for name, values in results.items():
        print(f"{name:14} {sum(values) / len(values):14.1%} {min(values):6.1%} {max(values):6.1%} {len(values):5d}")
    print(json.dumps({
        "train_clips": len(train_clips), "test_clips": len(test_clips), "people_in_both": len(shared),
        "accuracy": {name: [round(v, 4) for v in values] for name, values in results.items()},
        "per_class": per_class, **seconds,
    }))  # fmt: skip


if __name__ == "__main__":
    main()

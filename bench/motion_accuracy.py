"""Motion gestures taught from 10 clips a class, scored on clips of people held out from teaching.

Clips: ``bench/motion_clips.py`` (real HaGRID photos panned by a moving crop window, tracked by
MediaPipe Hands in video mode; train and test people disjoint by HaGRID user id). Classes:
swipe left/right/up/down, circle, idle. Both methods see the same splits: the 1D-CNN
(``core.motion.train``) and DTW nearest neighbours (``core.motion.dtw``).

    .venv/bin/python -m bench.motion_accuracy [--per-class 10] [--test-per-class 15] [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from bench.motion_clips import GESTURES, cached_sets  # noqa: E402
from core.motion.dtw import DTWClassifier  # noqa: E402
from core.motion.evaluate import ClipReport, evaluate_clips  # noqa: E402
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
    torch.set_num_threads(2)
    train, test = cached_sets(args.per_class, args.test_per_class)
    train_clips, test_clips = [c for c, _ in train], [c for c, _ in test]
    shared = {p for _, p in train} & {p for _, p in test}
    print(f"train: {len(train_clips)} clips of {len({p for _, p in train})} people; "
          f"test: {len(test_clips)} clips of {len({p for _, p in test})} other people (shared: {len(shared)})")  # fmt: skip
    classes = sorted(GESTURES)
    results: dict[str, list[float]] = {"cnn": [], "dtw": []}
    per_class: dict[str, dict[str, float]] = {}
    timings: dict[str, float] = {}
    for seed in args.seeds:
        started = time.perf_counter()
        result = train_motion(train_clips, MotionTrainConfig(seed=seed))
        timings["cnn_train_s"] = round(time.perf_counter() - started, 1)
        report = evaluate_clips(result.model, test_clips, classes)
        results["cnn"].append(report.accuracy)
        print_report(f"1D-CNN seed {seed} (best epoch {result.best_epoch}, {timings['cnn_train_s']} s)", report)
        per_class[f"cnn_seed{seed}"] = report.per_class
    started = time.perf_counter()
    dtw = DTWClassifier(train_clips)
    report = evaluate_clips(dtw, test_clips, classes)
    timings["dtw_ms_per_clip"] = round((time.perf_counter() - started) * 1000 / len(test_clips), 1)
    results["dtw"].append(report.accuracy)
    per_class["dtw"] = report.per_class
    print_report("DTW 1-NN", report)
    print(f"\n{'method':8} {'mean accuracy':>14} {'min':>6} {'runs':>5}")
    for name, values in results.items():
        print(f"{name:8} {sum(values) / len(values):14.1%} {min(values):6.1%} {len(values):5d}")
    print(json.dumps({
        "train_clips": len(train_clips), "test_clips": len(test_clips), "people_in_both": len(shared),
        "cnn_accuracy": [round(v, 4) for v in results["cnn"]], "dtw_accuracy": round(results["dtw"][0], 4),
        "per_class": per_class, **timings,
    }))  # fmt: skip


if __name__ == "__main__":
    main()

"""What live spotting adds per frame, and whether it fires once per gesture, on a real keypoint stream.

The stream: the held-out people's clips of ``bench/common/motion_clips.py`` (MediaPipe's keypoints of
real-pixel swipes, circles and idle takes) played one after another, each clip at its own
timestamps. The model: the 1D-CNN taught from the 10-clips-a-class training set. Per frame it
times ``Spotter.push`` alone (MediaPipe and drawing are the pipeline's, measured by
``bench/speed/pipeline.py``), and counts the events fired inside each clip.

    .venv/bin/python -m bench.people.motion_spotting [--per-class 10] [--test-per-class 15]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from bench.common.motion_clips import cached_sets  # noqa: E402
from core.motion.clip import Clip  # noqa: E402
from core.motion.features import IDLE_LABEL  # noqa: E402
from core.motion.spotting import Spotter  # noqa: E402
from core.motion.train import MotionTrainConfig, train_motion  # noqa: E402
from core.types import Keypoints  # noqa: E402


def detections(clip: Clip) -> list[Keypoints | None]:
    """The clip's frames as the detections a live pipeline hands the spotter."""
    size = np.array(clip.image_size, dtype=np.float32)
    world = np.full((clip.skeleton.num_joints, 3), np.nan, np.float32)
    return [Keypoints(p[:, :2] * size, p, world, "Right", 0.9, clip.image_size) if shown else None
            for p, shown in zip(clip.points, clip.present, strict=True)]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=10, help="training clips per class (default 10)")
    parser.add_argument("--test-per-class", type=int, default=15, help="held-out people's clips per class (default 15)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    train, test = cached_sets(args.per_class, args.test_per_class)
    model = train_motion([c for c, _ in train], MotionTrainConfig(seed=0)).model
    spotter = Spotter(model)
    costs: list[float] = []
    fired: dict[str, list[int]] = {}
    right = 0
    offset = 0.0
    for clip, _ in test:
        events = []
        for kp, t in zip(detections(clip), clip.timestamps - clip.timestamps[0] + offset, strict=True):
            started = time.perf_counter()
            event = spotter.push(kp, float(t))
            costs.append(time.perf_counter() - started)
            if event is not None:
                events.append(event.label)
        # A second between takes with no hand in view, at the clip's frame rate (events then belong to the take).
        gap = offset + clip.duration + np.arange(1, int(round(1.0 / np.diff(clip.timestamps).mean())) + 1) / 25.0
        for t in gap:
            started = time.perf_counter()
            event = spotter.push(None, float(t))
            costs.append(time.perf_counter() - started)
            if event is not None:
                events.append(event.label)
        offset = float(gap[-1]) + 0.04
        fired.setdefault(str(clip.label), []).append(len(events))
        expected = [] if clip.label == IDLE_LABEL else [clip.label]
        right += events == expected
    ms = np.array(costs) * 1000
    print(f"{'class':12} {'clips':>5} {'fired 0':>7} {'fired 1':>7} {'fired 2+':>8}")
    for label, counts in sorted(fired.items()):
        c = np.array(counts)
        print(f"{label:12} {len(c):5d} {(c == 0).sum():7d} {(c == 1).sum():7d} {(c >= 2).sum():8d}")
    print(f"\nframes {len(ms)}: mean {ms.mean():.3f} ms, median {np.median(ms):.3f} ms, "
          f"p99 {np.percentile(ms, 99):.2f} ms, max {ms.max():.2f} ms (a classification at a motion's end)")  # fmt: skip
    print(f"clips with exactly the right events (the gesture once; nothing for idle): {right} of {len(test)}")
    print(json.dumps({"frames": len(ms), "mean_ms": round(float(ms.mean()), 4),
                      "median_ms": round(float(np.median(ms)), 4), "p99_ms": round(float(np.percentile(ms, 99)), 3),
                      "max_ms": round(float(ms.max()), 3), "clips": len(test), "clips_right": right,
                      "fired": {k: np.bincount(v).tolist() for k, v in sorted(fired.items())}}))  # fmt: skip


if __name__ == "__main__":
    main()

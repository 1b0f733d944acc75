"""Do the live keypoints still agree with the webcam path as it was (#32)? The shared video, both ways.

    .venv/bin/python bench/speed/keypoints_agree.py [--frames N] [--complexity 0|1] [--hands 1|2] [--threads N]

The fake camera's y4m (the 640×480 yuv420p frames the browser sends) is tracked twice in video mode:
*before* as the webcam path was until #32 (PyAV's swscale to RGB, MediaPipe Hands as it comes: one
XNNPACK thread, which ``HandTracker`` reproduces bit for bit),
*after* as it is now (``ui.webcam.frame_callbacks.to_rgb``, ``HandTracker`` with ``TrackerConfig``'s thread
setting). Prints the per-joint pixel distance (median, 95th percentile, max) over the frames where
both found a hand, the frames where only one did, and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.common.fake_camera import DEFAULT_VIDEO, fake_camera_y4m  # noqa: E402


def yuv_frames(video: Path, limit: int | None) -> list:
    """The first ``limit`` frames of the fake camera made from ``video``, as yuv420p av.VideoFrames."""
    import av

    y4m = fake_camera_y4m(video, ROOT / "bench" / "out")
    frames = []
    with av.open(str(y4m)) as container:
        for frame in container.decode(video=0):
            frames.append(frame.reformat(format="yuv420p"))
            if limit is not None and len(frames) >= limit:
                break
    return frames


def track_before(frames: list, complexity: int, hands: int) -> list[np.ndarray | None]:
    """Pixel keypoints (21, 2) of the first hand per frame, or None, the way the webcam path did it.

    The tracker with one XNNPACK thread is MediaPipe Hands as it came, bit for bit
    (``tests/test_landmarks.py`` holds it to that), so the conversion is what differs.
    """
    from core.keypoints.landmarks import HandTracker, TrackerConfig

    config = TrackerConfig(max_num_hands=hands, model_complexity=complexity, inference_threads=1)
    with HandTracker(config) as tracker:
        return [(found[0].pixel if (found := tracker.process(f.to_ndarray(format="rgb24"))) else None) for f in frames]


def track_after(frames: list, complexity: int, hands: int, threads: int = 1) -> list[np.ndarray | None]:
    from core.keypoints.landmarks import HandTracker, TrackerConfig
    from ui.webcam.frame_callbacks import to_rgb

    config = TrackerConfig(max_num_hands=hands, model_complexity=complexity, inference_threads=threads)
    with HandTracker(config) as tracker:
        return [(found[0].pixel if (found := tracker.process(to_rgb(frame))) else None) for frame in frames]


def agreement(before: list[np.ndarray | None], after: list[np.ndarray | None]) -> dict:
    """Per-joint distances (px) where both found a hand; frames where only one did."""
    both = [
        np.linalg.norm(a - b, axis=1) for a, b in zip(before, after, strict=True) if a is not None and b is not None
    ]
    distances = np.concatenate(both) if both else np.zeros(0)
    only = sum((a is None) != (b is None) for a, b in zip(before, after, strict=True))
    return {"frames": len(before), "frames_both": len(both), "frames_one_only": only,
            "median_px": round(float(np.median(distances)), 3) if both else None,
            "p95_px": round(float(np.percentile(distances, 95)), 3) if both else None,
            "max_px": round(float(distances.max()), 3) if both else None}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--video", type=Path, default=DEFAULT_VIDEO)
    parser.add_argument("--frames", type=int, help="the first N frames (default: all)")
    parser.add_argument("--complexity", type=int, choices=(0, 1), default=1, help="after's model (before: always 1)")
    parser.add_argument("--hands", type=int, choices=(1, 2), default=1)
    parser.add_argument("--threads", type=int, default=1, help="after's XNNPACK threads per network")
    args = parser.parse_args()
    frames = yuv_frames(args.video, args.frames)
    before = track_before(frames, 1, args.hands)
    after = track_after(frames, args.complexity, args.hands, args.threads)
    result = agreement(before, after) | {"complexity": args.complexity, "hands": args.hands, "threads": args.threads}
    print(f"{args.video.name}: {result['frames']} frames, a hand in both {result['frames_both']}, "
          f"in one only {result['frames_one_only']}")  # fmt: skip
    print(f"per-joint distance, before → after: median {result['median_px']} px, 95th percentile "
          f"{result['p95_px']} px, max {result['max_px']} px (target: median ≤ 2 px)")  # fmt: skip
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The onnxruntime keypoints against mediapipe 0.10.21's on the shared photos and video: the same hands and points?

    .venv/bin/python bench/keypoints/compare.py [--sets webcam_people hagrid_380 yoga8 asl_video] [--limit N]

Both runtimes (``core.keypoints.runtime``) see the same frames, as the app uses them: hand photos in static mode
with up to two hands and the zoomed-out retry (``TrackerConfig.zoom_out_photos``), the ASL video in tracking mode,
the yoga photos with MediaPipe Pose looking for more people (``PoseConfig.find_others``). Each of mediapipe's hands
is matched to the onnx hand nearest it. Prints a table (per set: frames, hands or people found by each, the points'
distance in pixels, median / p95 / max, handedness disagreements, CPU ms a frame of each), whether each target
holds (hands found within 1 %, median ≤ 1 px, p95 ≤ 3 px, the same handedness on every hand, pose median ≤ 0.5 px),
then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from core.io.video import iter_frames, read_image  # noqa: E402
from core.keypoints.landmarks import HandTracker, TrackerConfig  # noqa: E402
from core.keypoints.pose import PoseConfig, PoseTracker  # noqa: E402
from core.types import Keypoints  # noqa: E402

SHARED = Path(os.environ.get("HANDTEACH_SHARED", REPO.parent / "shared" / "data"))
SETS = ("webcam_people", "hagrid_380", "yoga8", "asl_video")
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png"}
RUNTIMES = ("mediapipe", "onnx")


@dataclass
class Tally:
    frames: int = 0
    found: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RUNTIMES, 0))
    cpu_s: dict[str, float] = field(default_factory=lambda: dict.fromkeys(RUNTIMES, 0.0))
    distances: list[float] = field(default_factory=list)
    handedness_differs: int = 0
    matched: int = 0

    def add(self, found: dict[str, list[Keypoints]]) -> None:
        self.frames += 1
        for runtime, items in found.items():
            self.found[runtime] += len(items)
        left = list(found["onnx"])
        for reference in found["mediapipe"]:
            if not left:
                break
            nearest = min(left, key=lambda k: float(np.linalg.norm(k.pixel - reference.pixel, axis=1).mean()))
            left.remove(nearest)
            self.matched += 1
            self.distances.extend(np.linalg.norm(nearest.pixel - reference.pixel, axis=1).tolist())
            self.handedness_differs += nearest.handedness != reference.handedness

    def row(self, name: str, body: bool) -> dict[str, object]:
        d = np.array(self.distances) if self.distances else np.array([np.nan])
        mp_found, onnx_found = self.found["mediapipe"], self.found["onnx"]
        found_diff = 100.0 * (onnx_found - mp_found) / max(mp_found, 1)
        median, p95 = float(np.median(d)), float(np.percentile(d, 95))
        checks = {"found_within_1pct": abs(found_diff) <= 1.0}
        if body:
            checks["median_le_0.5px"] = median <= 0.5
        else:
            checks.update({"median_le_1px": median <= 1.0, "p95_le_3px": p95 <= 3.0,
                           "handedness_same": self.handedness_differs == 0})  # fmt: skip
        return {
            "set": name, "frames": self.frames, "found_mediapipe": mp_found, "found_onnx": onnx_found,
            "found_diff_pct": round(found_diff, 2), "matched": self.matched, "median_px": round(median, 4),
            "p95_px": round(p95, 4), "max_px": round(float(d.max()), 3), "handedness_differs": self.handedness_differs,
            "cpu_ms_mediapipe": round(1000 * self.cpu_s["mediapipe"] / max(self.frames, 1), 2),
            "cpu_ms_onnx": round(1000 * self.cpu_s["onnx"] / max(self.frames, 1), 2), "checks": checks,
        }  # fmt: skip


def photos(folder: Path, limit: int | None) -> list[Path]:
    if not folder.is_dir():
        sys.exit(
            f"shared data not found at {folder} (expected ../shared/data beside the checkout, or HANDTEACH_SHARED)"
        )
    found = sorted(p for p in folder.rglob("*") if p.suffix.lower() in PHOTO_SUFFIXES)
    return found[:limit] if limit else found


def run(frames: Iterator[np.ndarray], make: Callable[[str], object], tally: Tally) -> None:
    trackers = {runtime: make(runtime) for runtime in RUNTIMES}
    try:
        for rgb in frames:
            found = {}
            for runtime, tracker in trackers.items():
                start = time.process_time()
                found[runtime] = tracker.process(rgb)
                tally.cpu_s[runtime] += time.process_time() - start
            tally.add(found)
    finally:
        for tracker in trackers.values():
            tracker.close()


def hand_photos(runtime: str) -> HandTracker:
    return HandTracker(TrackerConfig(static_image_mode=True, max_num_hands=2, zoom_out_photos=True, runtime=runtime))


def measure(name: str, limit: int | None) -> dict[str, object]:
    tally = Tally()
    if name in ("webcam_people", "hagrid_380"):
        paths = photos(SHARED / "hands" / name, limit)
        run((read_image(p) for p in paths), hand_photos, tally)
    elif name == "asl_video":
        video = SHARED / "hands" / "video" / "asl_hand.25fps.mp4"
        frames = (f for _, f in iter_frames(video, max_frames=limit))
        run(frames, lambda r: HandTracker(TrackerConfig(static_image_mode=False, max_num_hands=2, runtime=r)), tally)
    else:
        paths = photos(SHARED / "body" / "yoga8" / "images", limit)
        config = lambda r: PoseConfig(static_image_mode=True, find_others=True, runtime=r)  # noqa: E731
        run((read_image(p) for p in paths), lambda r: PoseTracker(config(r)), tally)
    return tally.row(name, body=name == "yoga8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS))
    parser.add_argument("--limit", type=int, default=None, help="at most this many photos or frames a set")
    args = parser.parse_args()
    rows = [measure(name, args.limit) for name in args.sets]
    header = ("set", "frames", "found mp", "found onnx", "Δ %", "median px", "p95 px", "max px", "hand ≠",
              "CPU ms mp", "CPU ms onnx", "targets")  # fmt: skip
    print(" | ".join(header))
    for r in rows:
        ok = (
            "all hold"
            if all(r["checks"].values())
            else "FAIL: " + ", ".join(k for k, v in r["checks"].items() if not v)
        )
        print(" | ".join(str(v) for v in (r["set"], r["frames"], r["found_mediapipe"], r["found_onnx"],
                                          r["found_diff_pct"], r["median_px"], r["p95_px"], r["max_px"],
                                          r["handedness_differs"], r["cpu_ms_mediapipe"], r["cpu_ms_onnx"], ok)))  # fmt: skip
    print(json.dumps({"sets": rows, "all_hold": all(all(r["checks"].values()) for r in rows)}))


if __name__ == "__main__":
    main()

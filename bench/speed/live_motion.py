"""What spotting motion gestures adds to each webcam frame on Live: ``ui.live.spotting.SpotFeed.on_frame``.

    .venv/bin/python bench/speed/live_motion.py [--repeat 20]

A motion project is taught swipe_left / swipe_right from six real-pixel clips (a HaGRID palm photo
sliding across a 640×480 frame, made with ffmpeg, tracked by MediaPipe Hands with the steadying
filter, exactly as ``extract`` stores them); a 6 s stream of the photo at rest, swiping, resting,
swiping back is then tracked once, and its per-frame hands are replayed ``--repeat`` times through a
fresh ``SpotFeed`` (the spotter, the model when a motion ends, the trail and label drawn on a
640×480 frame). Frames are fed at 25 per second, as a camera does; the model runs
on the feed's worker thread when a motion ends, so it is not in the frame's time. Prints the
milliseconds per frame on the frame thread (mean, p50, p95, max), the events found, and one JSON line.

    .venv/bin/python bench/speed/live_motion.py --webrtc [--seconds 30]

``--webrtc`` measures the whole Live page instead, as ``bench/speed/webcam.py`` does for static gestures: the
same taught project is the app's default project, headless Chromium's fake camera plays the photo
swiping left and right at 640×480 (looped), and the server's own per-frame timings give the frames per
second, each stage's milliseconds (``motion``: spotting and drawing the trail) and the load average;
the gestures Live lists prove that spotting ran.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.common.panned_photo import pan_video  # noqa: E402
from core.data.project_motion import extract_clips, train_motion_project  # noqa: E402
from core.data.store import Store  # noqa: E402
from core.io.video import iter_frames  # noqa: E402
from core.keypoints.landmarks import HandTracker, TrackerConfig  # noqa: E402
from core.keypoints.smoothing import KeypointSmoother  # noqa: E402
from core.motion.model import MotionModel  # noqa: E402
from core.motion.train import MotionTrainConfig  # noqa: E402
from ui.live.spotting import SpotFeed  # noqa: E402

PHOTO = ROOT.parent / "shared" / "data" / "hands" / "hagrid_380" / "images" / "palm" / "palm_00000.jpg"
FPS = 25


def teach(store: Store, project: str, folder: Path) -> MotionModel:
    """swipe_left / swipe_right from three real-pixel clips each into ``project`` (a new motion project), trained."""
    store.create_project(project, default_classes=False, motion=True)
    plans = [(0.4, 0.7, 260), (0.3, 0.5, 220), (0.5, 0.9, 280)]
    for label, sign, x0 in (("swipe_left", 1, 20), ("swipe_right", -1, 300)):
        videos = [
            pan_video(folder / f"{label}{i}.mp4", PHOTO, x0, [(s, d, sign * px)], 1.8, fps=FPS)
            for i, (s, d, px) in enumerate(plans)
        ]
        extract_clips(store, project, label, videos)
    return train_motion_project(store, project, MotionTrainConfig(epochs=40)).model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--webrtc", action="store_true", help="the whole Live page through Chromium's fake camera")
    parser.add_argument("--seconds", type=float, default=30.0, help="--webrtc: measurement time after warm-up")
    parser.add_argument("--warmup", type=float, default=8.0, help="--webrtc: seconds before measuring")
    args = parser.parse_args()
    if shutil.which("ffmpeg") is None or not PHOTO.exists():
        sys.exit(f"needs ffmpeg and the shared photo {PHOTO}")
    if args.webrtc:
        webrtc_main(args.seconds, args.warmup)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        model = teach(Store(folder / "data"), "moves", folder)
        train_s = time.perf_counter() - started
        stream = pan_video(folder / "stream.mp4", PHOTO, 20, [(1.0, 0.6, 260), (3.5, 0.6, -260)], 6.0, fps=FPS)
        smoother = KeypointSmoother()
        with HandTracker(TrackerConfig(max_num_hands=1)) as tracker:
            frames = [smoother(tracker.process(rgb), i / FPS) for i, rgb in iter_frames(stream)]
    times, passes = [], []
    for _ in range(args.repeat):
        feed = SpotFeed(model)
        for i, hands in enumerate(frames):
            canvas = np.zeros((480, 640, 3), np.uint8)
            start = time.perf_counter()
            feed.on_frame(hands, i / FPS, canvas)
            times.append((time.perf_counter() - start) * 1000)
            time.sleep(max(0.0, 1 / FPS - (time.perf_counter() - start)))  # frames arrive at the camera's rate
        feed.flush()
        passes.append([(e.label, round(e.seconds, 2)) for e in reversed(feed.events())])
    ms = np.array(times)
    row = {"mean_ms": float(ms.mean()), "p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95)),
           "max_ms": float(ms.max()), "frames_over_2ms": int((ms > 2.0).sum())}  # fmt: skip
    print(f"{'frames':>7} {'mean ms':>8} {'p50':>6} {'p95':>6} {'max':>6} {'over 2 ms':>9}")
    print(f"{len(ms):7d} {row['mean_ms']:8.3f} {row['p50_ms']:6.3f} {row['p95_ms']:6.3f} {row['max_ms']:6.2f} "
          f"{row['frames_over_2ms']:9d}")  # fmt: skip
    found = passes[0]
    assert all(p == found for p in passes), passes
    print(f"events per pass (label, motion seconds): {found} (expected swipe_left, then swipe_right)")
    print(json.dumps(row | {"events": found, "frames_per_pass": len(frames), "train_seconds": round(train_s, 1)}))


def webrtc_main(seconds: float, warmup: float) -> None:
    """Live in a motion project through the real WebRTC path; prints bench/speed/webcam.py's table and JSON."""
    from bench.common.browser import missing_tools
    from bench.speed.webcam import run

    missing = missing_tools()
    if missing:
        sys.exit(f"cannot run the WebRTC benchmark, missing: {', '.join(missing)}")
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    video = out / "live_motion_swipes.mp4"  # made once: the y4m cache is keyed by the video's mtime
    if not video.exists():
        # at rest, swipe to the user's left (the photo moves right in the raw frame), rest, swipe back; looped
        pan_video(video, PHOTO, 20, [(1.0, 0.6, 260), (3.0, 0.6, -260)], 4.5, fps=30)

    def seed(data_dir: Path) -> None:  # the taught project is the one the app opens
        store = Store(data_dir)
        store.delete_project(store.ensure_project())
        teach(store, "default", data_dir.parent)

    def spotted(page) -> dict:  # noqa: ANN001 - a Playwright page
        return {"spotted": page.locator(".st-key-live_spotted").inner_text()}

    result = run("live", seconds, video, warmup, hands=1, nice=10, server_nice=0, seed=seed, read=spotted,
                 shot="webcam-live-motion.png")  # fmt: skip
    events = [line.split(" · ")[0] for line in result.pop("spotted").splitlines() if " · " in line]
    print(f"gestures Live listed: {len(events)} ({', '.join(sorted(set(events)))})")
    result.pop("first_render_s")
    print(json.dumps(result | {"motion": True, "events": len(events), "labels": sorted(set(events))}))


if __name__ == "__main__":
    main()

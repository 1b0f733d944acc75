"""What the live outputs (``core.outputs``: OSC and WebSocket) cost a frame, and the headless ``live`` command's FPS.

    .venv/bin/python bench/speed/outputs.py [VIDEO] [--passes 3] [--runs 2]

1. The shared ASL video goes through the real pipeline once (MediaPipe, the starter model, steadied
   keypoints, as ``live`` runs it); its ``FrameResult``s are then published to ``Outputs`` (OSC and a
   WebSocket server, receivers attached in another process, so their work is not counted here) at most
   one frame every 2 ms, for each of: on change / every frame, with and without keypoints. Per frame:
   the time ``publish`` takes on the calling (video) thread, and the CPU time of the whole process
   (the outputs' threads included) above the same loop publishing nothing.
2. ``python -m core live --video VIDEO`` as a subprocess: without outputs, with ``--osc --ws`` (on change)
   and with ``--osc --ws --every-frame --keypoints``, both receivers attached; its own summary gives the FPS.

Prints a table and, last, one JSON line. The machine's load (``uptime``) is printed with it.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from core.gestures.catalog import DEFAULT_CLASSES  # noqa: E402
from core.gestures.pipeline import FrameResult, Pipeline  # noqa: E402
from core.io.video import iter_frames, video_info  # noqa: E402
from core.keypoints.landmarks import HandTracker, TrackerConfig  # noqa: E402
from core.keypoints.smoothing import KeypointSmoother  # noqa: E402
from core.outputs.hub import Outputs  # noqa: E402
from core.outputs.settings import OutputSettings  # noqa: E402
from core.starter import starter_model_for  # noqa: E402

SHARED = Path(os.environ.get("HANDTEACH_SHARED", ROOT.parent / "shared" / "data"))
DEFAULT_VIDEO = SHARED / "hands" / "video" / "asl_hand.25fps.mp4"
INTERVAL_S = 0.002  # the replay's frame interval: 500 FPS, faster than any camera, slow enough to drop nothing

# Both receivers in one process of their own: a python-osc server, and a websockets client that reconnects
# until the server is up and then reads everything (a new server: it connects again).
RECEIVERS = """
import sys, threading, time
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import BlockingOSCUDPServer
from websockets.sync.client import connect
osc_port, ws_port = int(sys.argv[1]), int(sys.argv[2])
dispatcher = Dispatcher()
dispatcher.set_default_handler(lambda *a: None)
threading.Thread(target=BlockingOSCUDPServer(("127.0.0.1", osc_port), dispatcher).serve_forever, daemon=True).start()
while True:
    try:
        with connect(f"ws://127.0.0.1:{ws_port}", open_timeout=2) as client:
            for _ in client:
                pass
    except Exception:
        time.sleep(0.02)
"""


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def frame_results(video: Path) -> list[tuple[FrameResult, float]]:
    """The video through the pipeline ``live`` runs (the starter model, steadied keypoints), once."""
    fps = video_info(video).fps or 30.0
    tracker = HandTracker(TrackerConfig(max_num_hands=1))
    model = starter_model_for([c.name for c in DEFAULT_CLASSES])  # what a fresh default project runs
    pipeline = Pipeline(tracker, model, smoother=KeypointSmoother())
    results = [(pipeline.process(rgb, index, index / fps), index / fps) for index, rgb in iter_frames(video)]
    tracker.close()
    return results


def replay(results: list[tuple[FrameResult, float]], outputs: Outputs | None, passes: int) -> dict:
    """Publish every result ``passes`` times, one every INTERVAL_S; per-frame publish times and process CPU."""
    publish_ms = []
    cpu_start = time.process_time()
    for p in range(passes):
        for result, t in results:
            started = time.perf_counter()
            if outputs is not None:
                outputs.publish(result, t + p * 100.0)
            publish_ms.append((time.perf_counter() - started) * 1000.0)
            time.sleep(INTERVAL_S)
    if outputs is not None:
        outputs.close()  # what waits is sent: its CPU counts too
    frames = len(publish_ms)
    return {"frames": frames, "cpu_ms": (time.process_time() - cpu_start) * 1000.0 / frames,
            "publish_mean_ms": float(np.mean(publish_ms)), "publish_p95_ms": float(np.percentile(publish_ms, 95)),
            "publish_max_ms": float(np.max(publish_ms))}  # fmt: skip


def wait_for_clients(outputs: Outputs, n: int = 1, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while outputs.stats().clients < n:
        if time.monotonic() > deadline:
            raise RuntimeError("the WebSocket receiver never connected")
        time.sleep(0.01)


def publish_costs(results: list[tuple[FrameResult, float]], passes: int) -> list[dict]:
    osc_port, ws_port = free_port(socket.SOCK_DGRAM), free_port()
    receivers = subprocess.Popen([sys.executable, "-c", RECEIVERS, str(osc_port), str(ws_port)])
    try:
        baseline = replay(results, None, passes)
        rows = [{"mode": "off", **baseline, "extra_cpu_ms": 0.0, "sent": 0, "dropped": 0}]
        for every_frame in (False, True):
            for keypoints in (False, True):
                settings = OutputSettings(osc=("127.0.0.1", osc_port), ws_port=ws_port, every_frame=every_frame,
                                          keypoints=keypoints)  # fmt: skip
                outputs = Outputs(settings)
                wait_for_clients(outputs)
                row = replay(results, outputs, passes)
                stats = outputs.stats()
                mode = ("every frame" if every_frame else "on change") + (" + keypoints" if keypoints else "")
                rows.append({"mode": mode, **row, "extra_cpu_ms": row["cpu_ms"] - baseline["cpu_ms"],
                             "sent": stats.sent, "dropped": stats.dropped})  # fmt: skip
    finally:
        receivers.kill()
        receivers.wait()
    return rows


LIVE_MODES = {  # the live command's flags besides --osc and --ws
    "none": None,
    "--osc --ws (on change)": [],
    "--osc --ws --every-frame --keypoints": ["--every-frame", "--keypoints"],
}


def live_fps(video: Path, mode: str) -> dict:
    """``python -m core live`` on ``video`` in a fresh data folder (the starter model); its summary line."""
    osc_port, ws_port = free_port(socket.SOCK_DGRAM), free_port()
    extra = LIVE_MODES[mode]
    flags = [] if extra is None else ["--osc", f"127.0.0.1:{osc_port}", "--ws", str(ws_port), *extra]
    receivers = (
        None if extra is None else subprocess.Popen([sys.executable, "-c", RECEIVERS, str(osc_port), str(ws_port)])
    )
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "HANDTEACH_DATA": data, "PYTHONPATH": str(ROOT)}
        done = subprocess.run([sys.executable, "-m", "core", "live", "--video", str(video), *flags, "--json"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)  # fmt: skip
    if receivers is not None:
        receivers.kill()
        receivers.wait()
    if done.returncode != 0:
        raise RuntimeError(f"live failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("video", nargs="?", default=str(DEFAULT_VIDEO))
    parser.add_argument("--passes", type=int, default=3, help="times the video's results are replayed per mode")
    parser.add_argument("--runs", type=int, default=2, help="runs of the live command with and without outputs")
    args = parser.parse_args()
    video = Path(args.video)
    load_before = os.getloadavg()
    results = frame_results(video)
    rows = publish_costs(results, args.passes)
    print(f"\npublishing {len(results)} real frames x {args.passes} (receivers in another process)")
    print(
        f"{'mode':26s} {'publish ms':>10s} {'p95':>7s} {'max':>7s} {'+CPU ms/frame':>14s} {'sent':>6s} {'dropped':>8s}"
    )
    for r in rows:
        print(f"{r['mode']:26s} {r['publish_mean_ms']:10.4f} {r['publish_p95_ms']:7.4f} {r['publish_max_ms']:7.3f} "
              f"{r['extra_cpu_ms']:14.4f} {r['sent']:6d} {r['dropped']:8d}")  # fmt: skip
    runs = [(mode, live_fps(video, mode)) for _ in range(args.runs) for mode in LIVE_MODES]
    print(f"\npython -m core live --video {video.name} (receivers attached in another process)")
    print(f"{'outputs':40s} {'frames':>6s} {'FPS':>7s} {'sent':>6s} {'dropped':>8s} {'clients':>8s}")
    for mode, s in runs:
        print(f"{mode:40s} {s['frames']:6d} {s['fps']:7.1f} {s['sent']:6d} {s['dropped']:8d} {s['clients']:8d}")
    load_after = os.getloadavg()
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"\nload average before {load_before[0]:.2f}, after {load_after[0]:.2f}; {uptime}; cores {os.cpu_count()}")
    print(json.dumps({"publish": rows, "live": [{"outputs": mode, **s} for mode, s in runs],
                      "load_before": round(load_before[0], 2), "load_after": round(load_after[0], 2),
                      "cores": os.cpu_count(), "video": video.name}))  # fmt: skip


if __name__ == "__main__":
    main()

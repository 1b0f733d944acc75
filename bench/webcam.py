"""Server frame rate through the real WebRTC path: headless Chromium's fake camera → the running app.

    .venv/bin/python bench/webcam.py [--page live|record] [--seconds 20] [--video FILE] [--cpm] [--backend cpm]
    .venv/bin/python bench/webcam.py --skeleton body   # a body project (yoga photos) on the slovo webcam clip
    .venv/bin/python bench/webcam.py --skeleton body --view3d   # the same with Live's 3D view on

What it does:
1. converts the video to a 640×480 y4m (fitted inside, any shape, padded) with ffmpeg, cached under ``bench/out/``;
2. seeds a temporary data dir with two classes from HaGRID photos and trains a model
   (so the Live page classifies; skipped with ``--page record``);
3. starts the app (``python -m ui.serve``, as ``make run``) with ``HANDTEACH_TIMINGS_FILE`` set, and measures how
   long the first page takes to render after the server prints its URL;
4. opens the page in Chromium (``--use-file-for-fake-video-capture``), presses START
   (and, on Record, Record repeatedly), then reads the server-side per-frame timings the
   app writes about once a second, and the server's resident memory.

Prints a table, then one JSON line: ``{"fps": ..., "ms": {...}, "first_render_s": ..., "rss_mb": ...}``.
The browser and server helpers are ``bench/browser.py``'s, the fake camera ``bench/fake_camera.py``'s.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.browser import (  # noqa: E402
    AppServer,
    browser_page,
    browser_webrtc_stats,
    missing_tools,
    seed_project,
    start_webcam,
    wait_app_ready,
)
from bench.fake_camera import DEFAULT_VIDEO, ROOT, fake_camera_y4m  # noqa: E402


def _read_timings(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


BODY_VIDEO = ROOT.parent / "shared" / "data" / "hands" / "slovo_clips" / "videos" / "slovo_demo_pointing_480x356.mp4"


def seed_body_project(data_dir: Path, per_class: int = 12) -> None:
    """The default project as a body project with two yoga poses of the shared yoga8 photos, trained."""
    from core.data.extract import extract_to_store
    from core.data.project import train_project
    from core.data.store import Store

    store = Store(data_dir)
    store.delete_project(store.ensure_project())
    project = store.create_project("default", skeleton="body")
    for pose in ("tree", "warrior2"):
        store.add_class(project, pose)
        photos = sorted((ROOT.parent / "shared" / "data" / "body" / "yoga8" / "images" / pose).glob("*.jpg"))
        extract_to_store(store, project, pose, photos[:per_class])
    train_project(store, project)


def run(page_name: str, seconds: float, video: Path, warmup: float, hands: int, nice: int, server_nice: int,
        cpm: bool = False, view3d: bool = False, seed: Callable[[Path], object] | None = None,
        read: Callable[[Any], dict] | None = None, shot: str = "") -> dict:  # fmt: skip
    """Measure ``page_name`` served from a data folder that ``seed`` (when given) fills first; ``read(page)``
    (when given) adds what it reads off the page after measuring to the result. ``shot``: the screenshot's
    name (``webcam-<page>.png`` by default)."""
    out = ROOT / "bench" / "out"
    y4m = fake_camera_y4m(video, out)
    extra: dict = {}
    with tempfile.TemporaryDirectory(prefix="handteach-bench-") as tmp:
        data_dir, timings_file = Path(tmp) / "data", Path(tmp) / "timings.json"
        if seed is not None:
            seed(data_dir)
        with browser_page(y4m, nice=nice) as page:
            server = AppServer(
                data_dir, env={"HANDTEACH_TIMINGS_FILE": str(timings_file)}, log=out / "streamlit.log", nice=server_nice
            )
            out.mkdir(parents=True, exist_ok=True)
            server.start()
            try:
                page.goto(server.url)
                wait_app_ready(page)
                first_render = time.monotonic() - (server.url_time or time.monotonic())
                page.goto(f"{server.url}/{page_name}")
                wait_app_ready(page)
                if page_name == "live" and hands == 2:
                    page.locator(".st-key-live_hands button").filter(has_text="2").click()
                    wait_app_ready(page)
                if page_name == "live" and cpm:
                    page.get_by_text("🔬 CPM belief maps").click()
                    wait_app_ready(page)
                if page_name == "live" and view3d:  # the Plotly figure rebuilt twice a second on the script thread
                    page.get_by_text("🧊 3D view").click()
                    wait_app_ready(page)
                start_webcam(page)
                cpu = _CpuMeter(server)
                samples = _measure(page, page_name, timings_file, seconds, warmup, cpu)
                rss, cores = server.rss_mb(), cpu.cores()
                if read is not None:
                    extra = read(page)
                page.screenshot(path=str(out / (shot or f"webcam-{page_name}.png")))
            finally:
                server.stop()
    return _summary(samples, first_render, rss, page_name, y4m, cores, _load_average()) | extra


class _CpuMeter:
    """Cores the server process used between ``start()`` and ``cores()``."""

    def __init__(self, server: AppServer) -> None:
        self.server = server
        self.start()

    def start(self) -> None:
        self.t0, self.c0 = time.monotonic(), self.server.cpu_seconds()

    def cores(self) -> float:
        return (self.server.cpu_seconds() - self.c0) / max(1e-9, time.monotonic() - self.t0)


def _load_average() -> float:
    return os.getloadavg()[0]


def _measure(page, page_name: str, timings_file: Path, seconds: float, warmup: float,  # noqa: ANN001
             cpu: _CpuMeter) -> list[dict]:  # fmt: skip
    end_warmup = time.monotonic() + warmup
    measuring = False
    samples: list[dict] = []
    last_time = None
    next_record = 0.0
    while time.monotonic() < end_warmup + seconds:
        if page_name == "record" and time.monotonic() >= next_record:
            button = page.get_by_role("button", name="⏺ Record")
            if button.is_enabled():
                button.click()
                next_record = time.monotonic() + 8.0  # countdown 3 s + 3 s of capture + margin
        time.sleep(1.0)
        if not measuring and time.monotonic() >= end_warmup:
            measuring = True
            cpu.start()
        timings = _read_timings(timings_file)
        if time.monotonic() >= end_warmup and timings and timings.get("time") != last_time:
            last_time = timings["time"]
            timings["browser"] = browser_webrtc_stats(page)
            samples.append(timings)
    return samples


def _summary(samples: list[dict], first_render: float, rss: float, page_name: str, y4m: Path, cores: float,
             load: float) -> dict:  # fmt: skip
    if not samples:
        raise RuntimeError("the app wrote no timings: did the video stream start? see bench/out/streamlit.log")
    stages = sorted({k for s in samples for k in s["ms"]})
    ms = {k: round(sum(s["ms"].get(k, 0.0) for s in samples) / len(samples), 2) for k in stages}
    fps = _frames_per_second(samples)
    print(f"page={page_name} camera={y4m.name} samples={len(samples)} (one per second)")
    print(f"{'stage':<12}{'ms/frame':>10}")
    for stage, value in ms.items():
        print(f"{stage:<12}{value:>10.2f}")
    print(f"{'fps':<12}{fps:>10.2f}\n{'first render':<12}{first_render:>9.2f}s\n{'server RSS':<12}{rss:>8.0f}MB")
    cpu_ms = cores * 1000.0 / fps if fps else float("nan")
    print(f"{'server CPU':<12}{cores:>7.2f} cores = {cpu_ms:.1f} ms of CPU per frame (all server threads)")
    print(f"{'load avg':<12}{load:>10.2f} (machine, 1 min; includes the browser and any other jobs)")
    browser = _browser_summary(samples)
    if browser:
        print(
            f"{'browser':<12} sends {browser['sent_fps']} fps at {browser['sent_size']} (limited by: "
            f"{browser['limited_by']}), gets {browser['received_fps']} fps back"
        )
    return {"browser": browser, "page": page_name, "fps": fps, "ms": ms, "first_render_s": round(first_render, 2), "rss_mb": round(rss),
            "server_cores": round(cores, 2), "server_cpu_ms_per_frame": round(cpu_ms, 1),
            "load_avg": round(load, 2)}  # fmt: skip


def _frames_per_second(samples: list[dict]) -> float:
    """Frames the server processed over the measured time (its frame counter), not a mean of window rates."""
    first, last = samples[0], samples[-1]
    span = last["time"] - first["time"]
    if len(samples) < 2 or span <= 0:
        return round(float(last["fps"]), 2)
    return round((last["frames"] - first["frames"]) / span, 2)


def _browser_summary(samples: list[dict]) -> dict:
    stats = [s.get("browser") or {} for s in samples]
    stats = [b for b in stats if b.get("sent_fps") is not None]
    if not stats:
        return {}

    def mean(key: str) -> float:
        values = [b[key] for b in stats if b.get(key) is not None]
        return round(sum(values) / len(values), 1) if values else float("nan")

    reasons = sorted({b.get("limited_by") or "none" for b in stats})
    last = stats[-1]
    return {"sent_fps": mean("sent_fps"), "received_fps": mean("received_fps"),
            "sent_size": f"{last.get('sent_width')}x{last.get('sent_height')}", "limited_by": ",".join(reasons)}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--page", choices=["live", "record"], default="live")
    parser.add_argument("--seconds", type=float, default=20.0, help="measurement time after warm-up")
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument(
        "--hands", type=int, choices=[1, 2], default=1, help="Live: hands to follow (the app's default is 1)"
    )
    parser.add_argument(
        "--nice-browser", type=int, default=10, help="CPU niceness of the browser (0: same priority as the server)"
    )
    parser.add_argument(
        "--nice-server",
        type=int,
        default=0,
        help="CPU niceness of the server, e.g. -5 on a machine shared with other jobs",
    )
    parser.add_argument("--video", type=Path, help="default: $HANDTEACH_E2E_VIDEO or the hand video; body: slovo clip")
    parser.add_argument("--skeleton", choices=["hand", "body"], default="hand", help="Live: a hand or a body project")
    parser.add_argument("--cpm", action="store_true", help="Live: with the CPM belief-map panel on")
    parser.add_argument("--view3d", action="store_true", help="Live: with the 3D view on (refreshed twice a second)")
    parser.add_argument(
        "--backend", choices=["mediapipe", "cpm"], default="mediapipe", help="Live: the project's keypoint backend"
    )
    args = parser.parse_args()
    hand_video = Path(os.environ.get("HANDTEACH_E2E_VIDEO", DEFAULT_VIDEO))
    args.video = args.video or (BODY_VIDEO if args.skeleton == "body" else hand_video)
    missing = missing_tools()
    if missing:
        print(f"cannot run the webcam benchmark, missing: {', '.join(missing)}", file=sys.stderr)
        return 2
    seed = None
    if args.page == "live":  # Record needs no model
        seed = seed_body_project if args.skeleton == "body" else partial(seed_project, backend=args.backend)
    result = run(args.page, args.seconds, args.video, args.warmup, args.hands, args.nice_browser, args.nice_server,
                 args.cpm, args.view3d, seed)  # fmt: skip
    result.update(cpm_panel=args.cpm, backend=args.backend, skeleton=args.skeleton, view3d=args.view3d)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Server frame rate through the real WebRTC path: headless Chromium's fake camera → the running app.

    .venv/bin/python bench/speed/webcam.py [--page live|record] [--seconds 20] [--video FILE] [--cpm] [--backend cpm]
    .venv/bin/python bench/speed/webcam.py --skeleton body   # a body project (yoga photos) on the slovo webcam clip
    .venv/bin/python bench/speed/webcam.py --skeleton body --view3d   # the same with Live's 3D view on
    .venv/bin/python bench/speed/webcam.py --sessions 4   # four tabs streaming at once to one server
    .venv/bin/python bench/speed/webcam.py --path browser --sessions 4   # four tabs finding the hands themselves

What it does (the server path; ``--path browser`` is ``bench/common/webcam_browser.py``'s, see there):
1. converts the video to a 640×480 y4m (fitted inside, any shape, padded) with ffmpeg, cached under ``bench/out/``;
2. seeds a temporary data dir with two classes from HaGRID photos and trains a model
   (so the Live page classifies; skipped with ``--page record``);
3. starts the app (``python -m ui.server.serve``, as ``make run``) with ``HANDTEACH_TIMINGS_FILE`` set, and measures how
   long the first page takes to render after the server prints its URL;
4. opens the page in ``--sessions`` tabs of one Chromium (``--use-file-for-fake-video-capture``), presses
   START in each (and, on Record, Record repeatedly), then reads the per-frame timings each stream
   writes about once a second, the browser's WebRTC statistics of each tab, the server's CPU time by
   thread over the window (``bench/common/server_threads.py``) and its resident memory.

Prints per session the frames served a second and the lag from a frame's arrival to its overlay, the
server's CPU a frame in all and by part (decode, conversions, keypoints, features, classifier, drawing,
encode, the page's reruns, the native pools: ``bench/speed/webcam_report.py``), then one JSON line:
``{"fps": ..., "min_fps": ..., "server_cpu_ms_per_frame": ..., "cpu_ms": {...}, "ms": {...}, "sessions": [...]}``.
The browser and server helpers are ``bench/common/browser.py``'s, the fake camera ``bench/common/fake_camera.py``'s.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common.browser import (  # noqa: E402
    AppServer,
    browser_page,
    browser_webrtc_stats,
    missing_tools,
    seed_project,
    start_webcam,
    wait_app_ready,
)
from bench.common.fake_camera import DEFAULT_VIDEO, ROOT, fake_camera_y4m  # noqa: E402
from bench.common.server_threads import cpu_by_group, thread_cpu, tree_cpu  # noqa: E402
from bench.common.webcam_churn import churn, print_cycles  # noqa: E402
from bench.speed.webcam_report import breakdown, browser_summary, print_report, session_summary  # noqa: E402


def _read_timings(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


BODY_VIDEO = ROOT.parent / "shared" / "data" / "hands" / "slovo_clips" / "videos" / "slovo_demo_pointing_480x356.mp4"


def seed_body_project(data_dir: Path, per_class: int = 12) -> None:
    """The default project as a body project with two yoga poses of the shared yoga8 photos, trained."""
    from core.data.imports.extract import extract_to_store
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
        read: Callable[[Any], dict] | None = None, shot: str = "", sessions: int = 1) -> dict:  # fmt: skip
    """Measure ``page_name`` in ``sessions`` tabs served from a data folder that ``seed`` (when given) fills
    first; ``read(page)`` (when given) adds what it reads off the first tab after measuring to the result.
    ``shot``: the screenshot's name (``webcam-<page>.png`` by default)."""
    out = ROOT / "bench" / "out"
    y4m = fake_camera_y4m(video, out)
    extra: dict = {}
    with tempfile.TemporaryDirectory(prefix="handteach-bench-") as tmp:
        data_dir, timings = Path(tmp) / "data", Path(tmp) / "timings"
        timings.mkdir()  # a folder: each stream writes its own file there
        if seed is not None:
            seed(data_dir)
        with browser_page(y4m, nice=nice) as first:
            server = AppServer(data_dir, env={"HANDTEACH_TIMINGS_FILE": str(timings)}, log=out / "streamlit.log",
                               nice=server_nice)  # fmt: skip
            out.mkdir(parents=True, exist_ok=True)
            server.start()
            try:
                first.goto(server.url)
                wait_app_ready(first)
                first_render = time.monotonic() - (server.url_time or time.monotonic())
                pages = [first] + [first.context.new_page() for _ in range(sessions - 1)]
                for page in pages:
                    _open(page, f"{server.url}/{page_name}", page_name, hands, cpm, view3d)
                window = _measure(pages, page_name, timings, server, seconds, warmup)
                if read is not None:
                    extra = read(first)
                first.screenshot(path=str(out / (shot or f"webcam-{page_name}.png")))
            finally:
                server.stop()
    result = _summary(window, first_render, page_name)
    print_report(result, y4m)
    return result | extra


def _open(page, url: str, page_name: str, hands: int, cpm: bool, view3d: bool) -> None:  # noqa: ANN001
    """Open ``url`` in ``page``, switch on what the run asks for and press START."""
    page.goto(url)
    wait_app_ready(page)
    if page_name == "live" and hands == 2:
        page.locator(".st-key-live_hands button").filter(has_text="2").click()
        wait_app_ready(page)
    if page_name == "live" and cpm:
        page.get_by_text("More", exact=True).click()  # the CPM panel is behind Live's More switch
        wait_app_ready(page)
        page.get_by_text("🔬 CPM belief maps").click()
        wait_app_ready(page)
    if page_name == "live" and view3d:  # the Plotly figure rebuilt twice a second on the script thread
        page.get_by_text("🧊 3D view").click()
        wait_app_ready(page)
    start_webcam(page)


def _read_statuses(folder: Path) -> dict[str, dict]:
    statuses = {}
    for path in folder.glob("*.json"):
        status = _read_timings(path)
        if status is not None:
            statuses[status["session"]] = status
    return statuses


def _measure(pages: list, page_name: str, folder: Path, server: AppServer, seconds: float,  # noqa: ANN001
             warmup: float) -> dict:  # fmt: skip
    """Per stream, its status once a second (with the browser's WebRTC stats of the tab it came from, when
    the tabs stream one to one); the server's CPU by thread over the window, and its RSS at the end."""
    next_record = [0.0] * len(pages)
    end_warmup = time.monotonic() + warmup
    while time.monotonic() < end_warmup:
        next_record = _press_record(pages, page_name, next_record)
        time.sleep(0.5)
    browser0 = tree_cpu(os.getpid(), server.pid)
    cpu0, threads0, t0 = server.cpu_seconds(), thread_cpu(server.pid), time.monotonic()
    samples: dict[str, list[dict]] = {}
    last_time: dict[str, float] = {}
    tabs: list[list[dict]] = [[] for _ in pages]
    while time.monotonic() < t0 + seconds:
        next_record = _press_record(pages, page_name, next_record)
        time.sleep(1.0)
        for tab, page in zip(tabs, pages, strict=True):
            tab.append({"browser": browser_webrtc_stats(page)})
        for ident, status in _read_statuses(folder).items():
            if status["time"] != last_time.get(ident):
                last_time[ident] = status["time"]
                samples.setdefault(ident, []).append(status)
    cpu1, threads1, t1 = server.cpu_seconds(), thread_cpu(server.pid), time.monotonic()
    browser_cores = (tree_cpu(os.getpid(), server.pid) - browser0) / (t1 - t0)
    names = {int(tid): name for s in samples.values() for tid, name in s[-1].get("threads", {}).items()}
    return {"samples": samples, "cpu_s": cpu1 - cpu0, "span_s": t1 - t0, "rss_mb": server.rss_mb(),
            "groups_s": cpu_by_group(threads0, threads1, names, cpu1 - cpu0), "threads": len(threads1),
            "tabs": [browser_summary(tab) for tab in tabs], "load": os.getloadavg()[0],
            "browser_cores": browser_cores}  # fmt: skip


def _press_record(pages: list, page_name: str, next_record: list[float]) -> list[float]:  # noqa: ANN001
    if page_name != "record":
        return next_record
    for i, page in enumerate(pages):
        if time.monotonic() >= next_record[i]:
            button = page.get_by_role("button", name="⏺ Record")
            if button.is_enabled():
                button.click()
                next_record[i] = time.monotonic() + 8.0  # countdown 3 s + 3 s of capture + margin
    return next_record


def _summary(window: dict, first_render: float, page_name: str) -> dict:
    streams = [samples for samples in window["samples"].values() if len(samples) >= 2]
    if not streams:
        raise RuntimeError("the app wrote no timings: did the video stream start? see bench/out/streamlit.log")
    sessions = [session_summary(samples) for samples in streams]
    fps = sum(s["fps"] for s in sessions)
    frames = max(1.0, fps * window["span_s"])
    groups_ms = {k: v * 1000.0 / frames for k, v in window["groups_s"].items()}
    stages = {k: sum(s["ms"].get(k, 0.0) for s in sessions) / len(sessions) for k in sessions[0]["ms"]}
    cores = window["cpu_s"] / window["span_s"]
    return {"page": page_name, "sessions": sessions, "fps": round(fps, 2), "min_fps": min(s["fps"] for s in sessions),
            "frames": round(frames), "window_s": window["span_s"], "server_cores": round(cores, 2),
            "server_cpu_ms_per_frame": round(window["cpu_s"] * 1000.0 / frames, 1),
            "cpu_ms": breakdown(groups_ms, stages), "ms": {k: round(v, 2) for k, v in stages.items()},
            "first_render_s": round(first_render, 2), "rss_mb": round(window["rss_mb"]), "threads": window["threads"],
            "load_avg": round(window["load"], 2), "browser_cores": round(window["browser_cores"], 2), "tabs": window["tabs"], "browser": window["tabs"][0]}  # fmt: skip


def churn_main(tabs: int, seconds: float, video: Path, nice: int) -> int:
    """``--churn``: tabs opened on Live, streamed and closed mid-stream, one after another (bench/common/webcam_churn.py)."""
    y4m = fake_camera_y4m(video, ROOT / "bench" / "out")
    with tempfile.TemporaryDirectory(prefix="handteach-churn-") as tmp, browser_page(y4m, nice=nice) as page:
        seed_project(Path(tmp) / "data")
        server = AppServer(Path(tmp) / "data", log=ROOT / "bench" / "out" / "streamlit-churn.log").start()
        try:
            page.goto(server.url)
            wait_app_ready(page)
            result = print_cycles(churn(page.context, server, tabs, seconds))
            alive = server.process is not None and server.process.poll() is None
        finally:
            server.stop()
    print(json.dumps(result | {"tabs": tabs, "server_alive": alive, "load_avg": round(os.getloadavg()[0], 2)}))
    return 0


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
    parser.add_argument("--sessions", type=int, default=1, help="tabs streaming at once to the one server")
    parser.add_argument("--path", choices=["server", "browser"], default="server",
                        help="Live's keypoints on the server (WebRTC) or in each tab (bench/common/webcam_browser.py)")  # fmt: skip
    parser.add_argument(
        "--cpu-throttle",
        type=float,
        default=1.0,
        help="browser path: each tab's CPU slowed this many times (DevTools), as a slow laptop",
    )
    parser.add_argument("--browser-cores", type=float, default=None,
                        help="browser path: the whole browser (workers too) held to this many cores by a cgroup "
                        "CPU quota (bench/common/cpu_quota.py; needs root), e.g. 0.5 as a slow laptop")  # fmt: skip
    parser.add_argument("--starter", action="store_true",
                        help="--path browser: an untrained project (the starter's 8 gestures: labels change often)")  # fmt: skip
    parser.add_argument("--churn", type=int, default=0, help="instead: N tabs opened, streamed --seconds, closed")
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
    if args.churn:
        return churn_main(args.churn, args.seconds, args.video, args.nice_browser)
    if args.path == "browser":
        from bench.common.cpu_quota import QuotaUnavailable
        from bench.common.webcam_browser import print_table, run_browser

        try:
            result = run_browser(args.sessions, args.seconds, args.warmup, args.video, trained=not args.starter,
                                 throttle=args.cpu_throttle, browser_cores=args.browser_cores)  # fmt: skip
        except QuotaUnavailable as error:
            print(f"cannot hold the browser to {args.browser_cores:g} cores: {error}", file=sys.stderr)
            return 2
        print_table(result)
        print(json.dumps(result))
        return 0
    seed = None
    if args.page == "live":  # Record needs no model
        seed = seed_body_project if args.skeleton == "body" else partial(seed_project, backend=args.backend)
    result = run(args.page, args.seconds, args.video, args.warmup, args.hands, args.nice_browser, args.nice_server,
                 args.cpm, args.view3d, seed, sessions=args.sessions)  # fmt: skip
    result.update(cpm_panel=args.cpm, backend=args.backend, skeleton=args.skeleton, view3d=args.view3d)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

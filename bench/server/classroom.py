"""A class on one server: N students press Train within 10 s while another student keeps loading a page.

Real sessions: the app through its launcher (``python -m ui.server.serve``, bench/browser.AppServer) on loopback.
Each student is a scripted session by default (bench/server/scripted_tab.py: Streamlit's websocket spoken as a tab's
frontend does, the real Train button pressed, the page's fragments rerun as often as they ask), so thirty students
do not put thirty Chromiums on the server's cores; ``--sessions chromium`` drives real tabs (Playwright, one browser
context per student). The observer is always a real Chromium tab. Each student's project holds 8
gestures × 10 real samples (bench/common/classroom_data.py); the Train page trains with the starter data (its default),
then measures. One student trains alone first (``train_alone_s``: press → model saved); then ``--students`` press
Train spread over ``--spread`` seconds, while an observer loads the Record page every ``--every`` seconds in a new
tab of one browser whose cache its first page filled, as a student's browser after its first page
(``page_load_p95_s``; ``page_load_before_s``: the same before any training). A model counts as saved when its
``model.json`` is written after the press. Afterwards every project's model must load and hold its 80 samples
(``lost_or_corrupt``). Memory: the server process alone, and with its worker processes.

    .venv/bin/python -m bench.server.classroom --students 4     # a table, then one JSON line
    .venv/bin/python -m bench.server.classroom --live 4        # N signed-in students on Live instead
    .venv/bin/python -m bench.server.classroom --flood         # one student floods while another trains instead
    .venv/bin/python -m bench.server.classroom --app-servers 2 --students 60   # PostgreSQL, 1 machine then 2
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import classroom_data as data  # noqa: E402
from bench.common.browser import CHROMIUM, AppServer  # noqa: E402
from bench.server.class_live import live_during_trainings  # noqa: E402
from bench.server.class_pages import READY, load_page, p95, press_and_wait, print_table_and_json  # noqa: E402
from bench.server.scripted_tab import ScriptedTab  # noqa: E402

SESSIONS = {
    "scripted": "scripted Streamlit sessions (bench/server/scripted_tab.py) pressing the real Train button",
    "chromium": "real Chromium tabs pressing the Train button",
}


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*/children"):
            try:
                kids = [int(k) for k in task.read_text().split()]
            except OSError:
                continue
            found += kids
            todo += kids
    return found


async def observe(context, url: str, every: float, loads: list[float], stop: asyncio.Event) -> None:  # noqa: ANN001
    while not stop.is_set():
        loads.append(await load_page(context, url))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)


async def sample_memory(pid: int, peaks: dict[str, float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        server = rss_mb(pid)
        peaks["server"] = max(peaks.get("server", 0.0), server)
        peaks["total"] = max(peaks.get("total", 0.0), server + sum(rss_mb(c) for c in descendants(pid)))
        await asyncio.sleep(0.5)


async def open_train(browser, url: str):  # noqa: ANN001, ANN201
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    await page.goto(url, timeout=180_000)
    await page.wait_for_function(READY, timeout=180_000, polling=100)

    async def press() -> None:
        await page.get_by_role("button", name="Start training").click(timeout=60_000)

    return press


async def open_scripted(server_url: str, project: str, tabs: list[ScriptedTab]):  # noqa: ANN201
    tab = ScriptedTab(server_url, "train", f"project={project}")
    tabs.append(tab)
    await tab.open(timeout=180)
    if tab.errors:
        raise RuntimeError(f"{project}'s Train page showed an error: {tab.errors[0]}")
    return lambda: tab.press("Start training", timeout=60)


async def classroom(args: argparse.Namespace, server: AppServer, report: dict) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        observer_url = f"{server.url}/record?project={data.OBSERVER}"
        observer = await browser.new_context()
        await load_page(observer, observer_url)  # its first page fills the cache: a student's browser, not new
        before = [await load_page(observer, observer_url) for _ in range(3)]
        print(f"observer's page alone: {', '.join(f'{b:.2f}' for b in before)} s", flush=True)
        stop, peaks, loads = asyncio.Event(), {}, []
        memory = asyncio.create_task(sample_memory(server.pid, peaks, stop))
        tabs: list[ScriptedTab] = []

        def opener(i: int):  # noqa: ANN202 - an awaitable of an async press()
            if args.sessions == "scripted":
                return open_scripted(server.url, data.student(i), tabs)
            return open_train(browser, f"{server.url}/train?project={data.student(i)}")

        _, alone, alone_measured = await press_and_wait(await opener(0), data.model_file(args.data, data.student(0)),
                                                        0.0, args.timeout, True)  # fmt: skip
        print(f"one student alone: saved after {alone} s, measured after {alone_measured} s", flush=True)
        pages = [await opener(i) for i in range(1, args.students + 1)]
        print(f"{len(pages)} Train pages open; pressing Train", flush=True)
        watcher = asyncio.create_task(observe(observer, observer_url, args.every, loads, stop))
        spread = [args.spread * i / max(1, args.students - 1) for i in range(args.students)]
        models = [data.model_file(args.data, data.student(i)) for i in range(1, args.students + 1)]
        presses = [press_and_wait(page, model, delay, args.timeout, args.measured)
                   for page, model, delay in zip(pages, models, spread, strict=True)]  # fmt: skip
        live, go = {}, threading.Event()
        if args.live_tabs:
            thread = threading.Thread(target=live_during_trainings, daemon=True,
                                      args=(server, args.live_tabs, args.seconds, go, live))  # fmt: skip
            thread.start()
            asyncio.get_running_loop().call_later(args.spread + 1.0, go.set)  # every student has pressed
        runs = await asyncio.gather(*presses)
        if args.live_tabs:
            await asyncio.to_thread(thread.join)
        stop.set()
        await asyncio.gather(watcher, memory)
        fragment_runs = [t for tab in tabs for t in tab.times.fragment]
        await asyncio.gather(*(tab.close() for tab in tabs))
        await browser.close()
    first = min(r[0] for r in runs)
    report.update(before=before, loads=loads, alone=alone, alone_measured=alone_measured, peaks=peaks,
                  saved=[r[1] for r in runs], fragment_runs=fragment_runs, live=live, first_press=first, measured=[r[2] for r in runs],
                  last_saved=max((r[0] - first + r[1] for r in runs if r[1] is not None), default=None))  # fmt: skip


def live_summary(report: dict) -> dict:
    """What Live tabs beside the trainings cost the web process (``--live-tabs``): nothing without them."""
    live = report["live"]
    if not live:
        return {}
    if "error" in live:
        return {"live_tabs_error": live["error"]}
    window, first, saved = live["window"], report["first_press"], report["last_saved"]
    added = window["server_cores"] - live["without_live_cores"]
    return {"live_tabs": len(window["tabs"]), "live_pct_core_per_student": round(100 * added / len(window["tabs"]), 2),
            "web_process_cores_without_live": round(live["without_live_cores"], 4),
            "web_process_cores_with_live": round(window["server_cores"], 4),
            "live_fps_min": min(t["fps"] for t in window["tabs"]),
            "live_window_s": [round(t - first, 1) for t in live["live_window"]],
            "trainings_running_in_live_window": saved is not None and live["live_window"][1] - first < saved}  # fmt: skip


def summary(args: argparse.Namespace, report: dict, workers: int, problems: list[str]) -> dict:
    saved = [s for s in report["saved"] if s is not None]
    measured = [m for m in report["measured"] if m is not None]
    alone = report["alone"]
    target = args.students * alone / workers * 1.2 if alone else None
    return {
        "students": args.students, "trainings": len(saved), "workers": workers,
        "sessions": SESSIONS[args.sessions],
        "page_load_p95_s": round(p95(report["loads"]), 2), "page_load_max_s": round(max(report["loads"], default=0), 2),
        "page_loads": len(report["loads"]), "page_load_before_s": round(statistics.median(report["before"]), 2),
        "train_alone_s": round(alone, 1) if alone else None,
        "measure_alone_s": round(report["alone_measured"], 1) if report["alone_measured"] else None,
        "train_wait_max_s": round(max(saved), 1) if saved else None,
        "train_last_after_first_press_s": round(report["last_saved"], 1) if report["last_saved"] else None,
        "train_target_s": round(target, 1) if target else None,
        "measured": len(measured), "measure_wait_max_s": round(max(measured), 1) if measured else None,
        "student_fragment_run_p95_s": round(p95(report["fragment_runs"]), 3) if report["fragment_runs"] else None,
        **live_summary(report),
        "server_rss_peak_mb": round(report["peaks"].get("server", 0)),
        "server_and_workers_rss_peak_mb": round(report["peaks"].get("total", 0)),
        "lost_or_corrupt": len(problems),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=4, help="students pressing Train (the issue's target: 30)")
    parser.add_argument("--samples", type=int, default=10, help="samples per gesture (8 gestures)")
    parser.add_argument("--spread", type=float, default=10.0, help="seconds over which the presses are spread")
    parser.add_argument("--every", type=float, default=3.0, help="seconds between the observer's page loads")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds a student waits for a measured model")
    parser.add_argument(
        "--measured",
        action="store_true",
        help="also wait for every student's model to be measured (k-fold: minutes with many students)",
    )
    parser.add_argument(
        "--sessions",
        choices=SESSIONS,
        default="scripted",
        help="how the students' Train pages are driven (the observer is always a Chromium tab)",
    )
    parser.add_argument(
        "--live",
        type=int,
        metavar="N",
        help="instead: N signed-in students on Live (bench/server/class_live.py), CPU and first label",
    )
    parser.add_argument("--seconds", type=float, default=15.0, help="--live, --live-tabs: the measuring window")
    parser.add_argument(
        "--live-tabs",
        type=int,
        default=0,
        metavar="M",
        help="also M Chromium tabs on Live once the class has pressed Train: the web process's CPU "
        "without them, then with them, while the pool trains",
    )
    parser.add_argument("--flood", action="store_true",
                        help="instead: one student floods (bench/server/class_flood.py) while another trains")  # fmt: skip
    parser.add_argument("--flood-mb", type=float, default=190.0, help="--flood: the CSV the flooder imports, MB")
    parser.add_argument("--workers", type=int, help="job worker processes (default: cores - 1)")
    parser.add_argument("--data", type=Path, help="data dir (default: a new temporary one)")
    parser.add_argument("--app-servers", type=int, metavar="K",
                        help="instead: the class on PostgreSQL and its job queue, on one machine then on K (an app "
                             "server and a job worker each, pinned to a core): bench/server/scaled_class.py")  # fmt: skip
    parser.add_argument("--database-url", help="--app-servers: a PostgreSQL server whose role may create databases "
                                               "(default: a throwaway cluster)")  # fmt: skip
    args = parser.parse_args()
    if args.app_servers:
        from bench.server.scaled_class import run_scaled

        if args.workers not in (None, args.app_servers):
            parser.error("--app-servers K: each machine has one worker, so --workers is K too")
        print_table_and_json(run_scaled(args))
        return
    if args.live:
        from bench.common.fake_camera import DEFAULT_VIDEO
        from bench.server.class_live import print_class_live, run_class_live
        from bench.server.class_live import summary as live_summary

        result = run_class_live(args.live, args.seconds, 5.0, DEFAULT_VIDEO)
        print_class_live(result)
        print(json.dumps(live_summary(result)))
        return
    args.data = args.data or Path(tempfile.mkdtemp(prefix="classroom-")) / "data"
    if args.flood:
        from bench.server.class_flood import run_flood

        print_table_and_json(run_flood(args))
        return
    env = {"HANDTEACH_JOB_WORKERS": str(args.workers)} if args.workers else {}
    from core.jobs.runner import WORKERS_ENV, default_workers

    os.environ.update({WORKERS_ENV: str(args.workers)} if args.workers else {})
    workers = default_workers()
    from core.keypoints.native_logs import quiet_native_logs

    quiet_native_logs()  # MediaPipe's log lines as the projects' hands are found
    started = time.monotonic()
    data.build(args.data, args.students, args.samples)
    print(f"projects ready in {time.monotonic() - started:.0f} s: {args.data}", flush=True)
    server, report = AppServer(args.data, env=env, keypoints="browser").start(), {}
    try:
        asyncio.run(classroom(args, server, report))
    finally:
        server.stop()
    problems = data.lost_or_corrupt(args.data, [data.student(i) for i in range(args.students + 1)], args.samples)
    result = summary(args, report, workers, problems)
    width = max(map(len, result))
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
    for problem in problems:
        print(f"lost or corrupt: {problem}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()

"""A class on one server: N students press Train within 10 s while another student keeps loading a page.

Real sessions: the app through its launcher (``python -m ui.server.serve``, bench/common/browser.AppServer) on loopback,
driven by real Chromium tabs (Playwright, one browser context per student). Each student's project holds 8
gestures × 10 real samples (bench/common/classroom_data.py); the Train page trains with the starter data (its default),
then measures. One student trains alone first (``train_alone_s``: press → model saved); then ``--students`` press
Train spread over ``--spread`` seconds, while an observer loads the Record page every ``--every`` seconds
(``page_load_p95_s``; ``page_load_before_s``: the same before any training). A model counts as saved when its
``model.json`` is written after the press. Afterwards every project's model must load and hold its 80 samples
(``lost_or_corrupt``). Memory: the server process alone, and with its worker processes.

    .venv/bin/python -m bench.server.classroom --students 4     # a table, then one JSON line
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
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import classroom_data as data  # noqa: E402
from bench.common.browser import CHROMIUM, AppServer  # noqa: E402

READY = """() => !!document.querySelector('[data-testid="stMainBlockContainer"] h1') &&
  !document.querySelector('[data-testid="stStatusWidget"] [data-testid="stStatusWidgetRunningIcon"]')"""


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


async def load_page(browser, url: str) -> float:  # noqa: ANN001 - playwright Browser
    """Seconds from asking for ``url`` in a new tab to the page drawn and its script ended."""
    context = await browser.new_context()
    page = await context.new_page()
    start = time.monotonic()
    try:
        await page.goto(url, timeout=120_000)
        await page.wait_for_function(READY, timeout=120_000, polling=50)
        return time.monotonic() - start
    finally:
        await context.close()


async def observe(browser, url: str, every: float, loads: list[float], stop: asyncio.Event) -> None:  # noqa: ANN001
    while not stop.is_set():
        loads.append(await load_page(browser, url))
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
    return context, page


async def press_and_wait(page, model: Path, delay: float, timeout: float,  # noqa: ANN001 - playwright Page
                         measured_too: bool) -> tuple[float, float | None, float | None]:  # fmt: skip
    """(press time, seconds to the model saved, seconds to it measured) of one student; None: not within timeout
    (or, without ``measured_too``, not waited for)."""
    await asyncio.sleep(delay)
    await page.get_by_role("button", name="Train model").click(timeout=60_000)
    pressed = time.time()
    saved = measured = None
    while time.time() - pressed < timeout and measured is None and (measured_too or saved is None):
        seen = data.saved_at(model)
        if seen is not None and seen[0] >= pressed - 0.5:
            saved = saved or seen[0] - pressed
            measured = seen[0] - pressed if seen[1] else None
        await asyncio.sleep(0.25)
    return pressed, saved, measured


async def classroom(args: argparse.Namespace, server: AppServer, report: dict) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        observer_url = f"{server.url}/record?project={data.OBSERVER}"
        before = [await load_page(browser, observer_url) for _ in range(3)]
        stop, peaks, loads = asyncio.Event(), {}, []
        memory = asyncio.create_task(sample_memory(server.pid, peaks, stop))
        _, alone_page = await open_train(browser, f"{server.url}/train?project={data.student(0)}")
        _, alone, alone_measured = await press_and_wait(alone_page, data.model_file(args.data, data.student(0)), 0.0,
                                                        args.timeout, True)  # fmt: skip
        pages = [await open_train(browser, f"{server.url}/train?project={data.student(i)}")
                 for i in range(1, args.students + 1)]  # fmt: skip
        watcher = asyncio.create_task(observe(browser, observer_url, args.every, loads, stop))
        spread = [args.spread * i / max(1, args.students - 1) for i in range(args.students)]
        models = [data.model_file(args.data, data.student(i)) for i in range(1, args.students + 1)]
        presses = [press_and_wait(page, model, delay, args.timeout, args.measured)
                   for (_, page), model, delay in zip(pages, models, spread, strict=True)]  # fmt: skip
        runs = await asyncio.gather(*presses)
        stop.set()
        await asyncio.gather(watcher, memory)
        await browser.close()
    first = min(r[0] for r in runs)
    report.update(before=before, loads=loads, alone=alone, alone_measured=alone_measured, peaks=peaks,
                  saved=[r[1] for r in runs], measured=[r[2] for r in runs],
                  last_saved=max((r[0] - first + r[1] for r in runs if r[1] is not None), default=None))  # fmt: skip


def p95(values: list[float]) -> float:
    return (
        statistics.quantiles(values, n=20, method="inclusive")[-1]
        if len(values) >= 2
        else (values[0] if values else float("nan"))
    )


def summary(args: argparse.Namespace, report: dict, workers: int, problems: list[str]) -> dict:
    saved = [s for s in report["saved"] if s is not None]
    measured = [m for m in report["measured"] if m is not None]
    alone = report["alone"]
    target = args.students * alone / workers * 1.2 if alone else None
    return {
        "students": args.students, "trainings": len(saved), "workers": workers, "sessions": "real Chromium tabs",
        "page_load_p95_s": round(p95(report["loads"]), 2), "page_load_max_s": round(max(report["loads"], default=0), 2),
        "page_loads": len(report["loads"]), "page_load_before_s": round(statistics.median(report["before"]), 2),
        "train_alone_s": round(alone, 1) if alone else None,
        "measure_alone_s": round(report["alone_measured"], 1) if report["alone_measured"] else None,
        "train_wait_max_s": round(max(saved), 1) if saved else None,
        "train_last_after_first_press_s": round(report["last_saved"], 1) if report["last_saved"] else None,
        "train_target_s": round(target, 1) if target else None,
        "measured": len(measured), "measure_wait_max_s": round(max(measured), 1) if measured else None,
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
    parser.add_argument("--workers", type=int, help="job worker processes (default: cores - 1)")
    parser.add_argument("--data", type=Path, help="data dir (default: a new temporary one)")
    args = parser.parse_args()
    args.data = args.data or Path(tempfile.mkdtemp(prefix="classroom-")) / "data"
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

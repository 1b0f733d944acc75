"""``bench/speed/webcam.py --path browser``: Live on the browser path (issue 46), where each tab finds the hands itself.

    .venv/bin/python bench/speed/webcam.py --path browser --sessions 4 [--seconds 20] [--warmup 5]

The app serves a trained two-gesture project (HaGRID photos, ``bench.common.browser.seed_project``; ``--starter``: an
untrained one, whose starter model knows 8 gestures, so the finger-spelling hand changes label often) with the browser
path on (``HANDTEACH_KEYPOINTS=browser``); one headless Chromium (nice 0: it competes for the CPU as a student's
browser would on its own machine) opens Live in ``--sessions`` tabs, each with the fake camera on the shared ASL
video. What it measures:

1. the first label, in a new browser context (an empty cache: a fresh profile) and again after a reload (the
   assets cached): seconds from ``page.goto`` to the tab drawing its first label (the tab's own stamp,
   ``window.handteach.timing.firstLabelAt``) and to the page's card showing it (the label event's round trip),
   with where the time went: when the component's frame opened, the camera ran, the gesture model and the hand
   model were ready (the tab's ``ht:`` performance marks), and when each big file (the wasm, the hand model,
   over 100 kB) began and ended arriving and its size on the wire; first of all the first Live visit of the
   fresh server, in a fresh profile (issue 64: 10.5 s to the first card; the server's first Live run too);
2. over ``--seconds`` after ``--warmup``, all tabs running: the server's CPU (its process, every thread, from
   ``/proc``) per live user and per camera frame the tabs handled; each tab's frames a second, its renderer
   process's CPU a frame (Chrome's ``Performance.getMetrics`` ProcessTime: the tab and its same-origin camera
   iframe), its label events a second, and the lag from the camera's capture of a frame
   (``requestVideoFrameCallback``'s ``captureTime``) to that frame's label drawn on the canvas, median and p90
   of the last 300 labelled frames, and the hand model it ended on (full or lite, frontend/src/pace.js) with the
   median frame's work that chose it, and its ms a frame finding hands, classifying and drawing (the tab's own clock);
   all of Chromium's processes together (the camera, the compositor, the
   renderers) per frame;
3. the machine's load average at the start and end of the window (other jobs share it).

Prints a table and one JSON line. The browser and server helpers are ``bench/common/browser.py``'s.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.common.browser import CHROMIUM, AppServer, chromium_args, seed_project
from bench.common.cpu_quota import CpuQuota
from bench.common.fake_camera import ROOT, fake_camera_y4m
from bench.common.server_threads import descendants, tree_cpu

CAMERA_IFRAME = 'iframe[title="ui.browser.component.handteach_camera"]'
# A student's tab is in the foreground of their own machine: no background throttling of the others here
FOREGROUND = ["--disable-renderer-backgrounding", "--disable-background-timer-throttling",
              "--disable-backgrounding-occluded-windows"]  # fmt: skip
# the tab's timing and which hand model it runs, with the median frame's work that chose it (frontend/src/pace.js)
TIMING = """() => window.handteach && { ...window.handteach.timing, hand_model: window.handteach.state.handModel,
    pace_ms: window.handteach.state.paceMs, where: window.handteach.state.finder && window.handteach.state.finder.where,
    thread_ms: window.handteach.state.threadMs }"""
STEPS = """() => Object.fromEntries([["frame", performance.timeOrigin], ...performance.getEntriesByType("mark")
    .filter(m => m.name.startsWith("ht:")).map(m => [m.name.slice(3), performance.timeOrigin + m.startTime])])"""
LABEL_ON_CARD = """() => [...document.querySelectorAll('.st-key-live_prediction p')]
    .some(p => p.textContent.startsWith('Labels: ') && p.textContent !== 'Labels: none')"""


def camera_frame(page, timeout_ms: int = 120_000):  # noqa: ANN001, ANN201 - playwright Page and Frame
    """The tab's camera iframe once its script runs."""
    page.wait_for_selector(CAMERA_IFRAME, timeout=timeout_ms)
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "handteach_camera" in (frame.url or ""):
                with contextlib.suppress(Exception):  # a frame still navigating
                    frame.wait_for_function("() => window.handteach", timeout=timeout_ms)
                    return frame
        time.sleep(0.1)
    raise TimeoutError("the camera iframe did not start")


def first_label(page, url: str, reload: bool = False) -> dict[str, Any]:  # noqa: ANN001
    """Seconds from opening ``url`` (or reloading the page) to the first label drawn in the tab and on the card,
    with the tab's steps and the big files' arrival (``files_s``: name -> [began, ended, MB on the wire])."""
    files: dict[str, list[float]] = {}
    began: dict[object, float] = {}

    def requested(request) -> None:  # noqa: ANN001 - the tab's and its workers' requests, as they go out
        began[request] = time.time()

    def finished(request) -> None:  # noqa: ANN001
        with contextlib.suppress(Exception):  # a request of a frame already gone
            wire = request.sizes()["responseBodySize"]
            if wire > 100_000:
                name = request.url.rsplit("/", 1)[-1].split("?")[0]
                files[name] = [round(began.get(request, time.time()) - start, 2), round(time.time() - start, 2),
                               round(wire / 1e6, 1)]  # fmt: skip

    page.context.on("request", requested)
    page.context.on("requestfinished", finished)
    start = time.time()
    page.reload() if reload else page.goto(url)
    frame = camera_frame(page)
    frame.wait_for_function("() => window.handteach.timing.firstLabelAt !== null", timeout=180_000)
    drawn = frame.evaluate("() => window.handteach.timing.firstLabelAt") / 1000.0
    page.wait_for_function(LABEL_ON_CARD, timeout=120_000)
    # where the start went: the component's frame opened (its time origin), then the tab's marks (main.js)
    steps = frame.evaluate(STEPS)
    card = round(time.time() - start, 2)
    page.context.remove_listener("request", requested)
    page.context.remove_listener("requestfinished", finished)
    return {"drawn_s": round(drawn - start, 2), "card_s": card, "files_s": files,
            "steps_s": {name: round(at / 1000.0 - start, 2) for name, at in steps.items()}}  # fmt: skip


class Tab:
    """One Live tab and what it has done so far: frames handled, events sent, its renderer's CPU seconds."""

    def __init__(self, page) -> None:  # noqa: ANN001 - playwright Page
        self.page = page
        self.frame = camera_frame(page)
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Performance.enable")

    def reading(self) -> dict[str, Any]:
        metrics = {m["name"]: m["value"] for m in self.cdp.send("Performance.getMetrics")["metrics"]}
        timing = self.frame.evaluate(TIMING)
        return {"cpu_s": metrics["ProcessTime"], "frames": timing["frames"], "labelled": timing.get("labelled", 0),
                "events": timing["events"], "hand_model": timing.get("hand_model"), "pace_ms": timing.get("pace_ms"),
                "where": timing.get("where"), "thread_ms": timing.get("thread_ms"),
                "phases": timing.get("phases", {}),
                "lags": timing["lags"], "time": time.monotonic()}  # fmt: skip


def tab_summary(before: dict, after: dict) -> dict[str, float]:
    span = after["time"] - before["time"]
    frames = after["frames"] - before["frames"]
    lags = sorted(after["lags"])
    labelled = after["labelled"] - before["labelled"]
    return {"fps": round(frames / span, 1), "labelled_per_s": round(labelled / span, 1), "cpu_ms_per_frame": round((after["cpu_s"] - before["cpu_s"]) * 1000 /
            max(frames, 1), 1), "cores": round((after["cpu_s"] - before["cpu_s"]) / span, 2),
            "events_per_s": round((after["events"] - before["events"]) / span, 2),
            "lag_ms_median": round(statistics.median(lags), 1) if lags else None,
            "lag_ms_p90": round(lags[int(0.9 * (len(lags) - 1))], 1) if lags else None,
            "hand_model": after["hand_model"], "pace_ms": after["pace_ms"], "hands_found_in": after["where"],
            "thread_ms": after["thread_ms"],
            "ms_per_frame": {step: round((after["phases"][step] - before["phases"].get(step, 0)) / max(frames, 1), 1)
                             for step in after["phases"]}}  # fmt: skip


@contextlib.contextmanager
def chromium(y4m: Path, extra_args: list[str] | None = None) -> Iterator:
    """A headless Chromium with the fake camera, at the server's priority (``extra_args``: more flags)."""
    from playwright.sync_api import sync_playwright

    args = chromium_args(y4m) + FOREGROUND + (extra_args or [])
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        try:
            yield browser
        finally:
            browser.close()


def new_context(browser):  # noqa: ANN001, ANN201 - a context is a fresh profile: its own empty cache
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["camera"])
    return context


def new_page(browser, throttle: float = 1.0):  # noqa: ANN001, ANN201 - playwright Browser and Page
    """A tab in a context of its own; ``throttle`` > 1 slows its CPU that many times (DevTools' CPU throttling, as a
    slow school laptop), the camera iframe with it (same origin, same renderer)."""
    page = new_context(browser).new_page()
    if throttle > 1:
        page.context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": throttle})
    return page


def measure(tabs: list[Tab], server: AppServer, seconds: float, warmup: float) -> dict[str, Any]:
    """The window: every tab's readings and the server's and Chromium's CPU before and after."""
    time.sleep(warmup)
    load0 = os.getloadavg()
    before = [tab.reading() for tab in tabs]
    cpu0, chrome0, t0 = server.cpu_seconds(), browser_cpu(server.pid), time.monotonic()
    time.sleep(seconds)
    cpu1, chrome1, t1 = server.cpu_seconds(), browser_cpu(server.pid), time.monotonic()
    after = [tab.reading() for tab in tabs]
    per_tab = [tab_summary(b, a) for b, a in zip(before, after, strict=True)]
    frames = sum(a["frames"] - b["frames"] for b, a in zip(before, after, strict=True))
    span, users = t1 - t0, len(tabs)
    return {"tabs": per_tab, "window_s": round(span, 1), "frames": frames,
            "server_cores": round((cpu1 - cpu0) / span, 4),
            "server_pct_core_per_user": round(100 * (cpu1 - cpu0) / span / users, 2),
            "server_ms_per_frame": round((cpu1 - cpu0) * 1000 / max(frames, 1), 3),
            "chromium_cores": round((chrome1 - chrome0) / span, 2),
            "chromium_ms_per_frame": round((chrome1 - chrome0) * 1000 / max(frames, 1), 1),
            "load_start": [round(v, 2) for v in load0], "load_end": [round(v, 2) for v in os.getloadavg()],
            "server_rss_mb": round(server.rss_mb())}  # fmt: skip


def browser_cpu(server_pid: int) -> float:
    """CPU seconds so far of Chromium's processes (this process's descendants but the server and Playwright's node)."""
    return tree_cpu(os.getpid(), server_pid, skip_names=("node",))


def idle_server_cores(server: AppServer, seconds: float = 5.0) -> float:
    """The server's own CPU with no tab open: what a live user does not add."""
    cpu0, t0 = server.cpu_seconds(), time.monotonic()
    time.sleep(seconds)
    return round((server.cpu_seconds() - cpu0) / (time.monotonic() - t0), 4)


def run_browser(sessions: int, seconds: float, warmup: float, video: Path, trained: bool = True,
                throttle: float = 1.0, browser_cores: float | None = None) -> dict[str, Any]:  # fmt: skip
    """The whole run; ``trained``: a two-gesture trained project, else an untrained one (the starter model);
    ``throttle``: every tab's CPU slowed that many times; ``browser_cores``: the whole browser given that many
    cores (``bench/common/cpu_quota.py``)."""
    out = ROOT / "bench" / "out"
    y4m = fake_camera_y4m(video, out)
    with tempfile.TemporaryDirectory(prefix="handteach-bench-browser-") as tmp:
        data_dir = Path(tmp) / "data"
        if trained:
            seed_project(data_dir)
        server = AppServer(data_dir, keypoints="browser", log=out / "streamlit-browser.log").start()
        try:
            with contextlib.ExitStack() as stack:  # the browser and its driver end before the quota's group goes
                quota = stack.enter_context(CpuQuota(browser_cores)) if browser_cores else None
                browser = stack.enter_context(chromium(y4m))
                if quota:
                    quota.add(descendants(os.getpid(), server.pid, ("node",)))
                result = _run(browser, server, sessions, seconds, warmup, throttle)
            model = "trained, 2 gestures" if trained else "the starter, 8 gestures"
            return result | {
                "idle_server_cores": idle_server_cores(server),
                "model": model,
                "cpu_throttle": throttle,
                "browser_cores": browser_cores,
            }  # every tab closed
        finally:
            server.stop()


def _run(browser, server: AppServer, sessions: int, seconds: float, warmup: float,  # noqa: ANN001
         throttle: float) -> dict[str, Any]:  # fmt: skip
    url = f"{server.url}/live"
    warm_server = new_context(browser)  # the server's first Live run (imports, the model's ONNX) is no tab's cold:
    first_visit = first_label(warm_server.new_page(), url)  # said apart, as the first visit of the day
    warm_server.close()
    page = new_page(browser, throttle)
    cold = first_label(page, url)
    warm = first_label(page, url, reload=True)
    # each further tab in a context of its own, as each student has their own browser: tabs of one context
    # got their frames unevenly here (17.8 FPS for the newest, about 1 for the others; 9.3, 8.7, 8.6 apart)
    pages = [page] + [new_page(browser, throttle) for _ in range(sessions - 1)]
    for other in pages[1:]:
        other.goto(url)
    tabs = [Tab(p) for p in pages]
    for tab in tabs:
        tab.frame.wait_for_function("() => window.handteach.timing.firstLabelAt !== null", timeout=300_000)
    result = measure(tabs, server, seconds, warmup)
    renderers = [p for p in browser.new_browser_cdp_session().send("SystemInfo.getProcessInfo")["processInfo"]
                 if p["type"] == "renderer"]  # fmt: skip
    for each in pages:
        each.context.close()
    return result | {"sessions": sessions, "first_label_first_visit": first_visit, "first_label_cold": cold,
                     "first_label_warm": warm, "renderer_processes": len(renderers)}  # fmt: skip


def print_table(result: dict[str, Any]) -> None:
    slowed = f", CPU slowed {result['cpu_throttle']:g}x" if result.get("cpu_throttle", 1) > 1 else ""
    if result.get("browser_cores"):
        slowed += f", the whole browser on {result['browser_cores']:g} core(s)"
    print(f"browser path, Live ({result['model']}){slowed}, {result['sessions']} tab(s), window {result['window_s']} s, "
          f"load {result['load_start']} -> {result['load_end']} (1, 5, 15 min; 2 cores)")  # fmt: skip
    print(
        f"{'tab':<5}{'fps':>6}{'labelled/s':>11}{'tab CPU ms/frame':>18}{'tab cores':>11}{'events/s':>10}{'lag ms med':>12}{'p90':>7}"
        f"  hand model (median frame ms that chose it)"
    )
    for i, tab in enumerate(result["tabs"]):
        print(f"{i:<5}{tab['fps']:>6.1f}{tab['labelled_per_s']:>11.1f}{tab['cpu_ms_per_frame']:>18.1f}{tab['cores']:>11.2f}{tab['events_per_s']:>10.2f}"
              f"{tab['lag_ms_median'] or float('nan'):>12.1f}{tab['lag_ms_p90'] or float('nan'):>7.1f}"
              f"  {tab['hand_model']} ({tab['pace_ms']}), in the {tab['hands_found_in']} {tab['thread_ms'] or ''}")  # fmt: skip
        print(f"     the tab's ms a frame: {tab['ms_per_frame']}")
    print(f"server: {result['server_cores']:.4f} cores = {result['server_pct_core_per_user']:.2f}% of a core per live "
          f"user, {result['server_ms_per_frame']:.3f} ms a camera frame ({result['frames']} frames); idle with no tab "
          f"{result['idle_server_cores']:.4f} cores; RSS {result['server_rss_mb']} MB")  # fmt: skip
    print(f"chromium (all processes): {result['chromium_cores']:.2f} cores, {result['chromium_ms_per_frame']:.1f} ms a "
          f"frame; {result['renderer_processes']} renderer processes")  # fmt: skip
    first, cold, warm = result["first_label_first_visit"], result["first_label_cold"], result["first_label_warm"]
    print(f"first label: the fresh server's first visit {first['drawn_s']:.2f} s drawn, {first['card_s']:.2f} s on "
          f"the card; cold {cold['drawn_s']:.2f} s drawn, {cold['card_s']:.2f} s on the card; warm (reload) "
          f"{warm['drawn_s']:.2f} s drawn, {warm['card_s']:.2f} s on the card")  # fmt: skip
    for name, each in (("first visit", first), ("cold", cold), ("warm", warm)):
        steps = ", ".join(f"{step} {at:.2f}" for step, at in each["steps_s"].items())
        print(f"  {name}, s from opening the page: {steps}")
        files = ", ".join(f"{file} {a:.2f}-{b:.2f} ({mb:g} MB)" for file, (a, b, mb) in each["files_s"].items())
        print(f"    files over 100 kB arriving: {files or 'none (cached)'}")

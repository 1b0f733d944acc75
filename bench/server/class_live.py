"""Live for a class of signed-in students (issue 54): what each live student costs the server, and their first label.

    .venv/bin/python -m bench.server.classroom --live 4 [--seconds 15]    # a table, then one JSON line

A class is created on a fresh data folder (``core.classes``: a teacher, ``--live`` students with passwords, an
untrained project of each, so Live runs the starter model's 8 gestures and the finger-spelling hand changes label
often: the most label events a tab sends). The app is served with the browser path (``HANDTEACH_KEYPOINTS=browser``)
and one headless Chromium gives each student a context of their own (their own cookies and cache) that signs in
through Home's form as a student does, then opens Live on their project with the fake camera on the shared ASL
video. Measured as ``bench/speed/webcam.py --path browser`` measures one user (bench/common/webcam_browser.py): the
server's CPU per live student over the window, each tab's frames a second; and the first label of a student who
has just signed in, from opening Live to the label drawn in the tab and shown on the card (cold: the first Live
page of a context whose sign-in page loaded the app's assets; the server warmed by another student first).
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.common.browser import AppServer
from bench.common.fake_camera import DEFAULT_VIDEO, ROOT, fake_camera_y4m
from bench.common.webcam_browser import Tab, chromium, first_label, idle_server_cores, measure, new_context
from core.classes.roster import add_student, create_class
from core.classes.signin import sign_in
from core.data.store import Store

TEACHER_PASSWORD = "bench-teacher-pass"
WAIT_MS = 120_000


def student_name(i: int) -> str:
    return f"Student {i:02d}"


def student_password(i: int) -> str:
    return f"bench-pass-{i:02d}"


def make_class(data_dir: Path, students: int) -> str:
    """The class's code; a project ``live-NN`` of each student, empty (Live runs the starter model)."""
    store = Store(data_dir)
    school = create_class(store, "Bench class", "Bench Teacher", TEACHER_PASSWORD, crops_allowed=False)
    for i in range(students):
        add_student(store, school.name, student_name(i), student_password(i))
        viewer = sign_in(store, school.code, student_name(i), student_password(i), "127.0.0.1")
        Store(data_dir, viewer=viewer).create_project(f"live-{i:02d}")
    return school.code


def signed_in_page(browser, url: str, code: str, i: int):  # noqa: ANN001, ANN201 - playwright Browser and Page
    """A new context (a student's own browser) signed in as student ``i`` through Home's form, its cookie set."""
    page = new_context(browser).new_page()
    page.goto(url)
    page.get_by_label("Class code").fill(code)
    page.get_by_label("Your name").fill(student_name(i))
    page.get_by_role("textbox", name="Password").fill(student_password(i))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(f"Signed in: {student_name(i)}").wait_for(timeout=WAIT_MS)
    for _ in range(200):  # the session cookie comes from a frame just after the first signed-in page
        if any(c["name"] == "handteach_session" for c in page.context.cookies()):
            return page
        page.wait_for_timeout(100)
    raise RuntimeError(f"{student_name(i)} signed in but got no session cookie")


def run_class_live(students: int, seconds: float, warmup: float, video: Path) -> dict[str, Any]:
    out = ROOT / "bench" / "out"
    y4m = fake_camera_y4m(video, out)
    with tempfile.TemporaryDirectory(prefix="handteach-bench-class-live-") as tmp:
        data_dir = Path(tmp) / "data"
        code = make_class(data_dir, students + 1)  # student 0 warms the server; 1..N are measured
        server = AppServer(data_dir, keypoints="browser", log=out / "streamlit-class-live.log").start()
        try:
            with chromium(y4m) as browser:
                warm_server = signed_in_page(browser, server.url, code, 0)
                first_label(warm_server, f"{server.url}/live?project=live-00")
                warm_server.context.close()
                pages = [signed_in_page(browser, server.url, code, i) for i in range(1, students + 1)]
                cold = first_label(pages[0], f"{server.url}/live?project=live-01")
                for i, page in enumerate(pages[1:], start=2):
                    page.goto(f"{server.url}/live?project=live-{i:02d}")
                tabs = [Tab(p) for p in pages]
                for tab in tabs:
                    tab.frame.wait_for_function("() => window.handteach.timing.firstLabelAt !== null",
                                                timeout=300_000)  # fmt: skip
                result = measure(tabs, server, seconds, warmup)
                signed_out = [p for p in pages if p.get_by_role("button", name="Sign in").count()]
                for page in pages:
                    page.context.close()
            return result | {"sessions": students, "signed_in": students - len(signed_out),
                             "first_label_cold": cold, "idle_server_cores": idle_server_cores(server),
                             "model": "the starter, 8 gestures", "cpu_throttle": 1.0}  # fmt: skip
        finally:
            server.stop()


def print_class_live(result: dict[str, Any]) -> None:
    print(f"Live, {result['sessions']} signed-in students (browser path, {result['model']}), window "
          f"{result['window_s']} s, load {result['load_start']} -> {result['load_end']} (2 cores)")  # fmt: skip
    print(f"{'student':<9}{'fps':>6}{'labelled/s':>11}{'events/s':>10}{'lag ms med':>12}")
    for i, tab in enumerate(result["tabs"], start=1):
        print(f"{i:<9}{tab['fps']:>6.1f}{tab['labelled_per_s']:>11.1f}{tab['events_per_s']:>10.2f}"
              f"{tab['lag_ms_median'] or float('nan'):>12.1f}")  # fmt: skip
    print(f"server: {result['server_pct_core_per_user']:.2f}% of a core per live student ({result['server_cores']:.4f} "
          f"cores; idle with no tab {result['idle_server_cores']:.4f}); RSS {result['server_rss_mb']} MB")  # fmt: skip
    cold = result["first_label_cold"]
    print(f"first label just after signing in: {cold['drawn_s']:.2f} s drawn, {cold['card_s']:.2f} s on the card; "
          f"still signed in at the end: {result['signed_in']} of {result['sessions']}")  # fmt: skip


def summary(result: dict[str, Any]) -> dict[str, Any]:
    return {"live_students": result["sessions"], "signed_in": result["signed_in"],
            "server_pct_core_per_live_student": result["server_pct_core_per_user"],
            "idle_server_cores": result["idle_server_cores"],
            "first_label_cold_s": result["first_label_cold"]["drawn_s"],
            "first_label_cold_card_s": result["first_label_cold"]["card_s"],
            "fps_min": min(t["fps"] for t in result["tabs"]), "window_s": result["window_s"],
            "load_start": result["load_start"][0], "server_rss_mb": result["server_rss_mb"]}  # fmt: skip


def live_during_trainings(server: AppServer, tabs: int, seconds: float, go: threading.Event,
                          result: dict[str, Any]) -> None:  # fmt: skip
    """In a thread of its own (Playwright's sync API beside the benchmark's async one): once ``go`` is set (the
    class has pressed Train), the web process's CPU over ``seconds`` with no Live tab, then ``tabs`` Live tabs
    (not signed in, the starter model) over ``seconds`` more: what each live student adds while the pool trains.
    Fills ``result`` (its "error" if the tabs could not run)."""
    try:
        y4m = fake_camera_y4m(DEFAULT_VIDEO, ROOT / "bench" / "out")
        go.wait()
        cpu0, t0 = server.cpu_seconds(), time.monotonic()
        time.sleep(seconds)
        result["without_live_cores"] = (server.cpu_seconds() - cpu0) / (time.monotonic() - t0)
        result["without_live_window"] = (t0, time.monotonic())
        with chromium(y4m) as browser:
            pages = [new_context(browser).new_page() for _ in range(tabs)]
            for page in pages:
                page.goto(f"{server.url}/live")
            live = [Tab(p) for p in pages]
            for tab in live:
                tab.frame.wait_for_function("() => window.handteach.timing.firstLabelAt !== null", timeout=300_000)
            started = time.time()
            window = measure(live, server, seconds, 2.0)
            result.update(window=window, live_window=(started, time.time()))
            for page in pages:
                page.context.close()
    except Exception as exc:  # noqa: BLE001 - said in the benchmark's table, the class's run goes on
        result["error"] = f"{type(exc).__name__}: {exc}"

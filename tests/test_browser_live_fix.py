"""Live's "Teach it here" in a real browser (``ui/live/live_fix.py``): a take recorded on Live's own stream, the
project retrained, and the webcam streaming on with the new model.

Headless Debian Chromium at 1280×800 against the app started as ``make run`` starts it, with the shared hand
video as its fake camera. Its own file: ``test_browser_live.py`` holds one browser open for its module, and
Playwright's sync API takes one at a time. Skips with the reason when chromium, ffmpeg, playwright or the
shared data are missing.
"""

from __future__ import annotations

import re
import time

import pytest
from conftest import fake_camera_or_skip

from bench.browser import WEBRTC_IFRAME, AppServer, browser_page, start_webcam, wait_app_ready
from bench.fake_camera import DEFAULT_VIDEO

pytestmark = pytest.mark.slow


def test_teach_it_here_records_a_take_and_retrains_keeping_the_eight(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Live on a project never trained (the starter model): one take of a gesture from the "Teach it here"
    panel is stored, the project is trained, and Live runs the new model, which still knows all eight
    gestures (teaching one fist must not leave a model that knows fists alone)."""
    from core.data.project import load_project_model
    from core.data.store import Store

    base = tmp_path_factory.mktemp("browser-live-fix")
    y4m = fake_camera_or_skip(DEFAULT_VIDEO, base / "y4m")
    server = AppServer(base / "data").start()
    try:
        with browser_page(y4m, 1280, 800) as page:
            page.goto(f"{server.url}/live")
            wait_app_ready(page)
            assert page.get_by_text("Using the built-in starter model").count() == 1
            start_webcam(page)
            page.get_by_text("A wrong answer? Teach it here").click()
            record = page.get_by_role("button", name=re.compile(r"Show .* for 3 s, then retrain"))
            done = page.get_by_text(re.compile("and retrained in [0-9.]+ s"))
            for _ in range(4):  # a take of the shared video may hold too few usable hands: show it again
                record.click()
                page.get_by_text(re.compile("Get ready to show")).wait_for(timeout=15_000)
                page.get_by_text(re.compile(r"Added \d+ samples|No usable hand")).wait_for(timeout=60_000)
                try:
                    done.wait_for(timeout=60_000)
                    break
                except Exception:  # noqa: BLE001 - "needs at least ... samples": record again
                    continue
            done.wait_for(timeout=1_000)
            page.get_by_text("Using the built-in starter model").wait_for(state="detached", timeout=30_000)
            time.sleep(2.0)  # the page's rerun with the new model has settled
            frame = page.frame_locator(WEBRTC_IFRAME).first
            assert frame.get_by_role("button", name="STOP").is_visible(), "the retrain stopped the webcam"
            played = _video_time(page)
            time.sleep(1.5)
            assert _video_time(page) > played + 0.5, "the webcam's video stands still after the retrain"
            page.mouse.wheel(0, -2000)
            page.screenshot(path=str(base / "live-fix.png"))
        store = Store(base / "data")
        counts = store.class_counts("default")
        model = load_project_model(store, "default")
    finally:
        server.stop()
    assert counts["thumbs_up"] >= 5 and sum(counts.values()) == counts["thumbs_up"], counts
    assert model is not None and len(model.classes) == 8, model and model.classes


def _video_time(page) -> float:  # noqa: ANN001
    return float(page.evaluate("""sel => { const f = document.querySelector(sel);
        const v = f && f.contentDocument && f.contentDocument.querySelector('video'); return v ? v.currentTime : -1; }""",
        WEBRTC_IFRAME))  # fmt: skip

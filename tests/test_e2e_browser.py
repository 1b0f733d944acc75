"""End to end in a real browser: record two gestures through the webcam, train, recognise live.

Headless Debian Chromium streams a y4m of the shared hand video as its fake camera to
``streamlit run app.py`` over WebRTC (no STUN, loopback only). Screenshots of every
page land in ``test-output/e2e/`` (git-ignored); the path is printed. Skips with the
reason when chromium, ffmpeg, playwright or the video are missing.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from bench.webcam import (
    DEFAULT_VIDEO,
    ROOT,
    AppServer,
    browser_page,
    fake_camera_y4m,
    missing_tools,
    start_webcam,
    wait_app_ready,
)

pytestmark = pytest.mark.slow

OUTPUT = ROOT / "test-output" / "e2e"
CLASSES = ("thumbs_up", "open_palm")


@pytest.fixture(scope="module")
def camera_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    missing = missing_tools()
    if missing:
        pytest.skip(f"browser test needs {', '.join(missing)}")
    video = Path(os.environ.get("HANDTEACH_E2E_VIDEO", DEFAULT_VIDEO))
    if not video.exists():
        pytest.skip(f"fake-camera video not found: {video} (set HANDTEACH_E2E_VIDEO or add ../shared/data)")
    return fake_camera_y4m(video, tmp_path_factory.getbasetemp() / "y4m-cache")


def _shot(page, name: str) -> None:  # noqa: ANN001 - playwright Page
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)


def _record_once(page, class_name: str) -> int:  # noqa: ANN001
    from playwright.sync_api import expect

    button = page.get_by_role("button", name=re.compile(f"Record .*{class_name}"))
    status = page.locator(".st-key-record_status")
    take = re.search(r"Take (\d+)", status.inner_text())
    this_take = f"Take {int(take.group(1)) + 1 if take else 1}"
    expect(button).to_be_enabled(timeout=30_000)  # re-queried: reruns replace the element
    button.click()
    status.get_by_text(re.compile(f"^{this_take} ")).wait_for(timeout=30_000)
    status.get_by_text(re.compile(f"Stored \\d+ samples of .*{class_name}")).wait_for(timeout=60_000)
    return int(re.search(r"Stored (\d+) samples", status.inner_text()).group(1))


def _record(page, class_name: str, wanted: int = 5, attempts: int = 3) -> int:  # noqa: ANN001
    """Pick ``class_name`` on the Record page and record until it has ``wanted`` samples (as a user would)."""
    page.locator('[data-testid="stRadio"] label').filter(has_text=class_name).click()
    stored = 0
    for _ in range(attempts):
        stored += _record_once(page, class_name)
        if stored >= wanted:
            break
        time.sleep(1.0)  # a starved machine delivered too few frames: record again
    counted = page.locator(".st-key-record_counts").get_by_text(re.compile(f"{class_name} [1-9]"))
    counted.wait_for(timeout=30_000)  # the page reran and counts the new samples
    return stored


def test_record_train_recognise_in_browser(camera_file: Path, tmp_path: Path) -> None:
    started = time.monotonic()
    with browser_page(camera_file) as page:
        server = AppServer(tmp_path / "data", log=tmp_path / "streamlit.log").start()
        try:
            page.goto(server.url)
            wait_app_ready(page)
            _shot(page, "1-home")

            page.goto(f"{server.url}/record")
            wait_app_ready(page)
            start_webcam(page)
            stored = {name: _record(page, name) for name in CLASSES}
            assert all(n >= 5 for n in stored.values()), f"too few samples recorded from the webcam: {stored}"
            _shot(page, "2-record")

            page.goto(f"{server.url}/train")
            wait_app_ready(page)
            page.get_by_role("button", name=re.compile("Train model")).click()
            page.get_by_text("Model saved").wait_for(timeout=90_000)
            page.locator(".st-key-train_metrics").get_by_text("Validation accuracy").wait_for(timeout=30_000)
            _shot(page, "3-train")

            page.goto(f"{server.url}/live")
            wait_app_ready(page)
            start_webcam(page)
            labels = page.locator(".st-key-live_prediction")
            pattern = re.compile(f"Labels: .*({'|'.join(CLASSES)}) \\d\\.\\d\\d \\((Left|Right)\\)")
            labels.get_by_text(pattern).wait_for(timeout=30_000)
            page.locator(".st-key-live_timings").get_by_text(re.compile(r"\d+\.\d fps")).wait_for(timeout=30_000)
            assert page.get_by_text("Using the built-in starter model").count() == 0, "the trained model is in use"
            _shot(page, "4-live")

            page.get_by_text("🔬 CPM belief maps").click()
            caption = page.get_by_text(re.compile("^MULTI: belief maps of each stage"))
            caption.wait_for(timeout=30_000)
            sources = set()
            for _ in range(6):  # the panel follows the video: its image changes
                sources.add(page.locator('[data-testid="stImage"] img').last.get_attribute("src"))
                time.sleep(0.7)
            assert len(sources) >= 2, "the CPM panel did not update with the video"
            caption.scroll_into_view_if_needed()
            _shot(page, "5-live-cpm")
        except Exception:
            _shot(page, "failure")
            raise
        finally:
            server.stop()
    print(f"\nscreenshots in {OUTPUT}; {stored} samples; took {time.monotonic() - started:.0f} s")

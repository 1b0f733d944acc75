"""A resnet-deconv project's Live panel in a real browser: the ResNet-deconv's heatmaps and attention under the
video, following it, and on a photo (screenshots in ``test-output/resdeconv/`` for a look).

Its own file: the Live tests' module-scoped page keeps a Playwright loop running in this thread while that module's
tests run, and a second sync Playwright cannot start beside it.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import fake_camera_or_skip, hagrid_photos

from bench.common.browser import WEBRTC_IFRAME, AppServer, browser_page, start_webcam, wait_app_ready
from bench.common.fake_camera import DEFAULT_VIDEO

pytestmark = [pytest.mark.slow, pytest.mark.extended]
SHOTS = Path(__file__).resolve().parents[1] / "test-output" / "resdeconv"


def test_a_resnet_deconv_projects_panel_shows_heatmaps_and_attention(tmp_path: Path) -> None:
    """Its own server: a data dir whose project "rd" runs the shipped ResNet-deconv weights."""
    from core.data.store import Store

    y4m = fake_camera_or_skip(DEFAULT_VIDEO, tmp_path / "y4m")
    store = Store(tmp_path / "data")
    store.create_project("rd", backend="resnet-deconv")
    SHOTS.mkdir(parents=True, exist_ok=True)
    server = AppServer(tmp_path / "data").start()
    try:
        with browser_page(y4m, 1280, 800) as page:
            page.goto(f"{server.url}/live?project=rd")
            wait_app_ready(page)
            start_webcam(page)
            page.get_by_text("ResNet-deconv heatmaps and attention").click()
            panel = page.locator(".st-key-live_cpm_panel img")
            panel.wait_for(timeout=60_000)  # the first hand the network sees
            page.get_by_text("heatmaps (all joints), where the network looks").wait_for(timeout=10_000)
            sources = set()
            for _ in range(6):  # the panel follows the video
                sources.add(panel.get_attribute("src"))
                time.sleep(0.7)
            assert len(sources) >= 2, "the ResNet-deconv panel did not update with the video"
            video, image = page.locator(WEBRTC_IFRAME).bounding_box(), panel.bounding_box()
            assert video and image and abs(image["width"] - video["width"]) <= 4, (image, video)
            assert image["y"] >= video["y"] + video["height"] and abs(image["height"] - image["width"]) <= 4  # 3x3
            panel.scroll_into_view_if_needed()
            page.screenshot(path=str(SHOTS / "webcam.png"))

            page.get_by_text("Image or video file").click()
            wait_app_ready(page)
            page.locator('input[type="file"]').set_input_files(str(hagrid_photos("palm", 1)[0]))
            wait_app_ready(page)
            page.get_by_text("Show the ResNet-deconv heatmaps and attention").click()
            grid = page.get_by_role("tabpanel").locator("img").first
            grid.wait_for(timeout=60_000)
            assert page.get_by_role("tab", name="MULTI: heatmaps + attention").count() == 1
            box = grid.bounding_box()
            assert box and 560 <= box["width"] <= 600 and abs(box["height"] - box["width"]) <= 4, box
            grid.scroll_into_view_if_needed()
            page.screenshot(path=str(SHOTS / "photo.png"))
            assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280
    finally:
        server.stop()

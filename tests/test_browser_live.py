"""The Live page in a real browser, for what AppTest cannot see: what the browser still shows.

Headless Debian Chromium at 1280×800 against the app started as ``make run`` starts it
(``python -m ui.server.serve``), with the shared hand video as its fake camera:

* while a file is recognised again, the previous result and its Download button are gone
  (Streamlit keeps a previous run's elements, faded but clickable, until replaced);
* the webcam's CPM panel sits under the video, the video column's full width, not in the
  results column;
* (a resnet-deconv project's panel: ``test_browser_resdeconv.py``).

Skips with the reason when chromium, ffmpeg, playwright or the shared data are missing.
"""

from __future__ import annotations

import pytest
from browsermaker import more_on
from conftest import fake_camera_or_skip, hagrid_photos, shared_path

from bench.common.browser import WEBRTC_IFRAME, AppServer, browser_page, follow_link, start_webcam, wait_app_ready
from bench.common.fake_camera import DEFAULT_VIDEO

pytestmark = [pytest.mark.slow, pytest.mark.extended]
DOWNLOAD = "Download the annotated file"


@pytest.fixture(scope="module")
def live_page(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - a playwright Page on Live
    base = tmp_path_factory.mktemp("browser-live")
    y4m = fake_camera_or_skip(DEFAULT_VIDEO, base / "y4m")
    server = AppServer(base / "data").start()
    try:
        with browser_page(y4m, 1280, 800) as page:
            page.goto(server.url)
            wait_app_ready(page)
            follow_link(page, "Live")
            yield page
    finally:
        server.stop()


def test_a_new_run_drops_the_previous_result_at_once(live_page) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    page = live_page
    page.get_by_text("Image or video file").click()
    wait_app_ready(page)
    photo = hagrid_photos("like", 1)[0]
    page.locator('input[type="file"]').set_input_files(str(photo))
    wait_app_ready(page)
    page.get_by_role("button", name="Recognise").click()
    page.get_by_text(DOWNLOAD).wait_for(timeout=60_000)
    wait_app_ready(page)
    assert page.get_by_text("1 frame(s)").count() == 1

    video = shared_path("video", "asl_hand.25fps.mp4")  # 325 frames: seconds of work
    page.locator('input[type="file"]').set_input_files(str(video))
    # the upload's rerun may start after wait_app_ready saw an idle page: wait for it, boundedly
    expect(page.get_by_text(DOWNLOAD)).to_have_count(0, timeout=15_000)  # the photo's result is gone
    page.get_by_role("button", name="Recognise").click()
    page.get_by_text(DOWNLOAD).wait_for(timeout=180_000)
    wait_app_ready(page)
    assert page.get_by_text("325 frame(s)").count() == 1

    page.get_by_role("button", name="Recognise").click()  # the same video again
    page.get_by_text("Recognising gestures in asl_hand.25fps.mp4").wait_for(timeout=10_000)
    assert page.get_by_text(DOWNLOAD).count() == 0 and page.locator("video").count() == 0
    assert page.get_by_text("325 frame(s)").count() == 0
    page.get_by_text(DOWNLOAD).wait_for(timeout=180_000)


def test_the_webcam_cpm_panel_fills_the_column_under_the_video(live_page) -> None:  # noqa: ANN001
    page = live_page
    page.get_by_text("Webcam", exact=True).click()
    wait_app_ready(page)
    start_webcam(page)
    more_on(page)  # the CPM panel is behind Live's More
    page.get_by_text("CPM belief maps").click()
    panel = page.locator(".st-key-live_cpm_panel img")
    panel.wait_for(timeout=60_000)  # the first hand the CPM sees
    video = page.locator(WEBRTC_IFRAME).bounding_box()
    image = panel.bounding_box()
    results = page.locator(".st-key-live_prediction").bounding_box()
    assert video and image and results
    assert abs(image["x"] - video["x"]) <= 2 and abs(image["width"] - video["width"]) <= 4, (image, video)
    assert image["y"] >= video["y"] + video["height"] and image["width"] >= 400  # 2x2 tiles of 200+ px
    assert image["x"] + image["width"] < results["x"], "the panel runs into the results column"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280  # nothing off the right edge

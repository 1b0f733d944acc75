"""End to end in a real browser for a motion project: takes recorded from a fake camera whose video moves a
hand across the frame, a second gesture uploaded as videos, Train, and the gesture fires on Live.

Headless Debian Chromium plays a looped y4m made with ffmpeg from a shared HaGRID palm photo: the hand
rests, slides 260 px to the right of the raw frame (``swipe_left`` in the user's mirrored view) and
rests again, 1.6 s a loop. The app runs as ``make run`` starts it. Skips with the reason when
chromium, ffmpeg, playwright or the photo are missing.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from browsermaker import create_project, served_app
from conftest import fake_camera_or_skip, shared_path

from bench.common.browser import browser_page, start_webcam, wait_app_ready
from bench.common.panned_photo import pan_video

pytestmark = [pytest.mark.slow, pytest.mark.extended]

PROJECT = "e2e moves"


@pytest.fixture(scope="module")
def swipe_camera(tmp_path_factory: pytest.TempPathFactory) -> Path:
    photo = shared_path("hagrid_380", "images", "palm", "palm_00000.jpg")
    folder = tmp_path_factory.getbasetemp() / "motion-camera"
    folder.mkdir(exist_ok=True)
    return fake_camera_or_skip(pan_video(folder / "swipe.mp4", photo, 40, [(0.5, 0.6, 260)], 1.6), folder / "y4m")


def test_motion_project_takes_upload_train_and_live_in_browser(swipe_camera: Path, tmp_path: Path) -> None:
    started = time.monotonic()
    photo = shared_path("hagrid_380", "images", "palm", "palm_00000.jpg")
    uploads = [
        str(pan_video(tmp_path / f"right{i}.mp4", photo, 300, [(0.4, 0.5 + 0.1 * i, -240 + 20 * i)], 1.6))
        for i in range(4)
    ]
    with (
        browser_page(swipe_camera, width=1280, height=800) as page,
        served_app(tmp_path, lambda: page.screenshot(path=str(tmp_path / "failure.png"))) as server,
    ):
        page.goto(server.url)
        wait_app_ready(page)
        query = create_project(page, PROJECT, f"Created the motion project '{PROJECT}'", "Motion gestures (swipes")

        page.goto(f"{server.url}/record?{query}")
        wait_app_ready(page)
        for name in ("swipe_left", "swipe_right"):
            if not page.get_by_label("Name").is_visible():  # the expander stays open after an add
                page.get_by_text("➕ Add a gesture").click()
            page.get_by_label("Name").fill(name)
            page.wait_for_timeout(500)  # let the typed name reach the server before the click (lost once in CI)
            page.get_by_role("button", name="Add gesture").click()
            page.locator('[data-testid="stRadio"] label').filter(has_text=name).wait_for(timeout=30_000)
            wait_app_ready(page)
        page.locator('[data-testid="stRadio"] label').filter(has_text="swipe_left").click()
        wait_app_ready(page)
        start_webcam(page)
        page.get_by_role("button", name=re.compile("Record 5 takes of swipe_left")).click()
        status = page.locator(".st-key-clip_takes_status")
        status.get_by_text(re.compile(r"All 5 takes done · [3-5] clips stored")).wait_for(timeout=90_000)

        page.locator('[data-testid="stRadio"] label').filter(has_text="swipe_right").click()
        wait_app_ready(page)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(uploads)
        page.get_by_role("button", name="➕ Add these clips").click()
        page.get_by_text("Added 4 clip(s) of swipe_right.").wait_for(timeout=120_000)

        page.goto(f"{server.url}/train?{query}")
        wait_app_ready(page)
        page.get_by_role("button", name=re.compile("Train motion model")).click()
        page.get_by_text(re.compile("Trained in")).wait_for(timeout=300_000)

        page.goto(f"{server.url}/live?{query}")
        wait_app_ready(page)
        start_webcam(page)
        page.locator(".st-key-live_spotted").get_by_text("swipe_left").first.wait_for(timeout=60_000)
        status = page.locator('[data-testid="stSidebarUserContent"]').inner_text(timeout=30_000)
        assert re.search(r"\d+ clips in 2 of 2 gestures", status) and "Trained" in status, status
    print(f"\nmotion e2e took {time.monotonic() - started:.0f} s")

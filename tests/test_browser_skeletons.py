"""Pictures off, a class's default (issue 64): a student's webcam take, in real Chromium, fills the gallery with
drawn skeletons, one a sample, read from the screenshot's pixels (a tile of text or an empty image fails).

The canvas camera (``bench/common/canvas_camera.py``) loops one webcam_people person's own 👍 frames on the browser
path; a 3 s take at 5 a second stores them without pictures, and each tile must show the dark background with the
hand's finger colours (``core.viz.draw.DEFAULT_STYLE``) on it. Skips without chromium, playwright, the built
frontend or ../shared/data."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from conftest import HANDS
from test_browser_class import WAIT_MS, _sign_in, _wait_for_cookie

from bench.common.browser import CHROMIUM, AppServer, missing_tools, wait_app_ready
from bench.common.canvas_camera import INIT_SCRIPT, data_url, person_pictures
from bench.common.webcam_browser import camera_frame
from core.data.store import Store
from core.viz.draw import DEFAULT_STYLE
from core.viz.skeleton_tiles import BACKGROUND
from tests.classmaker import BEN_PASSWORD, make_class
from ui.browser.component import BUILD_COMMAND, missing_assets

pytestmark = pytest.mark.slow
PERSON = HANDS / "webcam_people" / "p01_anupam1612"
FINGERS = ("thumb", "index", "middle", "ring", "pinky")


def _is_skeleton(png: bytes) -> tuple[bool, str]:
    """Whether a screenshot of one tile shows a drawn hand: mostly the tile's dark background, and at least four of
    the five finger colours on it."""
    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    background = (np.abs(pixels - BACKGROUND).sum(axis=2) < 24).mean()
    colours = dict(DEFAULT_STYLE.group_colours)
    seen = [f for f in FINGERS if (np.abs(pixels - colours[f]).sum(axis=2) < 60).sum() >= 4]
    return background > 0.6 and len(seen) >= 4, f"background {background:.0%}, fingers {seen}"


@pytest.mark.extended
def test_a_take_with_pictures_off_shows_a_skeleton_a_sample(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    if missing_tools() or missing_assets():
        pytest.skip(f"needs {missing_tools() or missing_assets()} (the frontend: `{BUILD_COMMAND}`)")
    pictures = person_pictures(PERSON, "thumbs_up", later=False, count=8)
    if not pictures:
        pytest.skip(f"webcam_people not found: {PERSON} (add ../shared/data)")
    data = tmp_path / "data"
    school = make_class(data, crops_allowed=False)  # a class's default: keypoints only
    server = AppServer(data, keypoints="browser", log=tmp_path / "streamlit.log").start()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            context = browser.new_context(viewport={"width": 1280, "height": 720})
            context.add_init_script(INIT_SCRIPT)
            page = context.new_page()
            _sign_in(page, server.url, school.code, "Ben", BEN_PASSWORD)
            _wait_for_cookie(page)  # the address below is a new page load: signed in by the cookie only
            page.goto(f"{server.url}/record?project=ben-signs")  # 👍 thumbs up: the first gesture, no samples yet
            wait_app_ready(page)
            frame = camera_frame(page)
            frame.wait_for_function("() => window.handteachCamera", timeout=WAIT_MS)
            frame.evaluate("urls => { window.handteach.keep = 10; return window.handteachCamera.show(urls); }",
                           [data_url(p) for p in pictures])  # fmt: skip
            frame.wait_for_function("() => window.handteach.frames.some(f => f.hands.length)", timeout=WAIT_MS)
            page.get_by_role("button", name="⏺ Record").click()
            page.get_by_text("Stored ").first.wait_for(timeout=WAIT_MS)
            stored = Store(data, viewer=school.ben).class_counts("ben-signs")["thumbs_up"]
            assert stored >= 12, page.get_by_text("Stored ").first.inner_text()  # 15 frames, a hand in each
            page.get_by_text(f"Samples of 👍 thumbs up ({stored})").wait_for(timeout=WAIT_MS)
            wait_app_ready(page)
            tiles = page.locator("[data-testid='stMain'] [data-testid='stImage'] img")
            assert tiles.count() == stored, (tiles.count(), stored)
            looks = []
            for i in range(stored):
                tiles.nth(i).scroll_into_view_if_needed()
                looks.append(_is_skeleton(tiles.nth(i).screenshot()))
            print(f"pictures off: {stored} samples stored, {sum(ok for ok, _ in looks)} tiles drawn as skeletons")
            assert all(ok for ok, _ in looks), looks
            assert page.get_by_text("no image").count() == 0 and page.get_by_text("imported").count() == 0
            browser.close()
    finally:
        server.stop()
    log = server.log.read_text(encoding="utf-8")
    assert "Traceback" not in log, log[-3000:]

"""A student deleted while their browser take counts down (issue 54, "Bad input"), in real Chromium with the fake
camera on the shared ASL video: the tab sends its take at its end, the Record page's fragment finds it refused,
and the whole page turns into the sign-in form saying, in one line, what happened. Nothing of the take or the
student is stored. Only a real server shows this: the take's event reruns Record's fragment alone (AppTest runs
the whole page, and a page of ``pages/`` without ``app.py``'s sign-in gate), and only the gate signs out.

Skips without chromium, ffmpeg, playwright, the video or the built frontend."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import fake_camera_or_skip
from test_browser_class import WAIT_MS, _sign_in, _wait_for_cookie
from test_browser_path import camera_frame
from test_classes_deleted_midway import ben_crop, leftovers

from bench.common.browser import AppServer, browser_page, wait_app_ready
from bench.common.fake_camera import DEFAULT_VIDEO
from core.classes.removal import delete_student
from core.data.store import Store
from tests.classmaker import BEN_PASSWORD, make_class
from ui.browser.component import BUILD_COMMAND, missing_assets
from ui.common.signin import DELETED_LINE

# extended (make test-all): in CI the refused take is tests/test_classes_deleted_midway.py's, the page's one line
# after a delete tests/test_app_deleted_midway.py's (a training); this walks both again in a real browser's take
pytestmark = [pytest.mark.slow, pytest.mark.extended]


def test_a_take_whose_student_is_deleted_during_its_countdown_ends_in_one_line(tmp_path: Path) -> None:
    if missing_assets():
        pytest.skip(f"the browser path is not built ({', '.join(missing_assets())} missing): run `{BUILD_COMMAND}`")
    y4m = fake_camera_or_skip(DEFAULT_VIDEO, tmp_path / "y4m")
    data = tmp_path / "data"
    school = make_class(data)
    crop = ben_crop(data)
    server = AppServer(data, keypoints="browser", log=tmp_path / "streamlit.log").start()
    try:
        with browser_page(y4m, 1280, 900) as page:
            _sign_in(page, server.url, school.code, "Ben", BEN_PASSWORD)
            _wait_for_cookie(page)  # the address below is a new page load: signed in by the cookie only
            page.goto(f"{server.url}/record?project=ben-signs")
            wait_app_ready(page)
            camera_frame(page)  # its hand model runs
            page.get_by_role("button", name="⏺ Record").click()
            page.get_by_text("Get ready to show").wait_for(timeout=WAIT_MS)  # the tab counts down
            delete_student(Store(data), "7B", "Ben")  # as the teacher's command line does, mid-countdown
            page.get_by_text(DELETED_LINE).wait_for(timeout=WAIT_MS)  # once the take arrived: no click of his
            page.get_by_role("button", name="Sign in").wait_for(timeout=WAIT_MS)
            assert page.get_by_text("Stored ").count() == 0
    finally:
        server.stop()
    log = server.log.read_text(encoding="utf-8")
    assert "Traceback" not in log, log[-3000:]
    assert leftovers(data, school.ben, crop) == []

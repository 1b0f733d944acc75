"""A Record tab that outlives its session (issue 68), in real Chromium with the fake camera on the shared ASL video:
someone who saw Ben's password keeps his Record tab open; after *Sign out* in another tab of that browser, or the
teacher's *New password*, pressing Record stores nothing, on either path (the tab's own take, a component message
to Record's fragment; the server's webcam, whose recorder writes from its own thread). The page says so in one line
and the next whole-page run shows the sign-in form. Only a real server shows this: a take's message reruns Record's
fragment alone, which never passed the sign-in gate again (AppTest runs the whole page).

Skips without chromium, ffmpeg, playwright, the video or the built frontend."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import fake_camera_or_skip
from test_browser_class import WAIT_MS, _sign_in, _wait_for_cookie
from test_browser_path import camera_frame

from bench.common.browser import AppServer, browser_page, start_webcam, wait_app_ready
from bench.common.fake_camera import DEFAULT_VIDEO
from core.classes.roster import reset_password
from core.classes.session import SESSION_ENDED
from core.data.store import Store
from tests.classmaker import BEN_PASSWORD, make_class
from ui.browser.component import BUILD_COMMAND, missing_assets

pytestmark = pytest.mark.slow


def _samples(data: Path) -> int:
    return len(Store(data).list_samples("ben-signs"))


def _ends_in_the_sign_in_form(page, data: Path, before: int) -> None:  # noqa: ANN001 - playwright Page
    """One line where the take's result goes, nothing stored; the next whole-page run is the sign-in form."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.get_by_text(SESSION_ENDED).first.wait_for(timeout=WAIT_MS)
    except PlaywrightTimeout:
        raise AssertionError(f"no refusal: {_samples(data) - before} samples stored after the session ended") from None
    assert page.get_by_text(re.compile(r"Stored [1-9]\d* samples")).count() == 0
    assert _samples(data) == before
    page.reload()  # the next whole-page run
    page.get_by_role("button", name="Sign in").wait_for(timeout=WAIT_MS)


def test_a_browser_take_after_sign_out_in_another_tab_stores_nothing(tmp_path: Path) -> None:
    if missing_assets():
        pytest.skip(f"the browser path is not built ({', '.join(missing_assets())} missing): run `{BUILD_COMMAND}`")
    y4m = fake_camera_or_skip(DEFAULT_VIDEO, tmp_path / "y4m")
    data = tmp_path / "data"
    school = make_class(data)
    server = AppServer(data, keypoints="browser", log=tmp_path / "streamlit.log").start()
    try:
        with browser_page(y4m, 1280, 900) as page:
            _sign_in(page, server.url, school.code, "Ben", BEN_PASSWORD)
            _wait_for_cookie(page)
            page.goto(f"{server.url}/record?project=ben-signs")
            wait_app_ready(page)
            camera_frame(page)  # its hand model runs
            before = _samples(data)
            other = page.context.new_page()  # another tab of the same browser: signed in by the cookie
            other.goto(server.url)
            other.get_by_text("Signed in: Ben").wait_for(timeout=WAIT_MS)
            other.get_by_role("button", name="Sign out").click()
            other.get_by_role("button", name="Sign in").wait_for(timeout=WAIT_MS)
            page.get_by_role("button", name="⏺ Record").click()  # the tab left open: Record's fragment only
            _ends_in_the_sign_in_form(page, data, before)
    finally:
        server.stop()
    assert "Traceback" not in server.log.read_text(encoding="utf-8")


@pytest.mark.extended  # the server path's webcam: WebRTC and the server's MediaPipe, a minute of two cores
def test_a_server_path_take_after_a_new_password_stores_nothing(tmp_path: Path) -> None:
    y4m = fake_camera_or_skip(DEFAULT_VIDEO, tmp_path / "y4m")
    from playwright.sync_api import expect

    data = tmp_path / "data"
    school = make_class(data)
    server = AppServer(data, keypoints="server", log=tmp_path / "streamlit.log").start()
    try:
        with browser_page(y4m, 1280, 900) as page:
            _sign_in(page, server.url, school.code, "Ben", BEN_PASSWORD)
            _wait_for_cookie(page)
            page.goto(f"{server.url}/record?project=ben-signs")
            wait_app_ready(page)
            start_webcam(page)
            before = _samples(data)
            reset_password(Store(data), "7B", "Ben", "a-new-pass-7")  # the teacher's New password
            record = page.get_by_role("button", name="⏺ Record")
            expect(record).to_be_enabled(timeout=WAIT_MS)  # the webcam plays: a take may start
            record.click()
            sign_in = page.get_by_role("button", name="Sign in")
            page.get_by_text(re.compile(r"^Take 1 ")).or_(sign_in).first.wait_for(timeout=WAIT_MS)  # it began
            # its first batch refused says so under the video (SESSION_ENDED) until the take's end reruns the whole
            # page, whose sign-in gate turns it into the form; what counts is that none of its samples was stored
            sign_in.wait_for(timeout=WAIT_MS)
            assert _samples(data) == before, f"{_samples(data) - before} samples stored after the new password"
    finally:
        server.stop()
    assert "Traceback" not in server.log.read_text(encoding="utf-8")

"""A student's Scratch game shown by the teacher, in Chromium at 1280×720 (one server, a context a person): Ana's
game, saved with her project, opens on Make from the Class page's *Show a student's game*; the page says nothing is
saved into it and offers no *Save to my project*; her game is byte for byte as it was afterwards. Extended: the
rules themselves are CI's in tests/test_app_make_games.py and tests/test_project_games.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.common.browser import CHROMIUM, wait_app_ready
from core.data.project_games import load_game, save_game
from core.scratch.examples import FOLDER
from tests.classmaker import make_class
from tests.test_browser_class import teacher_on_class_page
from ui.scratch.component import BUILD_COMMAND, missing_assets

pytestmark = [pytest.mark.slow, pytest.mark.extended]


def test_the_teacher_shows_a_students_game_and_cannot_save_into_it(tmp_path: Path) -> None:
    from browsermaker import served_app
    from playwright.sync_api import sync_playwright

    if missing_assets():
        pytest.skip(f"needs `{BUILD_COMMAND}`")
    school = make_class(tmp_path / "data")
    game = (FOLDER / "rocket.sb3").read_bytes()
    save_game(school.store(school.ana), "ana-signs", game)
    with sync_playwright() as pw, served_app(tmp_path, lambda: None, keypoints="browser") as server:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"])  # fmt: skip
        try:
            teacher = teacher_on_class_page(browser, server.url, school.code)
            teacher.get_by_text("Show a student's game").click()
            teacher.get_by_role("button", name="Ana: ana-signs").click()
            wait_app_ready(teacher)
            frame = teacher.wait_for_selector('iframe[title*="handteach_scratch"]', timeout=60_000).content_frame()
            frame.wait_for_function("() => window.handteachScratch && window.handteachScratch.page.loaded",
                                    timeout=90_000)  # fmt: skip
            opened = frame.evaluate("() => window.handteachScratch.page.vm.runtime.targets.map(t => t.getName())")
            teacher.get_by_text("nothing you do in the editor is saved into it").wait_for(timeout=10_000)
            assert teacher.get_by_role("button", name="Save to my project").count() == 0
            teacher.screenshot(path=str(tmp_path / "teacher_make.png"))
        finally:
            browser.close()
    assert "Rocket" in opened, opened  # her game, not an empty project
    assert load_game(school.store(school.ana), "ana-signs").data == game

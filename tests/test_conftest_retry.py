"""In CI every browser test may run once more (tests/conftest.py): a module that opens the browser through a helper
of this checkout counts as much as one that opens it itself; one that only serves the app does not."""

from __future__ import annotations

from pathlib import Path

import conftest
import pytest

TESTS = Path(__file__).resolve().parent


@pytest.mark.slow
def test_a_module_driving_the_browser_through_shared_helpers_gets_the_rerun() -> None:
    # browser_page (bench/common/browser.py) opens Chromium; this module never names Playwright's opener itself
    assert "sync_playwright()" not in (TESTS / "test_browser_live_answers.py").read_text(encoding="utf-8")
    assert conftest._browser_module(TESTS / "test_browser_live_answers.py")
    assert conftest._browser_module(TESTS / "test_browser_class.py")  # opens it itself


@pytest.mark.slow
def test_helpers_are_followed_through_another_module_and_names_alone_do_not_count(tmp_path: Path) -> None:
    through_helper = tmp_path / "test_through.py"
    through_helper.write_text(
        "from bench.common.browser import browser_page\n\n"
        "def _open(url):\n    with browser_page(None) as page:\n        page.goto(url)\n\n"
        "def test_it():\n    _open('http://127.0.0.1')\n"
    )
    served_only = tmp_path / "test_served.py"
    served_only.write_text(
        "from bench.common.browser import AppServer\n\ndef test_it():\n    AppServer\n\ndef browser_page():\n    pass\n"
    )
    assert conftest._browser_module(through_helper)
    assert not conftest._browser_module(served_only)  # its own browser_page is not Playwright's


def test_modules_that_serve_the_app_or_open_no_browser_get_no_rerun() -> None:
    assert not conftest._browser_module(TESTS / "test_server_origin.py")  # AppServer, no browser
    assert not conftest._browser_module(TESTS / "test_store.py")

"""A tab that closes while its training runs frees the worker for the next student, in the real server and a real
browser (Streamlit's own word on whether the tab is there: ``ui.jobs.pool.tab_alive``). One job worker: the
second student's training can only run once the first one's is cancelled; without the cancel the first would
finish and save its model before. handmaker hands (no MediaPipe); skips without chromium or playwright."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest

from bench.common.browser import CHROMIUM, AppServer, wait_app_ready

# extended (make test-all): in CI, test_jobs_runner's test_a_tab_that_went_cancels_its_jobs cancels a gone tab's jobs;
# this asks Streamlit itself whether the tab is there, in a real browser
pytestmark = [pytest.mark.slow, pytest.mark.extended]


def _projects(data: Path) -> None:
    from handmaker import pointing_hand
    from storemaker import handmade_project

    store = handmade_project(data, {"open_palm": (None, 15), "pointing_right": (pointing_hand(180.0), 15)})
    store.create_project("other")
    store.add_samples("other", [dataclasses.replace(s, id=None) for s in store.list_samples("default")],
                      create_classes=True)  # fmt: skip


def _model(data: Path, project: str) -> Path:
    from core.data.project import model_dir
    from core.data.store import Store

    return model_dir(Store(data, read_only=True), project) / "model.json"


def test_a_closed_tab_frees_the_worker_at_once(tmp_path: Path) -> None:
    pytest.importorskip("playwright", reason="playwright is not installed")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    data = tmp_path / "data"
    _projects(data)
    server = AppServer(data, env={"HANDTEACH_JOB_WORKERS": "1"}, log=tmp_path / "streamlit.log").start()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
            first = browser.new_context()
            page = first.new_page()
            page.goto(f"{server.url}/train?project=default")
            wait_app_ready(page)
            page.get_by_text("Training settings").click()
            hidden = page.get_by_role("textbox", name="Hidden layer sizes")
            hidden.fill("2048, 2048")  # a long training (the starter data on): it runs when the tab closes
            hidden.press("Enter")
            wait_app_ready(page)
            page.get_by_role("button", name="Start training").click()
            page.get_by_text("Training: practice").wait_for(timeout=180_000)
            first.close()  # the tab goes
            second = browser.new_context().new_page()
            second.goto(f"{server.url}/train?project=other")
            wait_app_ready(second)
            second.get_by_role("button", name="Start training").click()
            deadline = time.monotonic() + 300
            while not _model(data, "other").exists():
                assert time.monotonic() < deadline, "the second student's training never ran"
                time.sleep(0.5)
            browser.close()
        assert not _model(data, "default").exists(), "the closed tab's training ran on and was saved"
    finally:
        server.stop()

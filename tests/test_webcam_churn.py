"""Tabs that come and go on Live (#32), in a real browser against the app as ``make run`` serves it.

A 60 FPS camera streams in each tab, which is then closed mid-stream without STOP: the server stays up,
lets go of each stream's MediaPipe graph (its threads end) and its memory levels off. Skips with the
reason when chromium, ffmpeg, playwright or the shared data are missing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import fake_camera_or_skip

from bench.common.browser import AppServer, browser_page, seed_project, wait_app_ready
from bench.common.fake_camera import DEFAULT_VIDEO, fake_camera_y4m
from bench.common.webcam_churn import Cycle, churn

pytestmark = [pytest.mark.slow, pytest.mark.extended]

# The event loop's executor (VP8 encoding) starts a worker when none is idle and keeps it: a pool bounded by
# the cores, not a stream's thread, so a busy machine may grow it by one between two tabs.
POOL = "asyncio_"


def _python_names(timings: Path) -> dict[int, str]:
    """Native id → Python thread name, from every stream's status file (``HANDTEACH_TIMINGS_FILE``)."""
    names: dict[int, str] = {}
    for status in timings.glob("*.json"):
        names.update({int(tid): name for tid, name in json.loads(status.read_text())["threads"].items()})
    return names


def _streams_threads(cycle: Cycle, names: dict[int, str]) -> list[str]:
    return [names.get(tid, f"native {tid}") for tid in cycle.thread_ids if not names.get(tid, "").startswith(POOL)]


def test_tabs_closed_mid_stream_free_their_trackers_and_the_server_stays_up(tmp_path: Path) -> None:
    fake_camera_or_skip(DEFAULT_VIDEO, tmp_path / "y4m")  # skips without the tools or the video
    y4m = fake_camera_y4m(DEFAULT_VIDEO, tmp_path / "y4m", fps=60)  # a browser that sends 60 FPS
    seed_project(tmp_path / "data", per_class=5)
    timings = tmp_path / "timings"
    timings.mkdir()
    server = AppServer(tmp_path / "data", log=tmp_path / "streamlit.log",
                       env={"HANDTEACH_TIMINGS_FILE": str(timings)}).start()  # fmt: skip
    try:
        with browser_page(y4m) as page:
            page.goto(server.url)
            wait_app_ready(page)
            cycles = churn(page.context, server, tabs=2, seconds=3.0, wait=60.0)  # the second must end as the first
            assert server.process is not None and server.process.poll() is None, "the server stays up"
            page.goto(f"{server.url}/live")  # and still serves a page
            wait_app_ready(page)
    finally:
        server.stop()
    assert all(c.frames_back > 10 for c in cycles), cycles
    assert all(c.freed_after_s is not None and c.mediapipe_threads == 0 for c in cycles), cycles
    names = _python_names(timings)
    assert any(name.startswith("async_media_processor") for name in names.values()), "the streams named their threads"
    first, last = _streams_threads(cycles[0], names), _streams_threads(cycles[-1], names)
    assert len(last) <= len(first), f"a closed tab leaves no thread behind: {sorted(first)} → {sorted(last)}"
    assert cycles[-1].rss_mb - cycles[0].rss_mb < 400, f"memory levels off: {[c.rss_mb for c in cycles]}"
    log = server.log.read_text(encoding="utf-8")
    assert "Traceback" not in log, log[-3000:]

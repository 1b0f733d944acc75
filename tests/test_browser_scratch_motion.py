"""The Make page for a motion project in Chromium: a project of swipes taught from real hand shapes (the ASL video's
hand carried along paths, ``tests/motionmaker.py``), the fake camera showing a person the project never saw swiping to
the left and back to the right (``tests/motionvideo.py``). The editor's tab spots each motion itself and names it; the
swipe example's cat goes left and right on the green flag, each time within a second of the tab's answer; no swipe
is named that the video does not show, and nothing is asked of another origin."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from motionmaker import keypoint_clip
from motionvideo import swipe_video

from bench.common.browser import AppServer, browser_page, wait_app_ready
from bench.common.scratch_editor import editor_frame, open_example, press_green_flag
from ui.scratch.component import BUILD_COMMAND, missing_assets

# extended: the tab's spotting of these swipes is the same as Live's in tests/test_scratch_motion.py, and the
# editor's blocks react in the browser in tests/test_browser_scratch.py; this walks both together (41 s of CI's 15 minutes)
pytestmark = [pytest.mark.slow, pytest.mark.extended]
PROJECT = "swipes"
MOTIONS = ("swipe_left", "swipe_right", "swipe_up", "idle")


def _trained_motion_project(data_dir: Path) -> None:
    from core.data.clips import StoredClip, add_clips
    from core.data.project_motion import train_motion_project
    from core.data.store import Store
    from core.motion.train import MotionTrainConfig

    store = Store(data_dir)
    store.create_project(PROJECT, default_classes=False, motion=True)
    clips = [keypoint_clip(kind, start=11 * i + 40 * n, frames=18 + 4 * (i % 4), fps=25.0 if i % 2 else 30.0,
                           still=6, seed=i + 10 * n, amplitude=220 + 40 * (i % 3))
             for n, kind in enumerate(MOTIONS) for i in range(6)]  # fmt: skip
    add_clips(store, PROJECT, [StoredClip(c) for c in clips], create_classes=True)
    train_motion_project(store, PROJECT, MotionTrainConfig(seed=0, copies=8, epochs=60))


def test_a_motion_project_s_swipes_move_the_cat(tmp_path: Path) -> None:
    if missing_assets():
        pytest.skip(f"the editor is not built: run `{BUILD_COMMAND}`")
    video, swipes = swipe_video(tmp_path / "video")
    _trained_motion_project(tmp_path / "data")
    app = AppServer(tmp_path / "data", keypoints="browser").start()
    try:
        with browser_page(video, width=1400, height=1100) as page:
            asked: list[str] = []
            page.on("request", lambda request: asked.append(request.url))
            page.goto(f"{app.url}/make?project={PROJECT}")
            wait_app_ready(page)
            # the page's first run imports torch and exports the motion graph: 10-20 s before the editor
            frame = editor_frame(page, timeout_ms=120_000)
            frame.wait_for_selector("text=My moves", timeout=20_000)  # the category, named for motions
            open_example(page)
            frame.wait_for_function("() => window.handteachScratch.recogniser.motion", timeout=60_000)
            press_green_flag(frame)
            # the first motion named: the tab's hand model, its graph and the camera all run (a cold start's first
            # seconds on two busy cores miss swipes, as a tab loading its models would)
            frame.wait_for_function("() => window.handteachScratch.recogniser.motion.latest", timeout=60_000)
            asked.clear()
            seen = _watch(frame, seconds=20)
            page.screenshot(path=str(tmp_path / "make-motion.png"))
    finally:
        app.stop()
    events = _events(seen)
    labels = [label for label, _, _ in events]
    # the video loops every 4.4 s, two swipes each time: 8 to 10 in the 20 s watched
    assert len(events) >= 6, events
    assert set(labels) <= {"swipe_left", "swipe_right"}, labels  # never a swipe the video does not show
    for (label, _, ended), (then, _, next_ended) in zip(events, events[1:], strict=False):
        # left, then right: the same twice only a loop apart (the other missed between), never one swipe twice. By
        # the frames' own times: on two busy cores the page can name a swipe a moment late and the next on time
        assert next_ended - ended >= (3.5 if then == label else 1.0), events
    for label, at, _ in events:  # the cat's variable says the way within a second of each answer
        moved = next((value for t, _event, value in seen if at <= t <= at + 1.0 and value == label.split("_")[1]), None)
        assert moved is not None, (label, at, seen)
    assert len(swipes) == 2
    assert all(url.startswith(app.url) for url in asked), [u for u in asked if not u.startswith(app.url)]


def _watch(frame, seconds: float) -> list[tuple[float, list, str]]:  # noqa: ANN001 - playwright Frame
    """(seconds, the tab's last motion [label, count, its last frame's time in s] or None, the stage's ``moved``) every
    50 ms."""
    script = """() => { const h = window.handteachScratch, vm = h.page.vm, m = h.recogniser.motion;
      const v = vm.runtime.getTargetForStage().lookupVariableByNameAndType("moved", "");
      return [m && m.latest ? [m.latest.label, m.latest.count, m.latest.end] : null, v ? String(v.value) : ""]; }"""
    out, start = [], time.monotonic()
    while time.monotonic() - start < seconds:
        event, moved = frame.evaluate(script)
        out.append((time.monotonic() - start, event, moved))
        frame.page.wait_for_timeout(50)
    return out


def _events(seen: list[tuple[float, list, str]]) -> list[tuple[str, float, float]]:
    """Each motion the tab named while watched (not the one it had named before): its label, the first time it was
    seen, and the time of its last frame."""
    events, last = [], seen[0][1][1] if seen and seen[0][1] else 0
    for t, event, _moved in seen:
        if event and event[1] != last:
            events.append((event[0], t, event[2]))
            last = event[1]
    return events

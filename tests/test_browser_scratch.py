"""The Make page in Chromium: the Scratch editor served by the app, its Gestures category, the thumbs-up example run
on the green flag with the fake camera showing p01's open hand then thumbs up (webcam_people), and every request of
the page and its frames to the app's own origin."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from bench.common.browser import AppServer, browser_page, missing_tools, wait_app_ready
from bench.common.gesture_video import PERSON, gesture_video
from ui.browser.component import missing_assets as browser_missing
from ui.scratch.component import BUILD_COMMAND, missing_assets

pytestmark = pytest.mark.slow
EDITOR_FRAME = "handteach_scratch"


def _editor(page, folder: Path):  # noqa: ANN001, ANN202 - playwright Page and Frame
    try:
        frame = page.wait_for_selector(f'iframe[title*="{EDITOR_FRAME}"]', timeout=30_000).content_frame()
        frame.wait_for_function("() => window.handteachScratch && window.handteachScratch.page.vm", timeout=40_000)
    except Exception:
        page.screenshot(path=str(folder / "make.png"))
        raise
    return frame


def test_thumbs_up_example_reacts_and_nothing_leaves(tmp_path: Path) -> None:
    missing = missing_tools() + [f"`{BUILD_COMMAND}` ({name})" for name in missing_assets()[:1]]
    missing += [f"`make frontend` ({name})" for name in browser_missing()[:1]]
    if missing or not PERSON.exists() or shutil.which("ffmpeg") is None:
        pytest.skip(f"needs {', '.join(missing) or 'webcam_people (../shared/data)'}")
    video = gesture_video(tmp_path)
    app = AppServer(tmp_path / "data", keypoints="browser").start()
    requests: list[str] = []
    try:
        with browser_page(video, width=1400, height=1100) as page:
            page.context.on("request", lambda request: requests.append(request.url))
            started = time.monotonic()
            page.goto(f"{app.url}/make")
            wait_app_ready(page)
            editor = _editor(page, tmp_path)
            # the category says the project runs the starter model (never trained)
            editor.wait_for_selector("text=Gestures (starter model)", timeout=20_000)
            page.get_by_role("button", name="Open the example").click()
            editor.wait_for_function("() => window.handteachScratch.page.loaded", timeout=20_000)
            editor.locator("[class*='green-flag_green-flag']").first.click()
            ready = time.monotonic() - started
            seen = _watch(editor, seconds=40)
            refused = editor.evaluate("() => window.handteachGuard.refused")  # tried, and stopped before it left
            # kept with the project: saved, then open again when the student comes back to Make
            saving = time.monotonic()
            page.get_by_role("button", name="Save to my project").click()
            page.get_by_text("Saved in your project").first.wait_for(timeout=30_000)
            page.reload()
            wait_app_ready(page)
            editor = _editor(page, tmp_path)
            editor.wait_for_function("() => window.handteachScratch.page.loaded", timeout=30_000)
            back = editor.evaluate("() => [window.handteachScratch.page.loaded, "
                                   "window.handteachScratch.page.vm.runtime.targets.map(t => t.getName())]")  # fmt: skip
            refused += editor.evaluate("() => window.handteachGuard.refused")
            print(f"saved, reloaded and open again in {time.monotonic() - saving:.1f} s")
            print(f"editor ready {ready:.1f} s, reactions watched {seen[-1][0] - seen[0][0]:.1f} s")
    finally:
        app.stop()
    reactions = [(label, reaction) for _t, label, reaction, _y in seen]
    assert any(r == "jumping" for _label, r in reactions), reactions[-40:]
    assert any(r == "stopped" for _label, r in reactions), reactions[-40:]
    # a reaction comes only from its gesture: the variable turned "jumping" only after a thumbs up was seen
    first_jump = next(i for i, (_l, r) in enumerate(reactions) if r == "jumping")
    assert any(label == "thumbs up" for label, _r in reactions[: first_jump + 1]), reactions[: first_jump + 1]
    stop = next(i for i, (_l, r) in enumerate(reactions) if i > first_jump and r == "stopped")
    assert any(label == "open palm" for label, _r in reactions[first_jump : stop + 1]), reactions[first_jump : stop + 1]
    assert len({y for *_rest, y in seen}) > 1, "the cat never moved"
    origin = app.url.rstrip("/")
    away = [url for url in requests if not url.startswith((origin + "/", "data:", "blob:"))]
    assert not away, away[:10]
    assert back[0].startswith("saved-") and "Cat" in back[1], back  # the saved game, not an empty project
    assert refused == [], refused[:10]


def _watch(editor, seconds: float) -> list[tuple[float, str, str, float]]:  # noqa: ANN001 - playwright Frame
    """(time, the blocks' gesture, the stage's `reaction` variable, the cat's y) every 100 ms, until the cat has
    jumped and stopped (or ``seconds``)."""
    script = """() => { const h = window.handteachScratch, vm = h.page.vm;
      const stage = vm.runtime.getTargetForStage(), cat = vm.runtime.getSpriteTargetByName("Cat");
      const v = stage.lookupVariableByNameAndType("reaction", "");
      return [h.recogniser.latest.shown, v ? String(v.value) : "", cat ? cat.y : 0]; }"""
    out, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        out.append((time.monotonic(), *editor.evaluate(script)))
        reactions = [r for _t, _g, r, _y in out]
        if "jumping" in reactions and "stopped" in reactions[reactions.index("jumping") :]:
            break
        editor.page.wait_for_timeout(100)
    return out

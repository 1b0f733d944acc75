"""The Make page in Chromium: the Scratch editor served by the app, its Gestures category, the thumbs-up example run
on the green flag with the fake camera playing a coded clip of p01's gestures (webcam_people: ✋ 👍 👊 ✋ 👍, 10.7 s,
looping; bench/common/coded_clip.py), and every request of the page and its frames to the app's own origin. The game's
reactions are read through the VM on every camera frame and held to the issue's mark: ≥ 95 % of the gesture changes
caught within 1.0 s, none to a gesture not shown (the 30 s clips of three people: bench/people/scratch_reactions.py)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from bench.common.browser import AppServer, browser_page, missing_tools, wait_app_ready
from bench.common.coded_clip import FPS, plan, write_y4m
from bench.common.gesture_video import PERSON
from bench.common.reaction_score import score_reactions, timeline
from bench.common.scratch_editor import THUMBS_RULES, record
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
    clip = plan(PERSON, ("open_palm", "thumbs_up", "fist", "open_palm", "thumbs_up"))
    video = write_y4m(clip, tmp_path / "p01.y4m")
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
            # the reactions are timed from a running recognition on (its start is bench/speed/scratch.py's "ready")
            editor.wait_for_function("() => window.handteachScratch.recogniser.timing.labelled > 0", timeout=60_000)
            editor.locator("[class*='green-flag_green-flag']").first.click()
            ready = time.monotonic() - started
            page.wait_for_timeout(1000)  # the flag's first step: "waiting", the cat placed
            # one loop of the clip and the second after its last change: each of its 4 changes judged once
            readings = record(editor, clip.frames / FPS + 1.5, variable="reaction", sprite="Cat")
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
    finally:
        app.stop()
    score = score_reactions(readings, clip, THUMBS_RULES)
    print(f"editor ready {ready:.1f} s; {score.caught}/{score.changes} changes caught, latencies {score.latencies_s} s, "
          f"{score.false} false {score.false_at}, {score.late} late; {len(readings)} frames read\n{timeline(readings, clip)}")  # fmt: skip
    assert sum(r.frame >= 0 for r in readings) > 0.9 * len(readings) > 40, "the page did not read the clip's frames"
    # the blocks drive the game: it turns to each state the clip asks for, within a segment at least twice, and never
    # to one the clip did not ask for. How soon (the 1.0 s for 95 % of changes) is held by
    # bench/people/scratch_reactions.py and the 30 s runs below (make test-all): on two busy cores the tab labels 2-8
    # frames a second, and p01's first 👍 starts with the thumb still rising (one change in three missed 2 s in CI)
    answered = score_reactions(readings, clip, THUMBS_RULES, within_s=2.0)
    assert score.changes >= 3 and answered.caught >= 2, (answered, timeline(readings, clip))
    assert {"jumping", "stopped"} <= {r.state for r in readings}, timeline(readings, clip)
    assert score.false == 0, (score.false_at, timeline(readings, clip))
    assert len({r.y for r in readings}) > 1, "the cat never moved"
    origin = app.url.rstrip("/")
    away = [url for url in requests if not url.startswith((origin + "/", "data:", "blob:"))]
    assert not away, away[:10]
    assert back[0].startswith("saved-") and "Cat" in back[1], back  # the saved game, not an empty project
    assert refused == [], refused[:10]


@pytest.mark.extended
@pytest.mark.parametrize("person", ["p01_anupam1612", "p03_hatemoos", "p05_vsh2607"])
def test_the_games_react_over_a_30_s_clip(tmp_path: Path, person: str) -> None:
    """bench/people/scratch_reactions.py's full run for one person: the thumbs-up game over a 30 s clip with two other
    gestures between ✋ and 👍 (≥ 95 % of 8 changes caught within 1.0 s, none false), then the rocket (its x against
    MediaPipe's fingertip x, r ≥ 0.9)."""
    from bench.people.scratch_reactions import OTHERS, fingertip_truth, run_person, sequence

    missing = missing_tools() + [f"`{BUILD_COMMAND}` ({name})" for name in missing_assets()[:1]]
    if missing or not (PERSON.parent / person).exists():
        pytest.skip(f"needs {', '.join(missing) or 'webcam_people (../shared/data)'}")
    clip = plan(PERSON.parent / person, sequence(OTHERS[person]))
    video = write_y4m(clip, tmp_path / f"{person}.y4m")
    app = AppServer(tmp_path / "data", keypoints="browser").start()
    try:
        row = run_person(app, clip, video, fingertip_truth(clip), seconds=clip.frames / FPS + 1.5)
    finally:
        app.stop()
    print(row)
    assert row["changes"] >= 7 and row["caught"] >= 0.95 * row["changes"] and row["false"] == 0, row
    assert row["rocket_r_sprite"] is not None and row["rocket_r_sprite"] >= 0.9, row

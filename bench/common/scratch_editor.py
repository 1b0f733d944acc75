"""Driving the Make page's Scratch editor in Playwright: open an example, press the green flag, and record on every
camera frame the page presents which frame of a coded clip it was (``bench/common/coded_clip.py``) and what the game
was doing then, read from the editor's own VM. Shared by ``bench/people/scratch_reactions.py`` and
``tests/test_browser_scratch.py``."""

from __future__ import annotations

from bench.common.coded_clip import READ_CODE_JS
from bench.common.reaction_score import Reading

EDITOR_FRAME = 'iframe[title*="handteach_scratch"]'
THUMBS_TITLE = "👍 makes the cat jump, ✋ stops it"
ROCKET_TITLE = "☝️ steer a rocket with your fingertip"
THUMBS_RULES = {
    "thumbs_up": "jumping",
    "open_palm": "stopped",
}  # the thumbs-up game's `reaction` (core/scratch/examples.py)
GREEN_FLAG = "[class*='green-flag_green-flag']"

# Starts recording: on each frame the camera video presents (requestVideoFrameCallback on the tab's own camera video),
# the clip frame's code, the stage variable `variable`, the sprite `sprite`'s x and y, the blocks' hand x and gesture, stamped with
# the page's clock. The VM is only read.
_RECORD = f"""([variable, sprite]) => {{
  const readCode = {READ_CODE_JS};
  const h = window.handteachScratch, vm = h.page.vm, video = h.recogniser.video;
  const out = (window.__readings = []);
  window.__recording = true;
  const step = (now) => {{
    if (!window.__recording) return;
    const stage = vm.runtime.getTargetForStage();
    const v = variable && stage.lookupVariableByNameAndType(variable, "");
    const target = sprite && vm.runtime.getSpriteTargetByName(sprite);
    const tip = h.recogniser.latest.tip;
    out.push([now / 1000, readCode(video), v ? String(v.value) : "", target ? target.x : 0, tip ? tip[0] : null,
      target ? target.y : 0, h.recogniser.latest.label]);
    video.requestVideoFrameCallback(step);
  }};
  video.requestVideoFrameCallback(step);
  return true;
}}"""
_STOP = "() => { window.__recording = false; return window.__readings; }"


def editor_frame(page, timeout_ms: int = 60_000):  # noqa: ANN001, ANN201 - playwright Page and Frame
    """The editor's frame once its VM is up."""
    frame = page.wait_for_selector(EDITOR_FRAME, timeout=timeout_ms).content_frame()
    frame.wait_for_function("() => window.handteachScratch && window.handteachScratch.page.vm", timeout=timeout_ms)
    return frame


def open_example(page, title: str | None = None, timeout_ms: int = 60_000):  # noqa: ANN001, ANN201
    """Opens the example ``title`` (None: the one the page offers first) and returns the editor's frame once the VM
    has loaded it."""
    frame = editor_frame(page, timeout_ms)
    before = frame.evaluate("() => window.handteachScratch.page.loaded || null")
    if title is not None:
        page.get_by_role("combobox", name="Example").click()
        page.get_by_role("option", name=title).click()
    page.get_by_role("button", name="Open the example").click()
    frame.wait_for_function(
        "(before) => { const p = window.handteachScratch.page; return p.loaded && p.loaded === p.opened && p.loaded !== before; }",
        arg=before, timeout=timeout_ms,
    )  # fmt: skip
    return frame


def press_green_flag(frame) -> None:  # noqa: ANN001 - playwright Frame
    frame.locator(GREEN_FLAG).first.click()


def record(frame, seconds: float, variable: str = "", sprite: str = "") -> list[Reading]:  # noqa: ANN001
    """Readings over ``seconds`` of the page's frames (see ``_RECORD``)."""
    frame.evaluate(_RECORD, [variable, sprite])
    frame.page.wait_for_timeout(int(seconds * 1000))
    raw = frame.evaluate(_STOP)
    return [Reading(t, int(code), state, float(x), None if tip is None else float(tip), float(y), seen)
            for t, code, state, x, tip, y, seen in raw]  # fmt: skip

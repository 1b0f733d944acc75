"""``keyboardmaker.focused_on_screen`` reads the ring off the screen: in Chromium, on a page made for it (no app), a
button with a 2 px ring is seen, a visually hidden checkbox whose own outline is computed but never painted (its
label only tinted, as Streamlit shows it) is not, and the same checkbox is seen once its label carries the ring
(``ui.common.assistive``'s rule)."""

from __future__ import annotations

from pathlib import Path

import pytest
from keyboardmaker import focused_on_screen

from bench.common.browser import CHROMIUM

pytestmark = pytest.mark.slow

PAGE = """<style>
  body { background: #ffffff; font: 16px sans-serif; padding: 40px; }
  :focus-visible { outline: 2px solid #1f5fa8; outline-offset: 2px; }
  .hidden { position: absolute; width: 1px; height: 1px; clip-path: inset(50%); overflow: hidden; }
  label { display: inline-flex; gap: 8px; padding: 4px; }
  label:has(input:focus-visible) { background: #f3f4f6; }
  %s
</style>
<p><button id="b">Share</button></p>
<p><label><span class="hidden"><input type="checkbox" id="c"></span><span>Start from starter data</span></label></p>"""
RING = "label:has(input:focus-visible) { outline: 2px solid #1f5fa8; outline-offset: 2px; }"


def test_a_ring_is_read_off_the_screen_not_off_a_hidden_input() -> None:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page(viewport={"width": 640, "height": 360})
        seen = {}
        for css in ("", RING):
            page.set_content(PAGE.replace("%s", css))
            page.keyboard.press("Tab")
            seen["button", css] = focused_on_screen(page)[1]
            page.keyboard.press("Tab")
            seen["checkbox", css] = focused_on_screen(page)[1]
        browser.close()
    assert seen == {("button", ""): True, ("checkbox", ""): False, ("button", RING): True, ("checkbox", RING): True}

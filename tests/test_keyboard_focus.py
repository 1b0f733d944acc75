"""``ui/common/keyboard.js`` keeps the focus where a press left it, in Chromium on a page made for it with Streamlit's
markup (keyed elements, the main area, its heading; no app): a pressed button the run takes away gives the focus to
the page's heading, one disabled while its work runs gives it to the line that says what it does (Record's status),
a line drawn again keeps it, and a click beside the controls is left alone (the focus stays on the page)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.common.browser import CHROMIUM
from ui.common.keyboard import _script

pytestmark = pytest.mark.slow

PAGE = """<div data-testid="stMain"><h1>✋ handteach</h1>
  <div class="st-key-sign_in"><button id="signin">Sign in</button></div>
  <div class="st-key-record_start"><button id="record">Record</button></div>
  <div class="st-key-record_status"></div>
  <p id="beside" style="height: 40px">words</p></div>"""
# the page itself, or its main area (focusable by a click: the script takes it out of the Tab order only)
ACTIVE = """() => { const e = document.activeElement;
  return e === document.body || e.dataset.testid === 'stMain' ? 'the page' : e.innerText; }"""


def settled(page, expected: str) -> str:  # noqa: ANN001 - playwright Page
    """Where the focus is once it stops moving towards ``expected`` (at most 3 s: the script looks every 0.1 s and
    waits 1.5 s for a taken control to come back before it goes to the heading)."""
    for _ in range(30):
        if page.evaluate(ACTIVE) == expected:
            break
        page.wait_for_timeout(100)
    return page.evaluate(ACTIVE)


def test_the_focus_goes_where_the_press_left_it() -> None:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page(viewport={"width": 640, "height": 360})
        page.set_content(PAGE)
        page.add_script_tag(content=_script())
        page.focus("#signin")
        page.evaluate("() => document.querySelector('#signin').remove()")  # the run took the form away
        assert settled(page, "✋ handteach") == "✋ handteach"

        page.focus("#record")  # pressed: disabled while the take runs, its status said below
        page.evaluate("() => { document.querySelector('#record').disabled = true; }")
        page.wait_for_timeout(2000)  # (Chromium drops the focus from a button disabled under it)
        assert page.evaluate(ACTIVE) in ("Record", "the page"), "moved before there was a line to move to"
        page.evaluate("""() => document.querySelector('.st-key-record_status').innerHTML =
            '<div data-testid="stAlert">Get ready to show thumbs up</div>'""")
        assert settled(page, "Get ready to show thumbs up") == "Get ready to show thumbs up"
        page.evaluate("""() => document.querySelector('.st-key-record_status').innerHTML =
            '<div data-testid="stAlert">Stored 15 samples of thumbs up.</div>'""")  # the line drawn anew
        assert settled(page, "Stored 15 samples of thumbs up.") == "Stored 15 samples of thumbs up."

        page.evaluate("() => { document.querySelector('#record').disabled = false; }")
        page.focus("#record")
        page.click("#beside")  # a click beside the controls
        page.evaluate("() => document.querySelector('.st-key-record_start').remove()")
        assert settled(page, "✋ handteach") == "the page", "a focus the student moved away was brought back"
        browser.close()


# Two samples' tiles as ui/samples/gallery.py draws them: a picture with its Fullscreen button, a checkbox with its "?"
TILE = """<div data-testid="stColumn"><div data-testid="stElementToolbar"><button>Fullscreen</button></div>
  <div data-testid="stImage"><img alt="thumbs up, sample {n} of 2" width="40" height="40"></div>
  <div data-testid="stCheckbox"><label><input type="checkbox" aria-label="#{n}"><span>#{n}</span></label>
  <button aria-label="Help for #{n}">?</button></div></div>"""


def test_a_sample_is_one_tab_stop() -> None:
    """Tab goes from one sample's checkbox to the next one's (past its "?" and its picture's Fullscreen); Space
    still ticks it."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page(viewport={"width": 640, "height": 360})
        page.set_content("<button>before</button>" + TILE.format(n=2) + TILE.format(n=1) + "<button>after</button>")
        page.add_script_tag(content=_script())
        stops = []
        for _ in range(3):
            page.keyboard.press("Tab")
            stops.append(
                page.evaluate(
                    "() => document.activeElement.getAttribute('aria-label') || document.activeElement.innerText"
                )
            )
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Space")
        ticked = page.evaluate("() => [...document.querySelectorAll('input')].map(i => i.checked)")
        browser.close()
    assert stops == ["before", "#2", "#1"], stops
    assert ticked == [True, False], ticked


def test_the_3d_view_turns_by_keys() -> None:
    """A 3D view as ui/common/view3d.py draws it (Plotly's own plotly.js, from its Python package): one Tab stop named
    by its caption and its keys; the left arrow turns it round the upright axis, + brings it nearer."""
    import plotly
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found")
    plotly_js = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    figure = """{data: [{type: 'scatter3d', mode: 'markers', x: [0, 1], y: [0, 1], z: [0, 1]}],
                 layout: {uirevision: 'hand', scene: {camera: {eye: {x: 0, y: -2.3, z: 0.42}}}}}"""
    eye = "() => document.querySelector('.js-plotly-plot')._fullLayout.scene._scene.getCamera().eye"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page(viewport={"width": 640, "height": 480})
        page.set_content("""<button>before</button><div class="st-key-live_3d_view">
          <div class="stElementContainer"><div data-testid="stPlotlyChart"><div id="chart"></div></div></div>
          <div data-testid="stCaptionContainer">3D view of the hand in metres: drag it or press the arrow keys</div>
          </div>""")
        page.add_script_tag(path=str(plotly_js))
        page.evaluate(f"() => {{ const f = {figure}; return Plotly.newPlot('chart', f.data, f.layout); }}")
        page.add_script_tag(content=_script())
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        name = page.evaluate("() => document.activeElement.getAttribute('aria-label')")
        before = page.evaluate(eye)
        page.keyboard.press("ArrowLeft")
        turned = page.evaluate(eye)
        page.keyboard.press("+")
        nearer = page.evaluate(eye)
        browser.close()
    assert name == "3D view of the hand: the arrow keys turn it, plus and minus bring it nearer and farther", name
    assert turned["x"] < before["x"] - 0.5 and abs(turned["z"] - before["z"]) < 1e-6, (before, turned)
    distance = [sum(v**2 for v in (e["x"], e["y"], e["z"])) ** 0.5 for e in (turned, nearer)]
    assert distance[1] < distance[0] * 0.85, distance

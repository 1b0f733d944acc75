"""Moving through a page with the keyboard alone, as a student who cannot use a mouse does: Tab (or Shift+Tab) until
a control has the focus, checking at every stop that the focus can be seen and is not held inside a frame."""

from __future__ import annotations

import io
import re
import tomllib
from functools import cache
from pathlib import Path

# The element that has the focus, through same-origin frames (a component's iframe holds its own), and whether it
# can be seen: it, or the nearest visible element around it (a visually hidden radio's label), draws an outline or
# a box shadow. A table drawn on a canvas (Streamlit's st.dataframe) focuses a cell of the table it keeps inside the
# canvas for screen readers, an element of no size, and draws the cell's ring itself: then the canvas's place on the
# page. Returns [description, visible, the canvas's {x, y, width, height} or null].
_FOCUS = """() => {
  let doc = document, e = doc.activeElement;
  while (e && e.tagName === 'IFRAME') { try { doc = e.contentDocument; e = doc.activeElement; } catch (x) { break; } }
  if (!e || e === doc.body) return ['the page itself', false, null];
  const name = (e.tagName + ' ' + (e.getAttribute('aria-label') || e.innerText || e.value || '')).trim().slice(0, 60);
  const canvas = e.tagName === 'CANVAS' ? e : e.parentElement && e.parentElement.closest('canvas');
  let place = null;
  if (canvas) {
    const r = canvas.getBoundingClientRect();
    place = { x: r.left, y: r.top, width: r.width, height: r.height };
    for (let w = doc.defaultView; w.frameElement; w = w.frameElement.ownerDocument.defaultView) {
      const f = w.frameElement.getBoundingClientRect();
      place.x += f.left; place.y += f.top;
    }
  }
  for (let n = e, up = 0; n && up < 4; n = n.parentElement, up++) {
    const r = n.getBoundingClientRect(), s = getComputedStyle(n);
    if (r.width * r.height < 16) continue;
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1;
    return [name, outline || s.boxShadow !== 'none', place];
  }
  return [name, false, place];
}"""


PAST_THE_END = "the page itself"
# the least of the theme's main colour in a table's canvas that makes a ring round a cell (one round a short cell of
# Streamlit's table at 1280×720 is 250 pixels; none is drawn while the table has no focus)
RING_PIXELS = 100


@cache
def theme_primary() -> tuple[int, int, int]:
    """The theme's main colour (.streamlit/config.toml), which Streamlit's tables draw a focused cell's ring in."""
    config = tomllib.loads((Path(__file__).parents[1] / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    colour = config["theme"]["primaryColor"].lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def ring_drawn(page, place: dict) -> bool:  # noqa: ANN001 - playwright Page
    """Whether the canvas at ``place`` shows a ring in the theme's main colour (a table's focused cell)."""
    import numpy as np
    from PIL import Image

    shot = Image.open(io.BytesIO(page.screenshot(clip=place))).convert("RGB")
    distance = np.abs(np.asarray(shot, dtype=int) - np.array(theme_primary())).sum(axis=-1)
    return int((distance < 30).sum()) >= RING_PIXELS


# The box the focus ring is drawn round, in the window's coordinates (through frames): the focused element, or what
# paints it (a checkbox's, switch's or radio's visually hidden input: its label; a field's input, clipped inside
# its box: the box). null when the focus is on the page itself or in a table's canvas.
_PAINTED = """() => {
  let doc = document, e = doc.activeElement;
  while (e && e.tagName === 'IFRAME') { try { doc = e.contentDocument; e = doc.activeElement; } catch (x) { break; } }
  if (!e || e === doc.body || e.tagName === 'CANVAS' || (e.parentElement && e.parentElement.closest('canvas'))) return null;
  const painter = ['INPUT', 'TEXTAREA'].includes(e.tagName) && (e.closest('label') || e.closest(
    '[data-testid$="RootElement"], [data-testid="stNumberInputContainer"], [role="group"]'));
  const r = (painter || e).getBoundingClientRect();
  const place = { x: r.left, y: r.top, width: r.width, height: r.height };
  for (let w = doc.defaultView; w.frameElement; w = w.frameElement.ownerDocument.defaultView) {
    const f = w.frameElement.getBoundingClientRect();
    place.x += f.left + w.frameElement.clientLeft; place.y += f.top + w.frameElement.clientTop;
  }
  return place;
}"""
RING_MIN = 3.0  # WCAG 1.4.11: a focus indicator against what is next to it
RING_AROUND = 0.75  # the share of the box's edge positions where a ring must be found (a neighbour may cover some)


def ring_on_screen(page, place: dict) -> float:  # noqa: ANN001 - playwright Page
    """The share of the positions round ``place`` (a box in the window) where, 1 to 6 px outside it, the screenshot
    has a pixel at least ``RING_MIN``:1 against the pixel 9 px out (what is behind a ring): a ring or an outline
    seen on screen, not one read from a style (a hidden input's outline is computed, never painted). Positions out
    of the window are not counted."""
    import numpy as np
    from PIL import Image

    from core.viz.contrast import ratio

    size = page.viewport_size
    x0, y0 = max(0, int(place["x"]) - 10), max(0, int(place["y"]) - 10)
    x1 = min(size["width"], int(place["x"] + place["width"]) + 11)
    y1 = min(size["height"], int(place["y"] + place["height"]) + 11)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return 0.0
    shot = np.asarray(Image.open(io.BytesIO(page.screenshot(clip={"x": x0, "y": y0, "width": x1 - x0,
                                                                   "height": y1 - y0}))).convert("RGB"))  # fmt: skip
    left, top = int(place["x"]) - x0, int(place["y"]) - y0
    right, bottom = left + int(place["width"]), top + int(place["height"])
    height, width = shot.shape[:2]
    found = counted = 0
    # (the pixels 1-6 px out from an edge position, the pixel 9 px out) along each of the four sides
    sides = [(lambda d, i: (top - d, i), range(left, right)), (lambda d, i: (bottom + d, i), range(left, right)),
             (lambda d, i: (i, left - d), range(top, bottom)), (lambda d, i: (i, right + d), range(top, bottom))]  # fmt: skip
    for at, along in sides:
        for i in along[::2]:
            behind = at(9, i)
            near = [at(d, i) for d in range(1, 7)]
            if not all(0 <= y < height and 0 <= x < width for y, x in (behind, *near)):
                continue
            counted += 1
            back = shot[behind]
            found += bool(max(float(ratio(shot[p], back)) for p in near) >= RING_MIN)
    return found / counted if counted else 0.0


def focused(page) -> tuple[str, bool]:  # noqa: ANN001 - playwright Page
    """(what has the focus, whether a ring or shadow shows it, or the canvas it is drawn on)."""
    name, visible, canvas = page.evaluate(_FOCUS)
    if not visible and canvas:
        visible = ring_drawn(page, canvas)
    return name, visible


def focused_on_screen(page) -> tuple[str, bool]:  # noqa: ANN001 - playwright Page
    """(what has the focus, whether a ring shows it on screen, or, for a table's canvas or a cell in it, whether the
    table draws its cell's ring: a canvas Tab reaches rings its first cell)."""
    name, _, canvas = page.evaluate(_FOCUS)
    if canvas:
        return name, ring_drawn(page, canvas)
    place = page.evaluate(_PAINTED)
    return name, place is not None and ring_on_screen(page, place) >= RING_AROUND


def tab_to(page, target, limit: int = 80, back: bool = False, seen: bool = False, screen: bool = False) -> int:  # noqa: ANN001
    """Press Tab (Shift+Tab when ``back``) on ``page`` until the Locator ``target`` (or an element inside it) has the
    focus; every stop on the way shows its focus (and, when ``seen``, is in sight: ``out_of_sight``; when ``screen``,
    its ring is seen on screen, ``focused_on_screen``, and its name is true, ``name_problem``). Fails naming the
    stops when ``limit`` presses never reach it (a trap, or no way there). Returns the presses it took."""
    stops: list[str] = []
    for presses in range(1, limit + 1):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        name, visible = focused_on_screen(page) if screen else focused(page)
        # past the last control the focus leaves the page for the browser's own bar, then comes back at the top
        assert visible or name == PAST_THE_END, f"the focus on {name!r} cannot be seen (after {stops[-3:]})"
        hidden = out_of_sight(page) if seen and name != PAST_THE_END else ""
        assert not hidden, f"the focus on {name!r} is out of sight: {hidden} (after {stops[-3:]})"
        wrong = name_problem(page) if screen and name != PAST_THE_END else ""
        assert not wrong, f"the focus on {name!r}: {wrong} (after {stops[-3:]})"
        stops.append(name)
        if target.evaluate("e => e.contains(e.ownerDocument.activeElement)"):
            return presses
    raise AssertionError(f"{limit} presses of {'Shift+' if back else ''}Tab never reached {target}: {stops[-12:]}")


def arrow_to(page, target, key: str = "ArrowRight", limit: int = 20) -> int:  # noqa: ANN001 - playwright Page, Locator
    """Within a group the Tab key enters once (a row of picture buttons, radios), press ``key`` until ``target``
    has the focus, each stop showing it. Returns the presses it took."""
    for presses in range(limit + 1):
        if target.evaluate("e => e.contains(e.ownerDocument.activeElement)"):
            return presses
        name, visible = focused(page)
        assert visible, f"the focus on {name!r} cannot be seen"
        page.keyboard.press(key)
    raise AssertionError(f"{limit} presses of {key} never reached {target}: the focus is on {focused(page)[0]!r}")


# Whether the focused element (through same-origin frames) can be seen where it is: nothing around it transparent
# or hidden, the middle of it inside the window, and the element the browser draws there is it (or inside it, or
# around it, or a part of the same Streamlit element: a table's scroller lies over its canvas), in its own frame and
# in each frame around that; else where it is, or what hides or covers it. Returns "" when seen.
_IN_SIGHT = """() => {
  let doc = document, e = doc.activeElement;
  while (e && e.tagName === 'IFRAME') { try { doc = e.contentDocument; e = doc.activeElement; } catch (x) { break; } }
  if (!e || e === doc.body) return 'the focus is on the page itself';
  const what = (x) => x ? `${x.tagName} ${x.getAttribute('data-testid') || x.className || ''}`.trim()
    + (x.innerText ? ` "${x.innerText.trim().slice(0, 60)}"` : '') : 'nothing';
  const area = (x) => x.getBoundingClientRect().width * x.getBoundingClientRect().height;
  let n = e;
  while (n.parentElement && area(n) < 16) n = n.parentElement;
  for (let up = n, opacity = 1; up; up = up.parentElement) {
    const s = getComputedStyle(up);
    opacity *= parseFloat(s.opacity);
    if (opacity < 0.5 || s.visibility === 'hidden')
      return `${e.tagName} is hidden by ${what(up)} (opacity ${s.opacity}, ${s.visibility})`;
  }
  const r = n.getBoundingClientRect();
  let x = r.left + r.width / 2, y = r.top + r.height / 2;
  const element = (x) => x && x.closest('[data-testid="stElementContainer"]');
  for (let d = doc, el = n; ; ) {
    const w = d.defaultView;
    if (x < 0 || y < 0 || x > w.innerWidth || y > w.innerHeight)
      return `${el.tagName} is out of the window at ${Math.round(x)},${Math.round(y)}`;
    const hit = d.elementFromPoint(x, y);
    const own = hit && (hit === el || el.contains(hit) || hit.contains(el)
      || (element(hit) && element(hit) === element(el)));
    if (!own) return `${what(el)} is under ${what(hit)}`;
    const frame = w.frameElement;
    if (!frame) return '';
    const f = frame.getBoundingClientRect();
    x += f.left + frame.clientLeft; y += f.top + frame.clientTop; el = frame; d = frame.ownerDocument;
  }
}"""


def out_of_sight(page) -> str:  # noqa: ANN001 - playwright Page
    """Why the focused element cannot be seen where it is (out of the window, under another element), or "" when it
    can; a scroll the focus started, or a run of the page moving it, is let finish (a second: on a loaded two-core
    machine a quarter of a second once left a link focused just under the window's edge)."""
    why = page.evaluate(_IN_SIGHT)
    for _ in range(20):
        if not why:
            return ""
        page.wait_for_timeout(50)
        why = page.evaluate(_IN_SIGHT)
    return why


# The words the focused element (or the label round it) shows, and the label of the group it is one of (a segmented
# control's "How many hands" round its "1" and "2"); null when the focus is on the page itself, or inside a
# component's frame (whose tree is its own: not read here)
_SHOWN = """() => { const e = document.activeElement;
  if (!e || e === document.body || e.tagName === 'IFRAME') return null;
  const words = (x) => ((x && (x.innerText || x.textContent)) || '').replace(/\\s+/g, ' ').trim().slice(0, 200);
  const group = e.closest('[data-testid="stButtonGroup"], [role="radiogroup"], [role="group"]');
  const widget = group && group.closest('[data-testid="stElementContainer"]');
  const label = group && (group.getAttribute('aria-label') || words(widget && widget.querySelector('label')));
  return [words(e.closest('label') || e), label || '']; }"""
# what a name made of code says: a module's path, an icon font's ligature, a bare number, Streamlit's index
_CODE_NAME = re.compile(r"^(?:[a-z_]+\.){2,}[a-z_]+$|keyboard_arrow|^\d*$|^(?:ui|core)[./]")


def focused_name(page) -> tuple[str, str, str, str]:  # noqa: ANN001 - playwright Page
    """(role, accessible name, the words it shows, its group's label) of the focused element of the page (not of a
    frame), from Chromium's accessibility tree, what a screen reader is given; all "" when none is focused."""
    shown = page.evaluate(_SHOWN)
    if shown is None:
        return "", "", "", ""
    cdp = page.context.new_cdp_session(page)
    try:
        found = cdp.send("Runtime.evaluate", {"expression": "document.activeElement"})["result"]
        node = cdp.send("DOM.describeNode", {"objectId": found["objectId"]})["node"]
        tree = cdp.send("Accessibility.getPartialAXTree", {"backendNodeId": node["backendNodeId"],
                                                          "fetchRelatives": False})["nodes"]  # fmt: skip
    finally:
        cdp.detach()
    own = next((n for n in tree if not n.get("ignored")), tree[0] if tree else {})
    return own.get("role", {}).get("value", ""), own.get("name", {}).get("value", ""), *shown


# roles a screen reader reads by their name alone: a control, a picture (a line the focus was moved to, a heading or
# an alert, is read by its words)
_NAMED_BY_AUTHOR = {"button", "link", "checkbox", "switch", "radio", "tab", "menuitem", "textbox", "combobox",
                    "spinbutton", "slider", "application", "img", "progressbar", "radiogroup", "listbox"}  # fmt: skip


def name_problem(page) -> str:  # noqa: ANN001 - playwright Page
    """What is wrong with the focused element's name, or "": a control named by nothing, by code (a module's path,
    an icon's ligature, a number), or by words other than those it shows (WCAG 2.5.3: the name holds the label)."""
    role, name, shown, group = focused_name(page)
    if not role or role in ("gridcell", "columnheader", "rowheader"):
        return ""  # the page itself, a frame keeping its own focus, or a table's cell (named by the table's canvas)
    words = " ".join(name.split())
    if not words and role in _NAMED_BY_AUTHOR:
        return f"the {role} has no name (it shows {shown[:40]!r})"
    if not words and not shown:
        return f"the {role} says nothing: no name, no words"
    number = re.fullmatch(r"\d+", words) and (group or role in ("gridcell", "cell"))  # "2" of "How many hands"
    if words and _CODE_NAME.search(words) and not number:
        return f"the {role} is named by code: {words!r}"
    plain = lambda text: re.sub(r"[^\w ]", "", text).split()  # noqa: E731 - emoji and marks aside
    labelled = role in ("button", "link", "checkbox", "switch", "radio", "tab", "menuitem") and 0 < len(shown) < 80
    if labelled and " ".join(plain(shown)).lower() not in " ".join(plain(words)).lower():
        return f"the {role}'s name {words!r} does not hold the words it shows, {shown!r}"
    return ""


def kept(page, what: str) -> str:  # noqa: ANN001 - playwright Page
    """After a press on ``what`` that ran the page again: the focus on something (not dropped to the page, where
    nothing shows it), its ring seen on screen, its name true. Returns its name (3 s are let pass: the line the page
    moves the focus to comes after the run, and a control the run removes stays until it ends)."""
    from bench.common.browser import wait_app_ready

    wait_app_ready(page)
    name, ring = focused_on_screen(page)
    for _ in range(30):  # (a control the run hid keeps the focus until the page moves it)
        if name != PAST_THE_END and ring:
            break
        page.wait_for_timeout(100)
        name, ring = focused_on_screen(page)
    assert name != PAST_THE_END, f"after {what} the focus fell to the page"
    assert ring, f"after {what} the focus on {name!r} shows no ring on screen"
    wrong = name_problem(page)
    assert not wrong, f"after {what}, {wrong}"
    return name

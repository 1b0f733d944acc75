"""Moving through a page with the keyboard alone, as a student who cannot use a mouse does: Tab (or Shift+Tab) until
a control has the focus, checking at every stop that the focus can be seen and is not held inside a frame."""

from __future__ import annotations

import io
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
  const canvas = e.parentElement && e.parentElement.closest('canvas');
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


def focused(page) -> tuple[str, bool]:  # noqa: ANN001 - playwright Page
    """(what has the focus, whether a ring or shadow shows it, or the canvas it is drawn on)."""
    name, visible, canvas = page.evaluate(_FOCUS)
    if not visible and canvas:
        visible = ring_drawn(page, canvas)
    return name, visible


def tab_to(page, target, limit: int = 80, back: bool = False, seen: bool = False) -> int:  # noqa: ANN001
    """Press Tab (Shift+Tab when ``back``) on ``page`` until the Locator ``target`` (or an element inside it) has the
    focus; every stop on the way shows its focus (and, when ``seen``, is in sight: ``out_of_sight``). Fails naming
    the stops when ``limit`` presses never reach it (a trap, or no way there). Returns the presses it took."""
    stops: list[str] = []
    for presses in range(1, limit + 1):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        name, visible = focused(page)
        # past the last control the focus leaves the page for the browser's own bar, then comes back at the top
        assert visible or name == PAST_THE_END, f"the focus on {name!r} cannot be seen (after {stops[-3:]})"
        hidden = out_of_sight(page) if seen and name != PAST_THE_END else ""
        assert not hidden, f"the focus on {name!r} is out of sight: {hidden} (after {stops[-3:]})"
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
  const what = (x) => x ? `${x.tagName} ${x.getAttribute('data-testid') || x.className || ''}`.trim() : 'nothing';
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
    can; a scroll the focus started is let finish (a quarter of a second)."""
    why = page.evaluate(_IN_SIGHT)
    for _ in range(5):
        if not why:
            return ""
        page.wait_for_timeout(50)
        why = page.evaluate(_IN_SIGHT)
    return why

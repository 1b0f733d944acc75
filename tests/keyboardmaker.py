"""Moving through a page with the keyboard alone, as a student who cannot use a mouse does: Tab (or Shift+Tab) until
a control has the focus, checking at every stop that the focus can be seen and is not held inside a frame."""

from __future__ import annotations

# The element that has the focus, through same-origin frames (a component's iframe holds its own), and whether it
# can be seen: it, or the nearest visible element around it (a visually hidden radio's label), draws an outline or
# a box shadow. Returns [description, visible].
_FOCUS = """() => {
  let doc = document, e = doc.activeElement;
  while (e && e.tagName === 'IFRAME') { try { doc = e.contentDocument; e = doc.activeElement; } catch (x) { break; } }
  if (!e || e === doc.body) return ['the page itself', false];
  const name = (e.tagName + ' ' + (e.getAttribute('aria-label') || e.innerText || e.value || '')).trim().slice(0, 60);
  for (let n = e, up = 0; n && up < 4; n = n.parentElement, up++) {
    const r = n.getBoundingClientRect(), s = getComputedStyle(n);
    if (r.width * r.height < 16) continue;
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1;
    return [name, outline || s.boxShadow !== 'none'];
  }
  return [name, false];
}"""


PAST_THE_END = "the page itself"


def focused(page) -> tuple[str, bool]:  # noqa: ANN001 - playwright Page
    """(what has the focus, whether a ring or shadow shows it)."""
    name, visible = page.evaluate(_FOCUS)
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


# Whether the focused element (through same-origin frames) can be seen where it is: the middle of it inside the
# window, and the element the browser draws there is it (or inside it, or around it), in its own frame and in each
# frame around that; else what covers it or where it is. Returns "" when seen.
_IN_SIGHT = """() => {
  let doc = document, e = doc.activeElement;
  while (e && e.tagName === 'IFRAME') { try { doc = e.contentDocument; e = doc.activeElement; } catch (x) { break; } }
  if (!e || e === doc.body) return 'the focus is on the page itself';
  let n = e;
  const area = (x) => x.getBoundingClientRect().width * x.getBoundingClientRect().height;
  while (n.parentElement && area(n) < 16) n = n.parentElement;
  const r = n.getBoundingClientRect();
  let x = r.left + r.width / 2, y = r.top + r.height / 2;
  for (let d = doc, el = n; ; ) {
    const w = d.defaultView;
    if (x < 0 || y < 0 || x > w.innerWidth || y > w.innerHeight)
      return `${el.tagName} is out of the window at ${Math.round(x)},${Math.round(y)}`;
    const hit = d.elementFromPoint(x, y);
    const what = hit ? `${hit.tagName} ${hit.getAttribute('data-testid') || hit.className || ''}` : 'nothing';
    if (!hit || !(hit === el || el.contains(hit) || hit.contains(el))) return `${el.tagName} is under ${what}`;
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

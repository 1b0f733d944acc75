"""What every page gets for keyboard and screen-reader users on top of the theme (.streamlit/config.toml), loaded
by app.py on every run: CSS (captions, focus rings, toolbars shown to the keyboard, reduced motion) and
``assistive.js`` (the live region that says Live's gesture and Record's take, names for the camera's video,
Streamlit's sidebar markup made valid); and ``focus_line``, for a page whose press removes the focused button.
docs/accessibility.md says what each part is for and how tests/test_browser_a11y.py checks it."""

from __future__ import annotations

import html
import json
import re
from functools import cache
from pathlib import Path

import streamlit as st

from ui.common import theme

# Streamlit draws a caption at 60 % opacity: a link or a bold word in one is faded with it (the link colour gave
# 2.8:1 there). A solid grey instead: 6.4:1 on white, 5.7:1 on the sidebar's #f0f2f6.
CAPTION_GREY = "#5c5f66"
# a focus ring on whatever the keyboard reaches, 2 px, the link blue (6.4:1 on white; WCAG asks 3:1 of it). A
# checkbox's, switch's or radio's input is visually hidden (Streamlit paints a box of its own beside it) and a field's
# input is clipped inside its painted box: their ring goes on the label or the box that holds them
FOCUS_RING = "#1f5fa8"
# A page link's words stay on one line, cut with an ellipsis where the column is narrower (Streamlit's style): at
# 320 px Home's next step read "Record at least two gestures (you hav". They wrap instead (the page_link CSS line).
# A table's or chart's toolbar (Show/hide columns, Download, Search, Fullscreen) is transparent until the pointer is
# over its element: Tab reached its buttons unseen. Shown while it holds the focus, where hovering shows it.
TOOLBAR_SHOWN_TOP = "-2.65rem"  # Streamlit's own place for it when shown (its ElementToolbar styles)
# Streamlit fades an element to a third of its colour while a run that will replace it goes on. The camera's panels
# (Live's cards and 3D view, Record's take lines) are fragments run again twice a second: on a busy server Streamlit
# 1.67 showed their words faded most of the time (a caption at 1.6:1), flickering. They stay at full colour.
LIVE_PANELS = ('[class*="st-key-live_"]', '[class*="st-key-record_"]')
CSS = f"""<style>
[data-testid="stCaptionContainer"] {{ opacity: 1; color: {CAPTION_GREY}; }}
:focus-visible {{ outline: 2px solid {FOCUS_RING} !important; outline-offset: 2px; }}
label:has(input:focus-visible) {{ outline: 2px solid {FOCUS_RING} !important; outline-offset: 2px; border-radius: 4px; }}
{theme.FOCUS_WITHIN} {{ outline: 2px solid {FOCUS_RING} !important; outline-offset: 2px; }}
.handteach-skip {{ position: fixed; left: 8px; top: -100px; z-index: 1000100; padding: 8px 12px; background: #ffffff;
  color: {FOCUS_RING}; font-weight: 600; border: 2px solid {FOCUS_RING}; border-radius: 4px; text-decoration: underline; }}
.handteach-skip:focus {{ top: 8px; }}
[data-testid="stElementToolbar"]:focus-within {{ opacity: 1 !important; top: {TOOLBAR_SHOWN_TOP} !important; }}
.stElementContainer:has(> [data-testid="stHtml"] > .handteach-assistive) {{ display: none; }}
{", ".join(f"{p}[data-stale='true'], {p} [data-stale='true']" for p in LIVE_PANELS)} {{ opacity: 1 !important; }}
[data-testid="stPageLink-NavLink"] span {{ white-space: normal !important; overflow: visible !important; }}
@media (prefers-reduced-motion: reduce) {{
  *, *::before, *::after {{ animation-duration: 0.01ms !important; animation-iteration-count: 1 !important;
    transition-duration: 0.01ms !important; scroll-behavior: auto !important; }}
}}
</style>"""


@cache
def _script() -> str:
    """assistive.js; Streamlit's sanitiser (DOMPurify) drops a script whose text holds "<" then a letter or "/"."""
    script = (Path(__file__).with_name("assistive.js")).read_text(encoding="utf-8")
    if re.search(r"<[/\w]", script):
        raise ValueError("assistive.js holds '<' before a letter or '/': Streamlit would drop it unrun")
    # its comments left out: the page's text is where the tests look for words a student should not read
    lines = ("" if line.lstrip().startswith("//") else re.sub(r"\s//\s.*$", "", line) for line in script.splitlines())
    return "\n".join(line for line in lines if line.strip())


def assist() -> None:
    """The CSS and the script, each run (an unchanged element is not drawn again; the script guards itself), and the
    contrast theme's switch in the sidebar (``ui.common.theme``)."""
    st.html(CSS + theme.CSS)
    theme.switch()
    # Streamlit's sanitiser (DOMPurify) moves a leading <script> to the head it then drops: an empty element first,
    # which CSS above also uses to take the script's element out of the page's flow (it would add a gap)
    st.html(
        f'<span hidden class="handteach-assistive"></span><script>{_script()}</script>', unsafe_allow_javascript=True
    )


# Moves the focus to the line in the container of key ``key`` (made focusable for it), once the line is drawn, if
# the focus was left nowhere (on the page itself, or on an element the run has removed, or on one in ``gone``, the
# container about to be removed), else leaves it where it is. A few tries: the line may come a frame after the script.
_FOCUS_LINE = """(() => {
  const key = %s, gone = %s;
  let tries = 0;
  const go = () => {
    const line = document.querySelector(`.st-key-${key} [data-testid="stAlert"]`);
    if (!line) { if (tries++ < 40) setTimeout(go, 50); return; }
    const now = document.activeElement;
    const lost = !now || now === document.body || !now.isConnected || (gone && now.closest(`.st-key-${gone}`));
    if (!lost) return;
    line.tabIndex = -1;
    line.focus();
  };
  go();
})();"""


def focus_line(key: str, gone: str = "") -> None:
    """After a press that removes the focused button with its panel (the cards' *Done*): the focus goes to the line
    said in its place, in the container of key ``key`` (a screen reader reads it; the next Tab goes on from there),
    instead of falling to the page, where nothing shows it. Streamlit's Python API cannot move the focus."""
    script = _FOCUS_LINE % (json.dumps(key), json.dumps(gone))
    st.html(f'<span hidden class="handteach-assistive"></span><script>{script}</script>', unsafe_allow_javascript=True)


def emoji_words(words: dict[str, str]) -> None:
    """Words for emoji a caption shows alone ({"👍": "thumbs up"}: Train's wrong samples' "👍 → ✋"), which
    assistive.js says in the pictures' names where it would otherwise drop the emoji; an element of no size."""
    known = html.escape(json.dumps({emoji: said for emoji, said in words.items() if emoji}, ensure_ascii=False))
    st.html(f'<span hidden class="handteach-assistive" data-emoji-words="{known}"></span>')

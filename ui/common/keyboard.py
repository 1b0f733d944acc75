"""What every page gets for a keyboard user beyond ``ui.common.assistive``'s focus rings, loaded by app.py on every
run: ``keyboard.js``, which keeps the focus where a press left it when the page runs again (or moves it to the line
that says what the press did), makes a gallery sample one Tab stop, turns the 3D view by keys and names the stops
that said nothing; and CSS for rings their element clipped. docs/accessibility.md says what each part is for;
tests/test_keyboard_focus.py and the keyboard walks (test_browser_student_keys, test_browser_teacher_keys) check it."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import streamlit as st

from ui.common.assistive import FOCUS_RING
from ui.common.theme import RING

# The 3D view's chart sits in an element that clips what is drawn outside it (overflow: auto): its focus ring goes
# on that element instead, drawn as the page's ring is (ui/common/assistive.py) and the contrast theme's (theme.py)
_CLIPPED_FOCUS = '.stElementContainer:has([data-testid="stPlotlyChart"][role="application"]:focus-visible)'
# a text area's box fills its element, which clipped the box's ring but for its top edge: the ring round the element
_CLIPPED_FOCUS += ', .stElementContainer:has(> [data-testid="stTextArea"] textarea:focus-visible)'
CSS = f"""<style>
{_CLIPPED_FOCUS} {{ outline: 2px solid {FOCUS_RING}; outline-offset: 2px; }}
html[data-handteach-contrast="on"] :is({_CLIPPED_FOCUS}) {{ outline: 3px solid {RING}; }}
</style>"""


@cache
def _script() -> str:
    """keyboard.js without its comments (the page's text is where tests look for words a student should not read);
    Streamlit's sanitiser (DOMPurify) drops a script whose text holds "<" then a letter or "/"."""
    script = (Path(__file__).with_name("keyboard.js")).read_text(encoding="utf-8")
    if re.search(r"<[/\w]", script):
        raise ValueError("keyboard.js holds '<' before a letter or '/': Streamlit would drop it unrun")
    lines = ("" if line.lstrip().startswith("//") else re.sub(r"\s//\s.*$", "", line) for line in script.splitlines())
    return "\n".join(line for line in lines if line.strip())


def keys() -> None:
    """The script, each run (an unchanged element is not drawn again; the script guards itself). The empty element
    first: Streamlit's sanitiser moves a leading <script> to the head it then drops, and assistive's CSS takes an
    element holding it out of the page's flow."""
    st.html(
        f'{CSS}<span hidden class="handteach-assistive"></span><script>{_script()}</script>',
        unsafe_allow_javascript=True,
    )

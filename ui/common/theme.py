"""The contrast theme: a student switches it on in the sidebar of any page (*High contrast*), or their browser asks
for it (``prefers-contrast: more``, or forced colours, Windows' contrast themes). The switch is remembered in the
browser's localStorage (``STORAGE_KEY``), like the hand model a slow device was found to need (frontend/src/pace.js):
a student's school account has no settings of its own, and a choice about how a screen looks belongs to the screen.

Every rule of ``CSS`` applies only under ``html[data-handteach-contrast="on"]``, which ``assistive.js`` sets from the
switch (and, until a student chooses, from the browser's settings), so the default theme (.streamlit/config.toml)
is untouched. In it every text is at least 7:1 on what it is drawn on (WCAG's AAA) and every other thing a student
must see (a control's edge, a bar's fill, the focus ring) at least 4.5:1: ``TEXT_PAIRS`` and ``EDGE_PAIRS`` list what
is drawn on what, and tests/test_theme_contrast.py computes each and checks that ``CSS`` uses no colour they omit.
"""

from __future__ import annotations

import streamlit as st

KEY = "contrast_theme"
LABEL = "High contrast"
HELP = "Black text on white, dark edges on every control, a thick focus ring. Remembered in this browser."
STORAGE_KEY = "handteach.contrast"  # "on" or "off": the student's choice; absent: the browser's setting decides

PAGE = "#ffffff"  # the page, the sidebar, alerts, fields
TEXT = "#000000"  # every text, captions and faded text included
PRIMARY = "#0a4d27"  # a primary button, a chosen control, a bar's fill: the theme's green, darkened
ON_PRIMARY = "#ffffff"
LINK = "#0b3a80"
EDGE = "#000000"  # a field's, a button's, a box's, a switch's edge
RING = "#000000"  # the focus ring: 3 px, 2 px out from the control

TEXT_PAIRS = {  # text on its background: at least 7:1
    "text on the page": (TEXT, PAGE),
    "white on a primary button": (ON_PRIMARY, PRIMARY),
    "a link": (LINK, PAGE),
}
EDGE_PAIRS = {  # what is not text, on what is around it: at least 4.5:1
    "a control's edge on the page": (EDGE, PAGE),
    "a primary button on the page": (PRIMARY, PAGE),
    "a bar's fill on its track": (PRIMARY, PAGE),
    "a switch's knob on its track when on": (ON_PRIMARY, PRIMARY),
    "the focus ring on the page": (RING, PAGE),
}

_ON = 'html[data-handteach-contrast="on"]'
# Streamlit's fields: the painted box round each input (the input itself is clipped inside it, so its own outline
# does not show)
FIELDS = (
    '[data-testid="stTextInputRootElement"], [data-testid="stTextAreaRootElement"], '
    '[data-testid="stNumberInputContainer"], [data-testid="stSelectbox"] [role="group"], '
    '[data-testid="stMultiSelect"] [role="group"], [data-testid="stDateInputField"]'
)
FOCUS_WITHIN = ", ".join(f"{field}:focus-within" for field in FIELDS.split(", "))
# (selectors, declarations): Streamlit colours its parts with generated classes, so the rules name its data-testids,
# its roles and BaseWeb's data attributes; each selector is put under _ON
_RULES = (
    (
        '.stApp, [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stBottomBlockContainer"]',
        f"background-color: {PAGE} !important",
    ),
    (".stApp, .stApp *", f"color: {TEXT} !important"),
    (".stApp a, .stApp a *", f"color: {LINK} !important; text-decoration: underline !important"),
    (
        '[data-testid="stCaptionContainer"], [data-testid="stWidgetLabel"], .stApp p, .stApp small',
        "opacity: 1 !important",
    ),
    (".stApp ::placeholder", f"color: {TEXT} !important; opacity: 1 !important"),
    ('[data-testid="stSidebar"]', f"border-right: 2px solid {EDGE} !important"),
    (
        'button[kind="primary"], button[kind="primary"]:hover',
        f"background-color: {PRIMARY} !important; border: 2px solid {PRIMARY} !important",
    ),
    ('button[kind="primary"], button[kind="primary"] *', f"color: {ON_PRIMARY} !important"),
    (
        '.stApp button:not([kind="primary"])',
        f"border: 2px solid {EDGE} !important; background-color: {PAGE} !important",
    ),
    (
        f'{FIELDS}, [data-testid="stFileUploaderDropzone"], [data-testid="stExpander"] details, '
        '[data-testid="stAlert"] > div',
        f"border: 2px solid {EDGE} !important; background-color: {PAGE} !important",
    ),
    (", ".join(f"{field} *" for field in FIELDS.split(", ")), f"background-color: {PAGE} !important"),
    # a checkbox's box, a switch's track, a radio's circle: the first painted part of each option's label
    (
        '[data-testid="stCheckbox"] label > div:first-of-type, [data-testid="stRadioOption"] > div:first-of-type div:empty',
        f"border: 2px solid {EDGE} !important",
    ),
    (
        '[data-testid="stCheckbox"] label:has(input:checked) > div:first-of-type',
        f"background-color: {PRIMARY} !important",
    ),
    # a switch's knob when off: black on the white track (Streamlit's white knob on a pale grey track said nothing)
    (
        '[data-testid="stCheckbox"] label:has(input[role="switch"]:not(:checked)) > div:first-of-type > div',
        f"background-color: {EDGE} !important",
    ),
    (
        '[data-testid="stCheckbox"] label:has(input:checked) > div:first-of-type > div',
        f"background-color: {ON_PRIMARY} !important",
    ),
    ('[data-testid="stProgressBarTrack"]', f"background-color: {PAGE} !important; border: 2px solid {EDGE} !important"),
    ('[data-testid="stProgressBarTrack"] > div', f"background-color: {PRIMARY} !important"),
    (
        '[role="slider"]',
        f"background-color: {PRIMARY} !important; box-shadow: 0 0 0 2px {ON_PRIMARY}, 0 0 0 4px {EDGE}",
    ),
    (
        f":focus-visible, label:has(input:focus-visible), {FOCUS_WITHIN}",
        f"outline: 3px solid {RING} !important; outline-offset: 2px",
    ),
)
CSS = (
    "<style>\n"
    + "".join(
        f"{', '.join(f'{_ON} {s.strip()}' for s in selectors.split(', '))} {{ {body}; }}\n"
        for selectors, body in _RULES
    )
    + "</style>"
)


def switch() -> None:
    """The sidebar's switch, on every page; assistive.js keeps it and the browser's localStorage in step and sets
    the page's theme from it (the server knows it too, for the server path's drawing: ``on``)."""
    st.sidebar.toggle(LABEL, key=KEY, help=HELP)


def on() -> bool:
    """Whether this session's student has the contrast theme on."""
    return bool(st.session_state.get(KEY, False))

"""One *More* switch a page: the expert choices stay out of a student's sight until it is on (issue 64, item 7).

What a 12-year-old does not read sits behind it: the keypoint networks of a new project (CPM, ResNet-deconv),
Record's CSV import, Train's downloads (ONNX, CSV, kinivi) and its keypoint-model fine-tuning, Live's outputs (OSC,
WebSocket) and its CPM panel, and the sidebar's choice of where the hands are found (this browser or the server).
It is the same for everyone, a class or one person alone, and off on a page's first visit; once switched on it
stays on for the browser session (``persist_state``). A switch, not an expander: the panels behind it are
expanders themselves, and Streamlit nests none in another.

A page reads ``more_on`` before it draws its switch where something it governs comes first (the sidebar's choice,
Record's source list): the switch's value is in the session state from the run its click started.
"""

from __future__ import annotations

import streamlit as st

LABEL = "More"
HELP = (
    "Expert choices: other networks that find a hand's points, files for other programs, outputs, where the "
    "hands are found"
)  # its tooltip is read before More is on: none of the words it hides


def key(page: str) -> str:
    """The switch's key on ``page`` ("home", "record", "train", "live")."""
    return f"{page}_more"


def more_on(page: str) -> bool:
    """Whether ``page``'s switch is on, readable before it is drawn in this run."""
    return bool(st.session_state.get(key(page), False))


def more_switch(page: str) -> bool:
    """The switch itself, drawn where the page wants it; True when on."""
    return st.toggle(LABEL, key=key(page), help=HELP, persist_state="session")

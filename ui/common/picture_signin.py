"""Picture passwords on the sign-in form (``core.classes.pictures``): a student who turns on "I sign in with
pictures" taps three pictures, first, second, third, where others type a password. A student given two pictures
before (issue 63 made new ones three) taps their two and leaves the third row empty. Nothing on the form says
which students have pictures, nor how many: a name's kind of password is not told to whoever types it."""

from __future__ import annotations

import streamlit as st

from core.classes.pictures import EMOJI, HOW_MANY, PICTURES, picture_secret

CHOOSE_BOTH = "Tap your pictures in order: the first one, then the second one, then the third one."
LABELS = ("First picture", "Second picture", "Third picture")
TOGGLE_KEY = "signin_pictures"


def wanted() -> bool:
    """The switch above the form (outside it: the form shows pictures as soon as it is turned on)."""
    return st.toggle("I sign in with pictures", key=TOGGLE_KEY)


def fields() -> str | None:
    """Inside the form: a row of picture buttons per picture; the password text they spell, None until the first
    two are tapped (or when the third is tapped without the second)."""
    names = [name for name, _ in PICTURES]
    chosen = [
        st.segmented_control(label, names, format_func=EMOJI.__getitem__, key=f"signin_picture_{i}")
        for i, label in enumerate(LABELS[:HOW_MANY])
    ]
    if not (chosen[0] and chosen[1]):
        return None
    return picture_secret(*(c for c in chosen if c))

"""Picture passwords on the sign-in form (``core.classes.pictures``): a student who turns on "I sign in with
pictures" taps two pictures, first then second, where others type a password. Nothing on the form says which
students have pictures: a name's kind of password is not told to whoever types it."""

from __future__ import annotations

import streamlit as st

from core.classes.pictures import EMOJI, PICTURES, picture_secret

CHOOSE_BOTH = "Tap your two pictures: the first one, then the second one."


def wanted() -> bool:
    """The switch above the form (outside it: the form shows pictures as soon as it is turned on)."""
    return st.toggle("I sign in with pictures", key="signin_pictures")


def fields() -> str | None:
    """Inside the form: two rows of picture buttons; the password text they spell, None until both are tapped."""
    names = [name for name, _ in PICTURES]
    chosen = [
        st.segmented_control(label, names, format_func=EMOJI.__getitem__, key=f"signin_picture_{i}")
        for i, label in enumerate(("First picture", "Second picture"))
    ]
    return picture_secret(*chosen) if all(chosen) else None

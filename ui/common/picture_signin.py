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
_KEPT = "signin_pictures_kept"  # the switch as last drawn: a widget's state goes while it is not drawn, and on sign-out


def wanted() -> bool:
    """The switch above the form (outside it: the form shows pictures as soon as it is turned on). It comes back
    as it was left in this tab, across a sign-out too (``kept``): at a shared computer a class of picture students
    turned it on again for each of them (a class walkthrough). That it is on says only that someone at this
    computer used pictures before, not who, nor who else has them."""
    on = st.toggle("I sign in with pictures", value=is_on(), key=TOGGLE_KEY)
    st.session_state[_KEPT] = on
    return on


def is_on() -> bool:
    """Whether the switch is on, before it is drawn this run (the form's first line names the kind of password)."""
    return bool(st.session_state.get(TOGGLE_KEY, st.session_state.get(_KEPT, False)))


def kept() -> dict[str, bool]:
    """What a sign-out, which clears the session, puts back: the switch's last state in this tab."""
    return {_KEPT: bool(st.session_state[_KEPT])} if _KEPT in st.session_state else {}


def fields() -> str | None:
    """Inside the form: a row of picture buttons per picture; the password text they spell, None until the first
    two are tapped (or when the third is tapped without the second)."""
    names = [name for name, _ in PICTURES]
    chosen = [
        st.segmented_control(label, names, format_func=_shown, key=f"signin_picture_{i}")
        for i, label in enumerate(LABELS[:HOW_MANY])
    ]
    if not (chosen[0] and chosen[1]):
        return None
    return picture_secret(*(c for c in chosen if c))


def _shown(name: str) -> str:
    """A picture's button: the picture and its word ("🐶 dog"), the word a screen reader says and the teacher reads
    out; an emoji alone was read by its Unicode name ("dog face") or not at all."""
    return f"{EMOJI[name]} {name}"

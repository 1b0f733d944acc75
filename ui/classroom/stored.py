"""Home's *What is stored* line for a signed-in student (``core.classes.retention.what_is_stored``)."""

from __future__ import annotations

import streamlit as st

from core.classes.retention import what_is_stored
from core.classes.roster import class_by_id
from core.data.sql.schema import NotFoundError
from ui.common import signin, state


def what_is_stored_line() -> None:
    """The line for a signed-in student; nothing for a teacher or with no class on the server."""
    viewer = signin.signed_in()
    if viewer is None or viewer.role != "student":
        return
    try:
        school_class = class_by_id(state.store(), viewer.class_id)
    except NotFoundError:  # the class ended meanwhile: the next click is the sign-in form
        return
    st.caption(what_is_stored(school_class))  # our words and numbers only: nothing typed by anyone

"""The Class page's *Let a student in now*: the teacher forgets the failed sign-ins at a student's name
(``core.classes.signin.unlock``, as ``python -m core class unlock``), so a student slowed by someone else's wrong
tries signs in at once from any browser."""

from __future__ import annotations

import streamlit as st

from core.classes.overview import StudentLine
from core.classes.roster import SchoolClass
from core.classes.signin import unlock
from core.data.sql.schema import StoreError
from core.data.store import Store
from ui.common.text import plain


def unlock_panel(store: Store, school_class: SchoolClass, students: list[StudentLine]) -> None:
    names = [s.account.name for s in students]
    with st.form("classroom_unlock"):
        # options are plain text (no Markdown): the names as typed
        name = st.selectbox(
            "Student who cannot sign in", names, index=None, placeholder="Choose a student", key="classroom_unlock_name"
        )
        pressed = st.form_submit_button("Let in now", disabled=not names)
    if not pressed:
        return
    if name is None:
        st.error("Choose a student first.")
        return
    try:
        forgotten = unlock(store, school_class.name, name)
    except StoreError as exc:
        st.error(plain(str(exc)))
        return
    st.text(f"{name} can sign in at once: {forgotten:,} failed sign-in(s) forgotten.")  # st.text: the name as typed

"""The Class page's forms that change the students: *Add students* (a pasted list, all or nothing), *New passwords*
(one student or the whole class) and *Rename a student*, each through ``core.classes.batch``.

A list that is refused says one line per name and adds nobody; the text stays in the box to be fixed. What was
added or reset goes to the cards waiting to be printed (``ui.classroom.cards_panel``). Each form starts empty
again after a change (``fresh_key``: new widget keys), so a second press does not repeat it on the next student.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from core.classes.batch import MAX_NAMES, BatchError, add_students, new_passwords, rename_student
from core.classes.overview import StudentLine
from core.classes.roster import SchoolClass
from core.data.sql.schema import StoreError
from core.data.store import Store
from ui.classroom import cards_panel
from ui.common.text import plain

_SAID_AT = "classroom_said_at"  # (form, lines) left by the last change: shown once, under that form
_GENERATION = "classroom_form_generation"  # bumped after each change: every form's widgets start afresh
KINDS = {"letters": "Letters and digits (abcd-2345)", "pictures": "Pictures (for young students)"}


def fresh_key(name: str) -> str:
    """A widget key that changes after each change of the roster: the form it is in starts empty."""
    return f"{name}_{st.session_state.get(_GENERATION, 0)}"


def done(form: str, lines: list[str]) -> None:
    """A change went through: said once under its form (where the teacher is looking), every form afresh, the
    page again."""
    st.session_state[_GENERATION] = st.session_state.get(_GENERATION, 0) + 1
    st.session_state[_SAID_AT] = (form, lines)
    st.rerun()


def said_here(form: str) -> None:
    """What the last change of ``form`` left to say, once."""
    where, lines = st.session_state.get(_SAID_AT, (None, []))
    if where == form:
        st.session_state.pop(_SAID_AT)
        st.success("\n\n".join(plain(line) for line in lines))


def _kind(key: str) -> bool:
    """The password kind radio; True for pictures."""
    chosen = st.radio("Passwords", list(KINDS), format_func=KINDS.__getitem__, horizontal=True, key=fresh_key(key))
    return chosen == "pictures"


def add_panel(store: Store, school_class: SchoolClass) -> None:
    """A box for names, one a line (a late student: one line), and the password kind."""
    with st.form("classroom_add"):
        text = st.text_area(f"Names, one a line (up to {MAX_NAMES})", key=fresh_key("classroom_add_names"), height=150,
                            placeholder="Paste or type the names here, one a line", max_chars=20_000)  # fmt: skip
        pictures = _kind("classroom_add_kind")
        pressed = st.form_submit_button("Add students", icon="➕")
    said_here("add")
    if not pressed:
        return
    try:
        added = add_students(store, school_class.name, text or "", pictures=pictures)
    except BatchError as exc:
        st.error("\n\n".join(plain(line) for line in exc.lines))
        return
    except StoreError as exc:
        st.error(plain(str(exc)))
        return
    cards_panel.keep(added.handouts)
    count = len(added.handouts)
    done("add", [f"Added {count} student{'s' if count != 1 else ''}: their sign-in cards are below, to print now.",
                 *added.merged])  # fmt: skip


def passwords_panel(store: Store, school_class: SchoolClass, students: list[StudentLine]) -> None:
    """A new password (and card) for one student; below, folded, new ones for every student, with a box to tick:
    the whole class's old passwords stop and everyone signed in is signed out."""
    names = [s.account.name for s in students]
    with st.form("classroom_password"):
        name = st.selectbox("Student who needs one", names, index=None, placeholder="Choose a student",
                            key=fresh_key("classroom_password_name"))  # plain text: the names as typed  # fmt: skip
        pictures = _kind("classroom_password_kind")
        pressed = st.form_submit_button("Make a new password and card", disabled=not names)
    said_here("password")
    if pressed and name is None:
        st.error("Choose a student first: nobody's password was changed.")
    elif pressed:
        _new_passwords(store, school_class, [name], pictures)
    with st.expander("🖨 Cards for the whole class (a new password for everyone)"):
        with st.form("classroom_everyone"):
            everyone_pictures = _kind("classroom_everyone_kind")
            sure = st.checkbox("Every student's old password stops, and everyone signed in now is signed out",
                               key=fresh_key("classroom_everyone_sure"))  # fmt: skip
            everyone = st.form_submit_button("New passwords and cards for everyone", disabled=not names)
        said_here("everyone")
    if everyone and not sure:
        st.error("Tick the box first: nobody's password was changed.")
    elif everyone:
        _new_passwords(store, school_class, None, everyone_pictures)


def _new_passwords(store: Store, school_class: SchoolClass, names: list[str] | None, pictures: bool) -> None:
    try:
        handouts = new_passwords(store, school_class.name, names, pictures=pictures)
    except StoreError as exc:
        st.error(plain(str(exc)))
        return
    cards_panel.keep(handouts)
    kind = "pictures" if pictures else "passwords" if names is None else "password"
    if names is None:
        done("everyone", [f"New {kind} for all {len(handouts)} students: their cards are below, to print now; the "
                          "old ones no longer work."])  # fmt: skip
    done("password", [f"New {kind} for {handouts[0].name!r}: the card is below, to print now; the old password no "
                      "longer works."])  # fmt: skip


def rename_panel(store: Store, school_class: SchoolClass, students: list[StudentLine]) -> None:
    names = [s.account.name for s in students]
    with st.form("classroom_rename"):
        name = st.selectbox("Student to rename", names, index=None, placeholder="Choose a student",
                            key=fresh_key("classroom_rename_name"))  # plain text: no escapes  # fmt: skip
        new_name = st.text_input("New name", max_chars=100, key=fresh_key("classroom_rename_new"))
        pressed = st.form_submit_button("Rename", disabled=not names)
    said_here("rename")
    if not pressed:
        return
    if name is None:
        st.error("Choose a student first: nobody was renamed.")
        return
    try:
        account = rename_student(store, school_class.name, name, new_name)
    except StoreError as exc:
        st.error(plain(str(exc)))
        return
    waiting = {h.name: h for h in cards_panel.waiting()}
    if name in waiting:  # a card not yet printed: it names them as they sign in now
        cards_panel.forget([name])
        cards_panel.keep([replace(waiting[name], name=account.name)])
    done("rename", [f"{name!r} is {account.name!r} now: they sign in with this name; their projects and password "
                    "stay."])  # fmt: skip

"""The Class page's panels: the students and their projects, deleting a student, pictures of hands, ending the
class (adding, renaming and new passwords: ``ui.classroom.roster_forms``; the cards: ``ui.classroom.cards_panel``).

Only the class's signed-in teacher passes ``teacher_or_stop``; everyone else gets one line. Every change goes
through ``core.classes`` on the server's store with no viewer (the teacher's own tool, like ``python -m core
class``) after that check. What a change leaves to say (a receipt) is kept in the session and shown once above
the panels, so a rerun does not lose it. Deleting a student asks for the student, a ticked box and their name
typed again, each time afresh: a second press after a deletion deletes nobody (issue 64).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.classes.access import Viewer
from core.classes.hand_paths import HAND_PATHS
from core.classes.names import same_name_key
from core.classes.overview import StudentLine
from core.classes.removal import Receipt, delete_student, end_class
from core.classes.retention import change_rules
from core.classes.roster import MAX_RETENTION_DAYS, SchoolClass, class_by_id
from core.data.project_games import projects_with_games
from core.data.sql.schema import NotFoundError, StoreError
from core.data.store import Store
from ui.classroom import cards_panel
from ui.classroom.roster_forms import done, fresh_key, said_here
from ui.common import signin, state, widgets
from ui.common.dates import brief_time
from ui.common.figures import saved_kfold
from ui.common.text import plain
from ui.jobs import pool

NOT_TEACHER = "This page is for the class's teacher."
NOT_MEASURED = "not measured"  # the roster's cell; the line under the table says why and how to get one
NOT_MEASURED_WHY = (
    "Accuracy: Train checks a model's after each training; the check stops when the student leaves "
    'the page before it ends ("not measured"). Training again there and staying until it is done '
    "measures it."
)
_SAID = "classroom_said"  # (kind, lines) left by the last change, shown once
DELETE_BUTTON, END_BUTTON = "classroom_delete_go", "classroom_end_go"
# destructive in red, not the page's main colour (Streamlit gives a keyed element the class st-key-<key>)
_DESTRUCTIVE_CSS = "<style>" + "".join(f"""
.st-key-{key} button {{ color: #b71c1c; border-color: #b71c1c; }}
.st-key-{key} button:hover {{ color: #fff; background: #b71c1c; border-color: #b71c1c; }}""" for key in (
    DELETE_BUTTON, END_BUTTON)) + "\n</style>"  # fmt: skip


def teacher_or_stop() -> tuple[Store, SchoolClass]:
    """The server's store (no viewer) and the signed-in teacher's class; one line and ``st.stop`` for anyone else."""
    viewer: Viewer | None = signin.signed_in()
    if viewer is None or viewer.role != "teacher":
        st.error(NOT_TEACHER)
        st.stop()
    store = Store(state.store().data_dir)  # the teacher's own tool: checked above, then every account of the class
    try:
        return store, class_by_id(store, viewer.class_id)
    except NotFoundError as exc:
        st.error(str(exc))
        st.stop()
        raise


def accuracy_text(project: str) -> str:
    """The saved model's k-fold figure (the sidebar's), "not measured", or "not trained" for a project."""
    summary = state.model_summary(project)
    if not summary or "error" in summary:
        return "not trained"
    figure = saved_kfold(summary)
    return NOT_MEASURED if figure is None else f"{figure.share:.0%}"


def hands_found(account_id: int) -> str:
    """Where the student's Record or Live last found hands (core.classes.hand_paths), why the server where it was
    not their choice, and when; "" before either page ran since the server started."""
    seen = HAND_PATHS.of(account_id)
    if seen is None:
        return ""
    when = brief_time(seen.at)
    if seen.path == "browser":
        return f"their browser · {when}"
    return f"the server · {seen.reason or 'chosen'} · {when}"


# px: the six columns in the 820 px a 1280 px window leaves beside the sidebar (sized by their contents, "hands
# found" lay past its right edge); the dates in them are short (``brief_time``), a longer cell ends in "…"
ROSTER_WIDTHS = {"student": 90, "project": 150, "samples": 64, "accuracy": 110, "last activity": 120,
                 "hands found": 270}  # fmt: skip
ROSTER_ROOM = 820


def roster_table(students: list[StudentLine]) -> None:
    """One row a project (a student with none gets one row too): names as typed, in a table (never Markdown)."""
    rows = []
    for student in students:
        seen = brief_time(student.last_activity) or "never signed in"
        for project in student.projects or (None,):
            rows.append({
                "student": student.account.name,
                "project": "" if project is None else project.name,
                "samples": 0 if project is None else project.samples,
                "accuracy": "" if project is None else accuracy_text(project.name),
                "last activity": seen,
                "hands found": hands_found(student.account.id),
            })  # fmt: skip
    if not rows:
        st.info("No students yet: add them below (Add students), one name a line.")
        return
    # on a phone (390 px) four of six columns fit: the name stays pinned while the others scroll beside it
    columns = {name: st.column_config.Column(width=width) for name, width in ROSTER_WIDTHS.items()}
    columns["student"] = st.column_config.TextColumn(pinned=True, width=ROSTER_WIDTHS["student"])
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="classroom_roster", column_config=columns)
    st.caption(NOT_MEASURED_WHY)  # always there: a line that came and went moved the forms under it


def open_buttons(students: list[StudentLine]) -> None:
    """A button a project: it becomes this session's project and opens on Home, to look at (``widgets.look_only``)."""
    for i, (student, project) in enumerate((s, p) for s in students for p in s.projects):
        if st.button(plain(f"{student.account.name}: {project.name}"), icon="👀", key=f"classroom_open_{i}"):
            state.set_project(project.name)
            st.switch_page(widgets.PAGES["home"])


def game_buttons(store: Store, students: list[StudentLine]) -> None:
    """A button a student's game (``core.data.project_games``): its project becomes this session's and opens on Make,
    to show the class; the teacher's session cannot save into it (the page says so)."""
    lines = [(s, p) for s in students for p in s.projects]
    with_games = set(projects_with_games(store, [p.name for _, p in lines]))
    shown = [(s, p) for s, p in lines if p.name in with_games]
    if not shown:
        st.caption("No student has saved a game yet: a game saved with *Save to my project* on Make shows here.")
    for i, (student, project) in enumerate(shown):
        if st.button(plain(f"{student.account.name}: {project.name}"), icon="🎮", key=f"classroom_game_{i}"):
            state.set_project(project.name)
            st.switch_page(widgets.PAGES["make"])


def show_said() -> None:
    kind, lines = st.session_state.pop(_SAID, (None, []))
    if kind == "receipt":
        st.success("\n\n".join(plain(line) for line in lines))


def _say(kind: str, lines: list[str]) -> None:
    st.session_state[_SAID] = (kind, lines)
    st.rerun()


def delete_panel(store: Store, school_class: SchoolClass, students: list[StudentLine]) -> None:
    """No student chosen, no box ticked, no name typed: each deletion asks all three again (the form's keys are new
    after each change, ``roster_forms.fresh_key``), and the button is red, not the page's main colour."""
    names = [s.account.name for s in students]
    with st.form("classroom_delete"):
        name = st.selectbox("Student to delete", names, index=None, placeholder="Choose a student",
                            key=fresh_key("classroom_delete_name"))  # a select box shows plain text  # fmt: skip
        sure = st.checkbox("Delete this student, their projects, samples, pictures and models for good",
                           key=fresh_key("classroom_delete_sure"))  # fmt: skip
        typed = st.text_input("Type their name once more", max_chars=200, key=fresh_key("classroom_delete_typed"))
        pressed = st.form_submit_button("Delete student", icon="🗑️", disabled=not names, key=DELETE_BUTTON)
    st.html(_DESTRUCTIVE_CSS)
    said_here("delete")
    if not pressed:
        return
    problem = _why_not_delete(name, sure, typed)
    if problem:
        st.error(problem)
        return
    try:
        receipt: Receipt = delete_student(store, school_class.name, name, runner=pool.runner())  # their jobs stop
    except StoreError as exc:
        st.error(plain(str(exc)))
        return
    HAND_PATHS.forget(next(s.account.id for s in students if s.account.name == name))  # an id SQLite may give again
    cards_panel.forget([name])
    done("delete", receipt.lines())


def _why_not_delete(name: str | None, sure: bool, typed: str) -> str:
    """What is missing before a deletion, in one line ("" when nothing is)."""
    if name is None:
        return "Choose a student first: nobody was deleted."
    if not sure:
        return "Tick the box first: deleting cannot be undone."
    if same_name_key(typed.strip() or " ") != same_name_key(name):
        return "The name typed is not the chosen student's: nobody was deleted."
    return ""


def pictures_panel(store: Store, school_class: SchoolClass) -> None:
    """The class's rules for pictures of hands: kept or not, and for how many days (``core.classes.retention``)."""
    with st.form("classroom_pictures"):
        keep = st.checkbox("Keep small pictures of the students' hands (otherwise only the positions of their "
                           "points: keypoints)", value=school_class.crops_allowed, key="classroom_keep_crops",
                           help="Turning this off deletes every picture the class has now; the keypoints stay.")  # fmt: skip
        days = st.number_input("Delete each picture this many days after it was taken", min_value=1,
                               max_value=MAX_RETENTION_DAYS, value=school_class.retention_days, step=1,
                               key="classroom_retention")  # fmt: skip
        pressed = st.form_submit_button("Save")
    if not pressed:
        return
    try:
        changed, gone = change_rules(store, school_class.name, int(days), bool(keep))
    except StoreError as exc:
        st.error(plain(str(exc)))
        return
    kept = (f"pictures of hands kept, each deleted {changed.retention_days} days after it was taken"
            if changed.crops_allowed else "no pictures of hands kept, keypoints only")  # fmt: skip
    _say("receipt", [f"Saved: {kept}.", *([f"Deleted {gone:,} picture(s) of hands; their keypoints stay."]
                                          if gone else [])])  # fmt: skip


def end_panel(store: Store, school_class: SchoolClass) -> None:
    """Typing the class's name, then the button: everything of the class goes, the teacher's account too."""
    with st.form("classroom_end"):
        typed = st.text_input("Type the class's name to end it", max_chars=200, key="classroom_end_name")
        pressed = st.form_submit_button("End the class and delete everything of it", key=END_BUTTON)  # red, not green
    st.html(_DESTRUCTIVE_CSS)
    if not pressed:
        return
    if typed != school_class.name:
        st.error("That is not the class's name: nothing was deleted.")
        return
    try:
        receipt = end_class(store, school_class.name, runner=pool.runner())
    except StoreError as exc:
        st.error(plain(str(exc)))
        return
    # the teacher's account went too: no rerun (it would be the sign-in form); the receipt and nothing else
    st.success("\n\n".join(plain(line) for line in ["The class has ended.", *receipt.lines()]))
    st.stop()

"""Class: the teacher's page (only a signed-in teacher has it in the navigation; anyone else gets one line): the
students, their projects, samples, accuracy and last activity; a list of names added as students with sign-in
cards to print; a new password (and card), a rename; a project opened to look at; the site's servers and job queue;
a student deleted with a receipt; the class's pictures of hands; the class ended."""

import streamlit as st

from core.classes.overview import class_overview
from ui.classroom import cards_panel, limits_panel, panels, roster_forms, site_panel
from ui.classroom.unlock_panel import unlock_panel
from ui.common.text import plain

st.title("🏫 Class")
store, school_class = panels.teacher_or_stop()
st.text(f"{school_class.name} · class code {school_class.code}")  # st.text: the class's name as typed
with st.container():  # always drawn: a receipt that comes and goes in it moves nothing below
    panels.show_said()
students = class_overview(store, school_class.id)
st.header("Students")
panels.roster_table(students)
with st.expander("👀 Look at a student's project (it opens on Home; nothing in it can be changed)"):
    panels.open_buttons(students)
with st.expander("🎮 Show a student's game (it opens on Make; nothing you do there is saved into it)"):
    panels.game_buttons(store, students)
st.header("Servers")
st.caption("The servers running handteach and their jobs: why a training may wait its turn.")
site_panel.site_panel(store)
left, right = st.columns(2)
with left:
    st.header("Add students")
    st.caption("Each gets a made-up password, printed on a sign-in card right away: only then can it be shown.")
    roster_forms.add_panel(store, school_class)
with right:
    st.header("New password")
    st.caption("For a student who lost theirs: a new card to print; their old password stops working.")
    roster_forms.passwords_panel(store, school_class, students)
with st.container():  # always drawn, under the forms that make passwords: where the teacher is looking
    cards_panel.cards_panel(school_class)
left, right = st.columns(2)
with left:
    st.header("Rename a student")
    roster_forms.rename_panel(store, school_class, students)
with right:
    st.header("Delete a student")
    panels.delete_panel(store, school_class, students)
st.header("Let a student in now")
st.caption("For a student kept waiting by wrong tries at their name (someone else's, or their own).")
unlock_panel(store, school_class, students)
st.header("Pictures of hands")
panels.pictures_panel(store, school_class)
st.header("Limits")
limits_panel.limits_panel(store, school_class)
st.divider()
st.header("End the class")
st.caption(plain(f"Deletes every student of {school_class.name}, all their projects, samples, pictures and models, "
                 "and your teacher's account."))  # fmt: skip
panels.end_panel(store, school_class)

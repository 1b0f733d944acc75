"""Make a game: a Scratch 3 editor whose handteach blocks see this project's gestures, found in this browser."""

import streamlit as st

from ui.common import state, widgets
from ui.scratch import make_page

title = st.container()  # first on the page, its words once the project's kind is known
project = state.current_project()
store = state.store()
# "hand" or "body": the engine that finds them (a fingertip path is a hand's); motion: the blocks see motions done
kind = "body" if store.project_skeleton(project).name == "body" else "hand"
motion = store.project_is_motion(project)
things = "motions" if motion else "poses" if kind == "body" else "gestures"
with title:
    widgets.page_title("🎮", "Make a game", f"Scratch blocks that see your {things}")
if not make_page.editor_ready():
    st.stop()
changeable = not widgets.look_only(project)  # a teacher showing a student's game: it is not written into
make_page.say_if_no_pose_model(kind)
make_page.open_controls("motion" if motion else kind, changeable)
make_page.show_editor(project, changeable, kind, motion)

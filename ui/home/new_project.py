"""Home's *New project* form: a name, what the project teaches, and (under the page's *More*) where its keypoints
come from: MediaPipe's hand model unless an expert picks one of our networks (``ui.common.more``)."""

from __future__ import annotations

import streamlit as st

from core.data.store import DuplicateNameError, Store, StoreError
from core.gestures.catalog import InvalidNameError
from ui.common import state, widgets

BACKEND_LABELS = {
    "mediapipe": "MediaPipe Hands (3D, most accurate)",
    "cpm": "our CPM (2D, belief maps)",
    "resnet-deconv": "ResNet-deconv (2D, heatmaps + attention)",
}
SKELETON_LABELS = {"hand": "✋ Hand gestures", "body": "🧍 Body poses"}
CREATED_NAME = "home_created_name"  # the name the form last created a project from, as it was submitted


def new_project_form(store: Store, more: bool = False) -> None:
    """The form; a project it creates becomes the current one and the name field empties. ``more``: the page's
    *More* is on, and the form offers the keypoint networks (else a project's keypoints come from MediaPipe)."""
    if st.session_state.pop("home_created", False):  # emptied only after a success: an error keeps what was typed
        st.session_state["new_project_name"] = ""
    with st.form("new_project", clear_on_submit=False, border=False):
        # the name, the choices, then the button: the button sat above the choices (issue 52); the choices in two
        # columns keep it inside a 1280×720 window (it sat below the fold before, issue 45)
        name = st.text_input("New project", placeholder="e.g. slides-remote", key="new_project_name")
        teach_col, keypoints_col = st.columns(2)
        skeleton = teach_col.radio("Teach", list(SKELETON_LABELS), format_func=SKELETON_LABELS.get,
                                   key="new_project_skeleton", help="Fixed for the project: hands and bodies never mix.")  # fmt: skip
        motion = teach_col.toggle("Motion gestures (swipes, waves, circles)", key="new_project_motion",
                                  help="Clips instead of single frames. Fixed for the project.")  # fmt: skip
        backend = "mediapipe"
        if more:
            backend = keypoints_col.radio("Hand keypoints from", list(BACKEND_LABELS), format_func=BACKEND_LABELS.get,
                                          key="new_project_backend",
                                          help="Fixed for the project: its samples and its model use the same "
                                          "keypoint model.")  # fmt: skip
        create = st.form_submit_button("Create project")
    if create:  # after the form: its message goes under the choices
        _create(store, name, skeleton, motion, backend)


def _create(store: Store, name: str, skeleton: str, motion: bool, backend: str) -> None:
    # The browser keeps a form's submitted value after the page emptied its field: pressing Enter, then the
    # button, sent the same name twice and the second said "already exists" under an empty field (issue 45).
    if name and name == st.session_state.get(CREATED_NAME) and name in store.list_projects():
        st.info(widgets.plain(f"Project {name!r} is created and open. Type another name to create one more."))
        return
    try:
        created = store.create_project(name, not motion, backend=backend, skeleton=skeleton, motion=motion)
    except (InvalidNameError, DuplicateNameError, StoreError) as exc:
        st.error(widgets.plain(f"Could not create the project: {exc}."))
        return
    state.set_project(created)
    st.session_state["home_created"] = True
    st.session_state[CREATED_NAME] = name
    shown = widgets.plain(repr(created))
    st.session_state["flash"] = (
        f"Created the motion project {shown}: add your gestures and their clips on Record." if motion
        else f"Created project {shown} with the eight default gestures." if skeleton == "hand"
        else f"Created the body-pose project {shown}: add your poses on Record."
    )  # fmt: skip
    st.rerun()

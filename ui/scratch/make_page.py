"""The Make page's parts: which Scratch project the editor opens (an example, or an .sb3 from the
computer, checked by ``core.scratch.sb3`` first) and the editor itself with the project's gestures and model."""

from __future__ import annotations

import logging
import uuid

import streamlit as st

from core.motion.features import IDLE_LABEL
from core.scratch.examples import examples
from core.scratch.sb3 import Sb3Error, check_sb3, read_upload
from ui.browser.component import steady_args
from ui.browser.model import model_for_browser, motion_model_for_browser
from ui.common import state
from ui.common.text import plain
from ui.scratch import saving
from ui.scratch.component import BUILD_COMMAND, BUILD_DIR, POSE_MODEL, editor, missing_assets

_LOG = logging.getLogger("handteach.app")
_OPEN = "scratch_open"  # {"id", "data", "project"}: the .sb3 the editor opens next (its id changes with each choice)
_PROBLEM = "scratch_open_problem"
SOURCE_NOTE = (
    "The editor is Scratch 3 ([scratch-gui](https://github.com/scratchfoundation/scratch-gui) 5.3.0, AGPL-3.0-only), "
    "served unmodified from its npm package; its source is at that address, and handteach's own part (the page "
    "around it and the gesture blocks) is in handteach's source."
)


def editor_ready() -> bool:
    """False, with one plain line, where the editor is not built on this server."""
    if not missing_assets():
        return True
    st.warning(f"The Scratch editor is not built on this server, so it cannot open here. Whoever runs handteach can "
               f"build it with `{BUILD_COMMAND}` (it needs Node.js), then restart the app.")  # fmt: skip
    return False


def _model_args(project: str, kind: str, motion: bool, gestures: list, args: dict) -> bool:
    """The model the tab runs into ``args`` (a line where there is none yet); True where it is the starter model."""
    from core.starter import is_shipped_starter

    if motion:
        from core.motion.model import MotionModelError

        try:
            found = motion_model_for_browser(state.store(), project, gestures)
        except MotionModelError as exc:
            _LOG.warning("%s", exc)  # the file and why, for whoever runs the server; the page names no server path
            st.error("The saved motion model cannot be read, so the blocks name no motion. Train again to replace it.")
            return False
        if found is not None:
            args.update(model=found[1], model_version=found[0])
        else:
            seen = "your body" if kind == "body" else "your hand"
            st.info(f"Not trained yet: the blocks see {seen} but name no motion until you train on Train.")
        return False
    model = state.project_model(project, starter_fallback=True)
    if model is not None:
        version, data = model_for_browser(project, state.model_stamp(project), model, gestures)
        tolerance = float(st.session_state.get(f"live_tolerance_{project}", 1.0))  # Live's, as Live last set it
        args.update(model=data, model_version=version, threshold=float(model.threshold), tolerance=tolerance)
    else:
        seen = ("your body", "pose") if kind == "body" else ("your hand", "gesture")
        st.info(f"Not trained yet: the blocks see {seen[0]} but name no {seen[1]} until you train on Train.")
    return model is not None and is_shipped_starter(model)


def say_if_no_pose_model(kind: str) -> None:
    """One plain line where a body-pose project's editor cannot see poses: the pose model is not built here."""
    if kind == "body" and not (BUILD_DIR / POSE_MODEL).is_file():
        st.warning(f"This server has no body model for the editor, so the blocks cannot see your poses here. Whoever "
                   f"runs handteach can make it with `{BUILD_COMMAND}` where mediapipe is installed.")  # fmt: skip


def open_controls(kind: str = "hand", changeable: bool = True) -> None:
    """An example to open (those made for the project's ``kind``, "hand", "body" or "motion"), or an .sb3 from the
    computer; a refused file is said in one line and opens nothing."""
    shipped = [(example, path) for example, path in examples() if example.kind == kind]
    left, right = st.columns([3, 2], gap="large")
    with left:
        titles = {example.title: path for example, path in shipped}
        things = {"body": "poses", "motion": "motions"}.get(kind, "gestures")
        chosen = st.selectbox("Example", list(titles), key="scratch_example", help=f"A game made with your {things}")
        if st.button("▶ Open the example", key="scratch_open_example") and chosen is not None:
            _open(titles[chosen].read_bytes())
    # in an expander, as Home's project file: Streamlit's uploader, always there, left its file input unnamed
    with right, st.expander("📂 Open a Scratch project from your computer"):
        upload = st.file_uploader("Scratch project (.sb3)", type=["sb3"], key="scratch_upload")
        if upload is not None and st.session_state.get("scratch_upload_seen") != upload.file_id:
            st.session_state["scratch_upload_seen"] = upload.file_id
            try:
                _open(read_upload(upload, upload.size))
            except Sb3Error as exc:
                st.session_state[_PROBLEM] = str(exc)
    if problem := st.session_state.get(_PROBLEM):
        st.error(plain(problem))
    if changeable:  # a game only looked at says its own line (ui.scratch.saving)
        st.caption("**💾 Save to my project** keeps your game with this project; the editor's **File ▸ Save to your "
                   "computer** saves a copy on this computer, which you can open here again.")  # fmt: skip


def _open(data: bytes) -> None:
    check_sb3(data)  # raises Sb3Error: nothing opens
    st.session_state.pop(_PROBLEM, None)
    st.session_state[_OPEN] = {"id": uuid.uuid4().hex, "data": data, "project": state.current_project()}


def show_editor(project: str, changeable: bool, kind: str = "hand", motion: bool = False) -> None:
    """The editor for ``project``: its gestures in the blocks' menus, its model (the starter for a project never
    trained, which the blocks' category says) run in the tab; its saved game opened, and *Save to my project* where
    this session may change the project (``changeable``). A ``motion`` project's blocks wait for its motions."""
    gestures = state.classes()
    args: dict = {"steady": steady_args(state.settings().smoothing), "kind": kind, "motion": motion}
    starter = _model_args(project, kind, motion, gestures, args)
    if motion:  # holding still is a class the model learns, never one a game waits for
        gestures = [g for g in gestures if g.name != IDLE_LABEL]
    chosen = st.session_state.get(_OPEN)
    if chosen is None or chosen.get("project") != project:  # coming back, or another project: its saved game
        # once a session: a game saved later is the one already in the editor, not opened again over it
        chosen = saving.stored_to_open(project) or {"id": None, "data": None, "project": project}
        st.session_state[_OPEN] = chosen
    if chosen["id"] is not None:
        args.update(project_id=chosen["id"], project_data=chosen["data"])
    key = saving.project_key(project)
    args.update(saving.save_button(project, changeable), project_key=key)
    # one editor a project: another project's game never stays open under this one's name
    answer = editor(f"scratch_editor_{key}", gestures, starter, **args)
    saving.take_answer(project, answer)
    st.caption(SOURCE_NOTE)

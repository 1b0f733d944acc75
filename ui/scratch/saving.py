"""The Make page's *Save to my project*: the game in the editor kept with the handteach project
(``core.data.project_games``), and opened again when the student comes back.

Saving is one round trip through the component: the button gives the editor a new ``save_request``; the editor
answers with its project as an ``.sb3`` (base64 in the component's value), the request it answers and the project it
was opened for. Only the answer to this session's last request, for the project this page shows, is saved; its
length is checked before it is decoded, and the store checks the rest (``core.scratch.sb3``, the viewer's own
project only, their quota). A refusal is one plain line; the game saved before stays.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Any

import streamlit as st

from core.data.project_games import game_stamp, load_game, save_game
from core.data.sql.schema import StoreError
from core.scratch.sb3 import MAX_SB3_BYTES, Sb3Error
from ui.common import state
from ui.common.dates import brief_time
from ui.common.sharing import whose
from ui.common.text import plain

_ASKED = "scratch_save_asked"  # the save_request this session last sent
_ANSWERED = "scratch_save_answered"  # the request whose answer was handled (the value stays after its rerun)
_SAID = "scratch_save_said"  # ("success" | "error", line)
SAVE_LABEL = "Save to my project"
MAX_B64_CHARS = (MAX_SB3_BYTES + 2) // 3 * 4  # the base64 of the largest .sb3 kept


def project_key(project: str) -> str:
    """What the editor is told it was opened for, and must name when it answers: the project's identity, which a
    rename keeps and a delete or replace changes (``Store.project_identity``)."""
    return state.store().project_identity(project)


def stored_to_open(project: str) -> dict[str, Any] | None:
    """The project's saved game as the editor's ``{"id", "data"}`` to open, or None when it holds none."""
    game = load_game(state.store(), project)
    return None if game is None else {"id": f"saved-{game.digest}", "data": game.data, "project": project}


def save_button(project: str, changeable: bool) -> dict[str, Any]:
    """*Save to my project* (a student's own project only) and what the page last said of a save; the editor's
    arguments that ask it for its game."""
    if not changeable:
        owner = whose(state.store(), project)  # "Ana's"
        st.caption(plain(f"You are showing {owner} game: nothing you do in the editor is saved into it. File ▸ Save to "
                         "your computer keeps a copy on this computer."))  # fmt: skip
        return {}
    when = game_stamp(state.store(), project)
    left, right = st.columns([1, 3], vertical_alignment="center")
    with left:
        if st.button(SAVE_LABEL, icon="💾", key="scratch_save", type="primary",
                     help="Keep this game with your handteach project: it opens again when you come back to Make"):  # fmt: skip
            st.session_state[_ASKED] = uuid.uuid4().hex
            st.session_state.pop(_SAID, None)
    with right:
        kind, line = st.session_state.get(_SAID, (None, ""))
        if kind == "error":
            st.error(plain(line))
        elif kind == "success":
            st.success(plain(line))
        elif st.session_state.get(_ASKED) and st.session_state.get(_ASKED) != st.session_state.get(_ANSWERED):
            st.caption("Saving…")
        elif when is not None:
            st.caption(f"Last saved in your project {brief_time(when.saved_at)}.")
    asked = st.session_state.get(_ASKED)
    return {"save_request": asked} if asked and asked != st.session_state.get(_ANSWERED) else {}


def take_answer(project: str, value: object) -> None:
    """The editor's answer to a save request, saved into ``project`` when it is this session's and this project's;
    said in one line either way (the page reruns to show it)."""
    if not isinstance(value, dict) or value.get("save") is None:
        return
    request = value.get("save")
    if request == st.session_state.get(_ANSWERED):
        return  # handled: a component's value stays until it sends another
    st.session_state[_ANSWERED] = request
    st.session_state[_SAID] = _answer(project, value, request)
    st.rerun()


def _answer(project: str, value: dict, request: object) -> tuple[str, str]:
    if request != st.session_state.get(_ASKED):
        return "error", "That save was not asked for on this page: nothing was saved. Press Save to my project."
    if value.get("project") != project_key(project):
        return "error", "That game came from the editor of another project: nothing was saved."
    if isinstance(value.get("error"), str):
        return "error", "The editor could not save this game: nothing was saved. Try again."
    text = value.get("sb3")
    if not isinstance(text, str) or len(text) > MAX_B64_CHARS:
        return (
            "error",
            f"This game is over {MAX_SB3_BYTES // 2**20} MB: a game here may be no bigger. Nothing was saved.",
        )
    try:
        data = base64.b64decode(text, validate=True)
        save_game(state.store(), project, data)
    except binascii.Error:
        return "error", "The editor's game did not arrive whole: nothing was saved. Try again."
    except (Sb3Error, StoreError) as exc:  # a bad file, another's project, over the quota: the old game stays
        return "error", f"{str(exc).splitlines()[0]} The game saved before is kept."
    return "success", f"Saved in your project “{project}”: it opens here again when you come back."

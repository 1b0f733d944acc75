"""Record on the browser path: the page issues a take (a ``TakeTicket``), the tab records it, the server stores it.

The Record button issues a ticket with a fresh take id; the component counts down and captures in the tab
and sends the whole take once (``core.data.imports.browser_take``), which is checked and stored in one transaction,
then the page reruns to show the new samples. A camera that is denied, absent or busy is said, with a button
that opens the upload path instead.
"""

from __future__ import annotations

import uuid

import streamlit as st

from core.data.imports.browser_take import TakeReport, TakeTicket
from core.data.imports.extract import ExtractConfig
from core.data.store import Store
from ui.browser.component import camera, steady_args
from ui.browser.path import fall_back_if_tab_failed
from ui.browser.takes import TakeSlot
from ui.common import signin, state
from ui.common.text import plain
from ui.samples.take_panel import rejection_text

KEY = "record-browser"
# The tab's camera problems (frontend/src/events.js, cameraProblem's codes), in the page's own words: nothing a tab
# sends is shown, since a forged status message may hold anything (an object, a page of Markdown).
CAMERA_PROBLEMS = {
    "denied": "The camera is blocked for this page. Allow it in the browser's address bar, then press Try the camera "
              "again, or use a photo or video file instead.",
    "absent": "No camera was found. Plug one in, then press Try the camera again, or use a photo or video file "
              "instead.",
    "busy": "The camera is in use by another tab or program. Close it there, then press Try the camera again, or use "
            "a photo or video file instead.",
    "insecure": "This browser allows the camera only on https:// or localhost pages. Open the app that way, or use a "
                "photo or video file instead.",
    "blank": "The camera sends no picture. Close other programs that use it or choose another camera, then press Try "
             "the camera again, or use a photo or video file instead.",
    "model": "What it learned of your gestures did not load in this browser: reload the page, or use a photo or video "
             "file instead.",
}  # fmt: skip
CAMERA_FAILED = "The camera did not start. Press Try the camera again, or use a photo or video file instead."
_TAKE = TakeSlot("browser_take")
_RESULT, _CAMERA = "browser_take_result", "browser_camera"
_RESULT_OF = "browser_take_result_of"  # the gesture the last take was of: another one chosen since hides its result


def record_panel(store: Store, project: str, class_name: str, title: str, rate: float, seconds: float,
                 extract: ExtractConfig, offer_files: dict[str, str], debug_frames: int = 0) -> None:  # fmt: skip
    """The camera, the Record button and the latest take's result (a fragment: an event reruns only this).

    ``offer_files``: the session-state values that switch the page to its upload path (a camera problem)."""
    ticket, dropped = _TAKE.pending()
    if dropped:
        st.session_state[_RESULT] = "The last take never arrived from the browser: record it again."
    event = camera(KEY, "record", extract.hands_per_frame + 1, take=ticket.as_args() if ticket else None,
                   steady=steady_args(state.settings().smoothing), debug_frames=debug_frames)  # fmt: skip
    # one hand more than asked for, so a second hand rejects the frame; keypoints steadied as the server steadies them
    if event is not None:
        _handle(event, store)
    if isinstance(st.session_state.get(_RESULT), str):  # a take refused or not started: its student deleted?
        signin.leave_if_deleted(store)
    problem = st.session_state.get(_CAMERA)
    if problem:
        st.warning(plain(problem))
        if st.button("📁 Use photos or a video instead", key="record_browser_files",
                     on_click=st.session_state.update, args=(offer_files,)):  # fmt: skip
            st.rerun(scope="app")  # the Source control lies outside this fragment: a fragment rerun kept the camera
    ticket, _ = _TAKE.pending()
    plan = TakeTicket(uuid.uuid4().hex, project, class_name, rate, seconds, 3, extract)
    st.button(f"⏺ Record {title} for {seconds:g} s", type="primary", key="record_start",
              disabled=ticket is not None or bool(problem), on_click=_issue, args=(plan, store),
              help="A take is running in the camera view" if ticket else None)  # fmt: skip
    if st.session_state.get(_RESULT_OF, class_name) != class_name and not isinstance(
        st.session_state.get(_RESULT), str
    ):
        st.session_state.pop(_RESULT, None)  # "Stored 15 samples of 👌 ok" once 👌 ok was chosen after a take of 👍
    _show_result(ticket, title)


def _issue(ticket: TakeTicket, store: Store) -> None:
    st.session_state.pop(_RESULT, None)
    if refused := _TAKE.issue(ticket, store):  # the project went meanwhile (its student was deleted)
        st.session_state[_RESULT] = refused


def camera_problem(event: dict) -> str | None:
    """What a ``status`` event says of the camera, in our words (``CAMERA_PROBLEMS``): None when it is fine."""
    if event.get("state") != "error":
        return None
    problem = event.get("problem")
    return CAMERA_PROBLEMS.get(problem, CAMERA_FAILED) if isinstance(problem, str) else CAMERA_FAILED


def _handle(event: dict, store: Store) -> None:
    kind = event.get("kind")
    if fall_back_if_tab_failed(event):
        st.rerun(scope="app")  # the page draws the server path's webcam instead
    if kind == "status":
        st.session_state[_CAMERA] = camera_problem(event)
    elif kind == "take":
        ticket, report = _TAKE.store(store, event)
        st.session_state[_RESULT] = report
        st.session_state[_RESULT_OF] = ticket.class_name if ticket is not None else None
        if isinstance(report, TakeReport) and report.stored:
            st.rerun(scope="app")  # the counts and the gallery


def _show_result(ticket: TakeTicket | None, title: str) -> None:
    result = st.session_state.get(_RESULT)
    with st.container(key="record_status"):
        if ticket is not None:
            # the server path's words; the camera's frame says "Recording …" itself when its countdown ends
            st.info(
                f"Get ready to show {title}: the countdown is on the video, then {ticket.duration:g} s of recording."
            )
        elif isinstance(result, str):
            st.error(plain(result))
        elif result is not None:
            looked = f" from {result.attempts} pictures" if result.attempts != result.stored else ""
            text = f"Stored {result.stored} samples of {title}{looked}."  # the server path's words
            (st.success if result.stored else st.warning)(text if result.stored else f"{text} Keep your hand in view "
                                                          "and record again.")  # fmt: skip
            if rejected := rejection_text(dict(result.rejected)):
                st.warning(rejected)
        else:
            st.caption("Pick a gesture, then **Record**: a 3-2-1 countdown in the camera view gives you time to pose.")

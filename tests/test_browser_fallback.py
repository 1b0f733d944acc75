"""ui.browser.path's fallback (issue 55): which tab events move a session to the server path, and what the
sidebar then says. Hostile values (a problem that is a list, a message of Markdown) change nothing or are
never shown: the page's words are its own."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _page(events: list) -> AppTest:  # noqa: ANN001
    def script(events: list) -> None:
        import streamlit as st

        from ui.browser import path
        from ui.common import state

        st.session_state.setdefault("handteach_keypoints_path", path.BROWSER)
        for event in events:
            st.write(f"moved: {path.fall_back_if_tab_failed(event)}")
        st.write(f"start webcam: {state.webcam_start_asked()}")
        st.write(f"choice: {st.session_state['handteach_keypoints_path']}")

    return AppTest.from_function(script, args=(events,)).run()


def test_a_tab_that_cannot_find_hands_moves_the_session_to_the_server() -> None:
    page = _page([{"kind": "status", "state": "error", "problem": "webgl", "message": "[x](http://t.example)",
                   "detail": "undefined is not an object (evaluating 'GLctx.activeTexture')"}])  # fmt: skip
    said = [m.value for m in page.markdown]
    assert said == ["moved: True", "start webcam: True", "choice: the server"], said
    assert not page.exception


def test_camera_problems_and_hostile_events_leave_the_choice_alone() -> None:
    events = [
        {"kind": "status", "state": "error", "problem": "denied", "message": "The camera is blocked"},
        {"kind": "status", "state": "error", "problem": ["webgl"]},
        {"kind": "status", "state": "ready"},
        {"kind": "labels", "problem": "graph"},
        "graph",
        None,
    ]
    said = [m.value for m in _page(events).markdown]
    assert said == ["moved: False"] * 6 + ["start webcam: False", "choice: this browser"], said

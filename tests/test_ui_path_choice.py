"""ui/browser/path.py's radio callback: a change that comes after the radio went (its *More* switched off) leaves the
tab's choice as it was instead of failing the page on a missing key (a whole-page error in CI's axe walk); a real
choice is kept and gives the browser another try."""

from __future__ import annotations

import pytest
import streamlit as st

from ui.browser import path


@pytest.fixture
def state() -> object:
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    yield st.session_state
    for key in list(st.session_state.keys()):
        del st.session_state[key]


def test_a_change_after_the_radio_went_keeps_the_choice(state) -> None:  # noqa: ANN001
    state[path._CHOICE] = path.SERVER
    path.keep_choice()  # no "keypoints_path_widget": the radio is not on the page
    assert state[path._CHOICE] == path.SERVER


def test_a_choice_is_kept_and_the_browser_tried_again(state) -> None:  # noqa: ANN001
    state[path._CHOICE] = path.SERVER
    state[path._TAB_FAILED] = "no WebGL"
    state["keypoints_path_widget"] = path.BROWSER
    path.keep_choice()
    assert state[path._CHOICE] == path.BROWSER and path._TAB_FAILED not in state

"""Which path computes the keypoints for this browser session: "this browser" or "the server".

The browser path (``ui/browser``) is the default where its built assets are present. The server path stays
for what the browser does not run yet: body poses, motion projects, and projects whose keypoints come
from the CPM or ResNet-deconv network, and for the CPM panels (the page says so beside its toggle).

The choice itself is an expert's: the sidebar shows it under the page's *More* (``ui.common.more``); by default
it says only, in a student's words, where the video goes (issue 64, item 7).
"""

from __future__ import annotations

import logging
import time

import streamlit as st
from streamlit.runtime import Runtime

from core.classes.hand_paths import HAND_PATHS
from core.data.store import Store
from ui.browser.component import BUILD_COMMAND, missing_assets
from ui.common import signin, state

_log = logging.getLogger(__name__)
BROWSER, SERVER = "this browser", "the server"
_CHOICE = "handteach_keypoints_path"  # kept outside the widget's own key: pages come and go, the choice stays
_TAB_FAILED = "handteach_tab_failed"  # the tab's words when it could not find hands, until the browser is chosen again
# the tab's status codes for "this browser cannot find hands at all" (frontend/src/landmarker.js's TAB_FAILURES,
# and "failed" for anything else that stopped it), in the page's own words: a tab's text is never shown. A camera
# problem is not one: the server path needs the camera too.
TAB_FAILURES = {
    "wasm": "It cannot look for hands here (WebAssembly is off or missing).",
    "webgl": "It cannot look for hands here (WebGL is off or missing).",
    "hand_model": "What finds the hands did not load in it.",
    "graph": "What finds the hands stopped in it.",
    "failed": "What finds the hands stopped in it.",
}
# the same, short, for the teacher's Class page ("hands found")
FOR_THE_TEACHER = {
    "wasm": "no WebAssembly in their browser",
    "webgl": "no WebGL in their browser",
    "hand_model": "the hand model did not load in their browser",
    "graph": "the hand model stopped in their browser",
    "failed": "the hand model stopped in their browser",
}
_TAB_FAILED_CODE = "handteach_tab_failed_code"
_FALLBACK_TEXT = (
    "This browser could not find hands, so the computer running handteach finds them instead: your video now goes "
    "there."
)
STAYS = "Your video stays in this browser, which finds your hands."
GOES = "Your video goes to the computer running handteach, which finds your hands."


def fall_back_if_tab_failed(event: object) -> bool:
    """True (and this session moved to the server path) when ``event``, a component value, says the tab cannot
    find hands; the sidebar then says why in its own words."""
    if not isinstance(event, dict) or event.get("kind") != "status" or event.get("state") != "error":
        return False
    if not isinstance(event.get("problem"), str) or event["problem"] not in TAB_FAILURES:
        return False
    st.session_state[_TAB_FAILED] = TAB_FAILURES[event["problem"]]
    st.session_state[_TAB_FAILED_CODE] = event["problem"]
    detail = event.get("detail")
    if isinstance(detail, str) and detail.strip():  # the engine's own words: for whoever reads the server's log
        _log.info("a tab fell back to the server path (%s): %r", event["problem"], detail.splitlines()[0][:200])
    st.session_state[_CHOICE] = SERVER
    state.ask_webcam_start()  # the server path's webcam starts by itself
    return True


def server_only_reason(skeleton: str, motion: bool, backend: str) -> str | None:
    """Why this project needs the server path, or None when the browser path can serve it."""
    if missing_assets():
        return f"the browser path is not built on this server (run `{BUILD_COMMAND}`, then restart the app)"
    if skeleton != "hand":
        return "body poses are found on the server"
    if motion:
        return "motion gestures are cut out of the stream on the server"
    if backend != "mediapipe":
        return f"this project's keypoints come from the {backend} network, which runs on the server"
    return None


def _real_server() -> bool:
    """False under ``streamlit.testing``'s AppTest (a mocked runtime, no browser): its pages keep the server path."""
    return Runtime.exists() and type(Runtime.instance()) is Runtime


def use_browser_for(store: Store, project: str, more: bool = False) -> bool:
    """``use_browser`` for ``project``'s skeleton, kind and keypoint backend."""
    return use_browser(store.project_skeleton(project).name, store.project_is_motion(project),
                       store.project_backend(project), more)  # fmt: skip


def keep_choice() -> None:
    """The sidebar radio's ``on_change``: its value becomes the tab's choice, and the browser gets another try."""
    chosen = st.session_state.get("keypoints_path_widget")
    if chosen is None or chosen == st.session_state.get(_CHOICE):
        # None: the radio went with *More* switched off while the tab still sent its change (the page failed on
        # the missing key). Equal: not a choice: after a fallback the radio's new value, which the page set, came
        # back from the tab in the runs that followed as a change, and took the fallback's line off a second later
        return
    st.session_state[_CHOICE] = chosen
    st.session_state.pop(_TAB_FAILED, None)  # chosen again: the browser gets another try
    st.session_state.pop(_TAB_FAILED_CODE, None)


def use_browser(skeleton: str, motion: bool, backend: str, more: bool = False) -> bool:
    """The sidebar setting, and one caption saying which path is used and why; True for the browser path.
    ``more``: the page's *More* is on: the choice and the reasons in an expert's words; else one plain line."""
    reason = server_only_reason(skeleton, motion, backend)
    browser_default = not missing_assets() and _real_server() and state.settings().keypoints_path == "browser"
    st.session_state.setdefault(_CHOICE, BROWSER if browser_default else SERVER)

    st.session_state["keypoints_path_widget"] = st.session_state[_CHOICE]
    if more:
        st.sidebar.radio("Keypoints computed on", (BROWSER, SERVER), key="keypoints_path_widget", on_change=keep_choice,
                         disabled=reason is not None, help="This browser: your camera's frames stay in your "
                         "browser, which finds the hand and the gesture; the server gets only the samples you record "
                         "and the labels. The server: the video goes to the server, which does the work.")  # fmt: skip
    if reason is not None:
        st.sidebar.caption(f"Keypoints on the server: {reason}." if more else GOES)
        _tell_the_class(False, reason)
        return False
    browser = st.session_state[_CHOICE] == BROWSER
    failed = st.session_state.get(_TAB_FAILED)
    if failed is not None and not browser:
        _say_fallback(failed)
        _tell_the_class(False, FOR_THE_TEACHER.get(st.session_state.get(_TAB_FAILED_CODE, ""), "their browser failed"))
        return False
    st.sidebar.caption(STAYS if browser else GOES)
    _tell_the_class(browser, None)
    return browser


def _tell_the_class(browser: bool, reason: str | None) -> None:
    """Where this signed-in person's hands are found, for their teacher's Class page (core.classes.hand_paths)."""
    viewer = signin.signed_in()
    if viewer is not None:
        HAND_PATHS.saw(viewer.account_id, "browser" if browser else "server", reason, time.time())


def _say_fallback(message: str) -> None:
    st.sidebar.warning(_FALLBACK_TEXT, icon="🔁")
    if message:
        st.sidebar.caption(message)

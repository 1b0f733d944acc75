"""Which path computes the keypoints for this browser session: "this browser" or "the server".

The browser path (``ui/browser``) is the default where its built assets are present. The server path stays
for what the browser does not run yet: body poses, motion projects, and projects whose keypoints come
from the CPM or ResNet-deconv network, and for the CPM panels (the page says so beside its toggle).
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime import Runtime

from core.data.store import Store
from ui.browser.component import BUILD_COMMAND, missing_assets
from ui.common import state

BROWSER, SERVER = "this browser", "the server"
_CHOICE = "handteach_keypoints_path"  # kept outside the widget's own key: pages come and go, the choice stays


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


def use_browser_for(store: Store, project: str) -> bool:
    """``use_browser`` for ``project``'s skeleton, kind and keypoint backend."""
    return use_browser(store.project_skeleton(project).name, store.project_is_motion(project),
                       store.project_backend(project))  # fmt: skip


def use_browser(skeleton: str, motion: bool, backend: str) -> bool:
    """The sidebar setting, and one caption saying which path is used and why; True for the browser path."""
    reason = server_only_reason(skeleton, motion, backend)
    browser_default = not missing_assets() and _real_server() and state.settings().keypoints_path == "browser"
    st.session_state.setdefault(_CHOICE, BROWSER if browser_default else SERVER)

    def keep() -> None:
        st.session_state[_CHOICE] = st.session_state["keypoints_path_widget"]

    st.session_state["keypoints_path_widget"] = st.session_state[_CHOICE]
    st.sidebar.radio("Keypoints computed on", (BROWSER, SERVER), key="keypoints_path_widget", on_change=keep,
                     disabled=reason is not None, help="This browser: your camera's frames stay in your browser, "
                     "which finds the hand and the gesture; the server gets only the samples you record and the "
                     "labels. The server: the video goes to the server, which does the work.")  # fmt: skip
    if reason is not None:
        st.sidebar.caption(f"Keypoints on the server: {reason}.")
        return False
    browser = st.session_state[_CHOICE] == BROWSER
    st.sidebar.caption("Keypoints in this browser: the video never leaves it." if browser else
                       "Keypoints on the server: the video goes there and back.")  # fmt: skip
    return browser

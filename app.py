"""handteach: the Streamlit app. ``make run`` (``python -m ui.server.serve``) starts it.

``streamlit run app.py`` works too, without what the launcher adds around Streamlit (ui/server/serve.py); the
guards below are applied again here for it.

The pages in ``pages/`` only lay out widgets; the work happens in ``core/`` and the
Streamlit glue in ``ui/``.
"""

import streamlit as st

from core.data.sql.schema import StoreError
from core.io.fds import TooManyOpenFilesError
from ui.common import assistive, keyboard, signin, state, widgets
from ui.common.text import plain
from ui.jobs import pool
from ui.server.compat import end_websockets_quietly
from ui.server.ice import keep_ice_on_served_address
from ui.server.media_grace import keep_replaced_pictures_briefly
from ui.server.settings import SettingsError
from ui.webcam.frame_callbacks import share_the_gil_quickly

keep_ice_on_served_address()  # for `streamlit run app.py`; ui.server.serve has applied it already (ui/server/ice.py)
end_websockets_quietly()  # likewise (ui/server/compat.py)
keep_replaced_pictures_briefly()  # likewise (ui/server/media_grace.py)
share_the_gil_quickly()  # MediaPipe waits for the GIL behind the server's busy threads otherwise (ui/webcam/stream.py)

st.set_page_config(page_title="handteach", page_icon="✋", layout="wide")
widgets.fit_small_screens()  # a 1280×720 laptop: each page's main button without scrolling (issue 45, item 6)
assistive.assist()  # captions, focus rings, reduced motion, the live region (docs/accessibility.md)
keyboard.keys()  # the focus kept where a press left it when the page runs again

try:
    class_page = signin.teacher_visibility(state.store())
except (SettingsError, OSError, ValueError):  # said below, once the navigation is there
    class_page = "hidden"
pages = [
    st.Page("pages/home.py", title="Home", icon="🏠", default=True),
    st.Page("pages/record.py", title="Record", icon="🎥"),
    st.Page("pages/train.py", title="Train", icon="🧠"),
    st.Page("pages/live.py", title="Live", icon="✨"),
    st.Page("pages/make.py", title="Make a game", icon="🎮", url_path="make"),
    # its address answers everyone, but only the class's teacher sees it listed (the page itself checks again)
    st.Page("pages/class_page.py", title="Class", icon="🏫", url_path="class", visibility=class_page),
]
navigation = st.navigation(pages)

try:
    state.settings()
    signin.gate(
        state.store(), on_deleted=pool.cancel_this_tab
    )  # in a class only: the sign-in form until this session signs in (ui/common/signin.py)
    widgets.sidebar_status()
except (SettingsError, OSError, ValueError) as exc:
    st.error(f"handteach cannot start: {exc}")
    st.stop()

try:
    navigation.run()
except (StoreError, TooManyOpenFilesError) as exc:  # locked, disk full, out of descriptors: said, not traced
    st.error(plain(f"handteach cannot go on: {exc}"))
    st.stop()
state.warm_up()  # after the page is out: torch and MediaPipe load in the background while the user reads
pool.warm()  # the job workers (training, measuring) start with the server's first page, not its first training

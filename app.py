"""handteach: the Streamlit app. ``make run`` (or ``streamlit run app.py``) starts it.

The pages in ``pages/`` only lay out widgets; the work happens in ``core/`` and the
Streamlit glue in ``ui/``.
"""

import streamlit as st

from ui import state, widgets
from ui.compat import fix_media_responses
from ui.settings import SettingsError
from ui.stream import share_the_gil_quickly

fix_media_responses()  # images and downloads answer 500 otherwise with Starlette >= 1.x (see ui/compat.py)
share_the_gil_quickly()  # MediaPipe waits for the GIL behind the server's busy threads otherwise (ui/stream.py)

st.set_page_config(page_title="handteach", page_icon="✋", layout="wide")

pages = [
    st.Page("pages/home.py", title="Home", icon="🏠", default=True),
    st.Page("pages/record.py", title="Record", icon="🎥"),
    st.Page("pages/train.py", title="Train", icon="🧠"),
    st.Page("pages/live.py", title="Live", icon="✨"),
]
navigation = st.navigation(pages)

try:
    state.settings()
    widgets.sidebar_status()
except (SettingsError, OSError, ValueError) as exc:
    st.error(f"handteach cannot start: {exc}")
    st.stop()

navigation.run()
state.warm_up()  # after the page is out: torch and MediaPipe load in the background while the user reads

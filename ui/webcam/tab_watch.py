"""A tab closed while its webcam streamed lets go of the stream within seconds (#47).

Closing a tab drops its websocket, and Streamlit keeps the session for two minutes in case the tab
comes back (a network blip); streamlit-webrtc closes a session's peer connection only when the
session shuts down. So a closed tab's stream lived on until aiortc's ICE consent check gave up
(30-40 s), and one whose checks had not finished was never noticed: four tabs closed right after
START left 8 UDP sockets open for good, and 20 Live tabs streamed and closed at once, twice, left
48 UDP sockets, 27 threads and 45 file descriptors.

``watch_tab`` puts each webcam widget of a session in a session-scoped resource cache, which
Streamlit releases when the websocket goes. If the widget was streaming then (START pressed, not
stopped) and the tab has not reconnected ``GRACE_S`` seconds later, the session is closed as
Streamlit closes one at shutdown: streamlit-webrtc's own observer stops the peer connection (ICE
sockets, decoder and frame threads) within a second, and the session's state is freed. Sessions
whose webcam was stopped or never started keep Streamlit's two-minute reconnection window.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

import streamlit as st
from streamlit.logger import get_logger
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

GRACE_S = 10.0  # Streamlit's frontend retries a dropped websocket within a few seconds

_LOGGER = get_logger(__name__)  # Streamlit's handler and level: the line shows in the server's output


def close_if_gone(session_id: str) -> bool:
    """Close session ``session_id`` unless its tab is connected (again); True when it was closed.

    Must run on the server's event loop (Streamlit's ``close_session`` requires it).
    """
    if not Runtime.exists():
        return False
    runtime = Runtime.instance()
    if runtime.is_active_session(session_id):
        return False
    _LOGGER.info("closing session %s: its tab left while the webcam streamed", session_id)
    runtime.close_session(session_id)
    return True


class Watch:
    """One webcam widget of a session, held weakly: whether it streams when the tab goes."""

    def __init__(self, session_id: str, context: Any) -> None:
        self.session_id = session_id
        self._context = weakref.ref(context)

    def streaming(self) -> bool:
        """START pressed and not stopped (playing, or still connecting), as the browser last said."""
        context = self._context()
        state = getattr(context, "state", None)
        return bool(state is not None and (state.playing or state.signalling))


def _tab_left(watch: Watch, grace: float = GRACE_S) -> None:
    """``on_release`` of the watch: Streamlit calls it on its event loop when the websocket goes."""
    if not watch.streaming():
        return  # stopped or never started: nothing to free, and the tab may still come back
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # released outside the server (a cache cleared in a test): nothing streams
        return
    loop.call_later(grace, close_if_gone, watch.session_id)


@st.cache_resource(scope="session", on_release=_tab_left, show_spinner=False)
def _watch(session_id: str, key: str, _context: Any) -> Watch:
    return Watch(session_id, _context)


def watch_tab(key: str, context: Any) -> None:
    """Close this session soon after its tab goes while the webcam ``context`` (widget ``key``) streams.

    Call it on every run that shows the widget, not only once it streams: the run that starts the
    stream may be stopped by the tab leaving before it gets here. Reruns cost a cache hit.
    """
    ctx = get_script_run_ctx()
    if ctx is not None:
        _watch(ctx.session_id, key, context)

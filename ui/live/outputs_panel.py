"""Live's *Outputs* expander: OSC and WebSocket settings, opened as ``core.outputs.hub.Outputs`` on the stream session.

The outputs live with the ``ui.webcam.stream.StreamSession`` (kept across reruns in the session state); the frame
thread publishes each frame to them and never calls ``st.*``. A rerun with the same settings keeps them,
one that changes only what is sent updates them in place (WebSocket clients stay connected), and one that
changes where closes the old ones (threads joined, port free) before opening the new. A port in use or a
host that does not resolve is one message here; the stream goes on without outputs. In a class each signed-in
person's outputs are their own (this session's), and stay on the server's machine unless the teacher's server
settings name other hosts (``core.outputs.settings.check_class_outputs``).
"""

from __future__ import annotations

import weakref

import streamlit as st

from core.outputs.hub import Outputs
from core.outputs.origins import OriginPolicy, app_origin, parse_origins
from core.outputs.settings import (
    DEFAULT_OSC_PORT,
    DEFAULT_WS_PORT,
    LOCALHOST,
    OutputError,
    OutputSettings,
    check_class_outputs,
)
from ui.common import state
from ui.common.signin import signed_in
from ui.common.text import plain
from ui.webcam.stream import StreamSession

SEND_MODES = ("On change", "Every frame")
# kept while hidden behind Live's *More* (``ui.common.more``): outputs left open and switched on again match their
# settings, and are not closed by widgets come back empty
PERSIST = "page"


def show(session: StreamSession, key: str = "live") -> Outputs | None:
    """The expander; returns the outputs now open (None: off, or they could not start)."""
    with st.expander("📡 Outputs: OSC and WebSocket"):
        st.caption("Send each gesture to a sketch, TouchDesigner, Unity or a robot, as Wekinator does "
                   "(the messages are described in handteach's documentation, under Outputs).")  # fmt: skip
        osc_on = st.toggle("Send OSC (UDP)", key=f"{key}_osc_on", persist_state=PERSIST)
        host_col, port_col = st.columns([3, 2])
        host = host_col.text_input("OSC host", LOCALHOST, key=f"{key}_osc_host", persist_state=PERSIST,
                                   disabled=not osc_on)  # fmt: skip
        osc_port = port_col.number_input("OSC port", 1, 65535, DEFAULT_OSC_PORT, key=f"{key}_osc_port",
                                         persist_state=PERSIST, disabled=not osc_on)  # fmt: skip
        ws_on = st.toggle("Serve WebSocket (JSON)", key=f"{key}_ws_on", persist_state=PERSIST,
                          help=f"ws://{LOCALHOST}:PORT, for this machine only; every client gets every message")  # fmt: skip
        ws_port = st.number_input("WebSocket port", 1, 65535, DEFAULT_WS_PORT, key=f"{key}_ws_port",
                                  persist_state=PERSIST, disabled=not ws_on)  # fmt: skip
        origins = st.text_input("Also allow web pages from", "", key=f"{key}_ws_origins", persist_state=PERSIST,
                                disabled=not ws_on, placeholder="https://sketch.example.org",
                                help="Programs, files and pages of this machine may connect; a web page from another "
                                     "site only when its origin is named here (commas between several; * for every "
                                     "page). Others are refused.")  # fmt: skip
        mode = st.segmented_control(
            "Send", SEND_MODES, default=SEND_MODES[0], key=f"{key}_out_mode", persist_state=PERSIST
        )
        keypoints = st.checkbox("Include keypoints", key=f"{key}_out_keypoints", persist_state=PERSIST,
                                help="Each hand's 21 points (x, y in 0-1 of the camera image, z depth)")  # fmt: skip
        try:
            wanted = OutputSettings(osc=(host.strip(), int(osc_port)) if osc_on else None,
                                    ws_port=int(ws_port) if ws_on else None, every_frame=mode == SEND_MODES[1],
                                    ws_origins=own_origin() + parse_origins(origins) if ws_on else (),
                                    keypoints=keypoints)  # fmt: skip
            if signed_in() is not None:  # a class: this server's machine only, unless its settings say otherwise
                check_class_outputs(wanted, state.settings().class_output_hosts)
            outputs = apply(session, wanted if wanted.enabled else None)
        except OutputError as exc:
            apply(session, None)  # what ran before the change stops too: the line says the outputs are off
            st.error(plain(f"Outputs off: {exc}"), icon="📡")
            return None
        if outputs is not None:
            st.caption(plain(outputs.settings.describe()))
    return outputs


def own_origin() -> tuple[str, ...]:
    """The app's origin when it is served from another machine (its own pages may connect); else none."""
    origin = app_origin(st.context.url or "")
    return () if origin is None or OriginPolicy().allows(origin) else (origin,)


def apply(session: StreamSession, wanted: OutputSettings | None) -> Outputs | None:
    """Make the session's outputs match ``wanted`` (None: none); ``OutputError`` when they cannot start."""
    current = session.outputs
    if current is not None and wanted is not None and current.update(wanted):
        return current
    if current is not None:
        session.set_outputs(None)
        current.close()  # before opening the new ones: they may want the same port
    if wanted is None:
        return None
    outputs = Outputs(wanted)
    weakref.finalize(session, outputs.close)  # a browser session that ends closes its outputs with it
    session.set_outputs(outputs)
    return outputs


def status(session: StreamSession) -> None:
    """One line for the page's refreshing fragment: where, sent, dropped, clients, the last error."""
    outputs = session.outputs
    if outputs is not None:
        with st.container(key="live_outputs_status"):
            st.caption(plain(f"📡 {outputs.settings.describe()} · {outputs.stats().line()}"))

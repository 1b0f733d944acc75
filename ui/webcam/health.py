"""A stream's health on the page: its frame rate in words, per-stage timings in the page's diagnostics panel,
and any error of its frame callback."""

from __future__ import annotations

import streamlit as st

from ui.common.text import plain
from ui.common.widgets import details_panel
from ui.webcam.stream import StreamSnapshot


def timings_text(snapshot: StreamSnapshot) -> str:
    """ "27.3 fps · landmarks 24.1 ms · …" for the per-stage timings of a stream (the stage names are the
    code's: ``ui.webcam.frame_stats.STAGES``)."""
    stages = " · ".join(f"{k} {v:.1f} ms" for k, v in snapshot.ms.items())
    return f"{snapshot.fps:.1f} fps · {stages}" if stages else "waiting for frames…"


def rate_text(snapshot: StreamSnapshot) -> str:
    """ "Video: 27 pictures a second" in a child's words, for under the video (which machine does the work, and
    the rate to a tenth, are in the diagnostics panel)."""
    if not snapshot.ms:
        return "Video: starting…"
    return f"Video: {snapshot.fps:.0f} pictures a second"


def show_stream_health(snapshot: StreamSnapshot, key: str) -> None:
    """The frame rate (testid'd container), the stage timings in the diagnostics panel, and any error raised in
    the frame callback."""
    with st.container(key=f"{key}_timings"):
        st.caption(rate_text(snapshot))
    with details_panel(), st.container(key=f"{key}_stages"):
        st.caption(f"Milliseconds per frame, each step of the server's work: {timings_text(snapshot)}")
        st.caption(f"The server handles {snapshot.fps:.1f} frames a second.")
    if snapshot.error:
        with st.container(key=f"{key}_error"):
            st.error(plain(f"The video processing failed: {snapshot.error}"))

"""A stream's health on the page: its frame rate and per-stage timings, and any error of its frame callback."""

from __future__ import annotations

import streamlit as st

from ui.common.text import plain
from ui.webcam.stream import StreamSnapshot


def timings_text(snapshot: StreamSnapshot) -> str:
    """ "27.3 fps · landmarks 24.1 ms · …" for the per-stage timings of a stream."""
    stages = " · ".join(f"{k} {v:.1f} ms" for k, v in snapshot.ms.items())
    return f"{snapshot.fps:.1f} fps · {stages}" if stages else "waiting for frames…"


def show_stream_health(snapshot: StreamSnapshot, key: str) -> None:
    """Timings line (testid'd container) and any error raised in the frame callback."""
    with st.container(key=f"{key}_timings"):
        st.caption(f"Server: {timings_text(snapshot)}")
    if snapshot.error:
        with st.container(key=f"{key}_error"):
            st.error(plain(f"The video processing failed: {snapshot.error}"))

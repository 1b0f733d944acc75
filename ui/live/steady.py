"""Live's *〰 Smoother dots* switch (server path, motion projects and the browser path alike)."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from core.keypoints.smoothing import SmoothingConfig
from ui.common import state

STEADY_LABEL = "〰 Smoother dots"  # a filter on the keypoints, in a child's words


def steady_setting(in_browser: bool = False) -> SmoothingConfig:
    """The switch, starting from the settings' filter (``HANDTEACH_SMOOTHING``): that filter, on or off as chosen.
    ``in_browser``: the tab runs it (``frontend/src/smoothing.js``), and the help says so."""
    smoothing = state.settings().smoothing
    where = ", in this browser" if in_browser else ""
    on = st.toggle(STEADY_LABEL, value=smoothing.enabled, key="live_steady",
                   help=f"The dots stop jittering{where} when the hand is still, and still follow it when it "
                        "moves (a One Euro filter: HANDTEACH_SMOOTHING_* settings)")  # fmt: skip
    return replace(smoothing, enabled=on)

"""A student's write waiting behind another's: the page says *The server is busy, trying again* (issue 53).

``core.data.sql.write_lock`` tells a writer that has waited a second for the store's lock; the engine never
imports Streamlit, so the server hands it this: a toast on the page whose script run is writing, and a log
line for a write outside any page (a job's thread).
"""

from __future__ import annotations

import logging

from core.data.sql.write_lock import set_default_notice

_LOG = logging.getLogger("handteach.store")


def _say(text: str) -> None:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    if get_script_run_ctx(suppress_warning=True) is None:
        _LOG.info(text)
        return
    import streamlit as st

    st.toast(text, icon="⏳")


def show_busy_notices() -> None:
    """Waiting writes of every page say so on their page (``python -m ui.server.serve`` calls it)."""
    set_default_notice(_say)

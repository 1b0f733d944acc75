"""ui.server.heartbeat: what this app server says of itself, and nothing while Streamlit's runtime is being made."""

from __future__ import annotations

import os

import pytest
from streamlit.runtime import Runtime

from ui.server.heartbeat import facts


def test_no_beat_while_the_runtime_is_being_made(monkeypatch: pytest.MonkeyPatch) -> None:
    """Streamlit registers its Runtime first and makes its session manager later in the same ``__init__``: a beat in
    between once logged an AttributeError's traceback at every server's start."""
    monkeypatch.setattr(Runtime, "_instance", None)
    assert facts() is None  # no runtime yet
    half_made = object.__new__(Runtime)  # registered, its __init__ not through yet
    monkeypatch.setattr(Runtime, "_instance", half_made)
    assert facts() is None


def test_a_beat_counts_the_runtimes_sessions(monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.runtime.memory_session_storage import MemorySessionStorage
    from streamlit.runtime.websocket_session_manager import WebsocketSessionManager

    made = object.__new__(Runtime)
    made._session_mgr = WebsocketSessionManager(MemorySessionStorage(), None, None, None)  # Streamlit's own, empty
    monkeypatch.setattr(Runtime, "_instance", made)
    beat = facts()
    assert beat is not None and beat.tabs == 0 and beat.pid == os.getpid()

"""ui/webcam/tab_watch.py: which sessions are closed once their tab has gone (the browser test of the real thing is
tests/test_webrtc_sessions.py)."""

from __future__ import annotations

import asyncio
import gc
from types import SimpleNamespace

import pytest

from ui.webcam import tab_watch


class _Context:
    """What the watch reads of streamlit-webrtc's context: the state the browser last sent."""

    def __init__(self, playing: bool, signalling: bool) -> None:
        self.state = SimpleNamespace(playing=playing, signalling=signalling)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("playing", "signalling", "closed"),
    [(True, False, True), (False, True, True), (False, False, False)],  # streaming, connecting, stopped
)
def test_a_session_is_closed_after_the_grace_only_when_its_webcam_streamed(
    monkeypatch: pytest.MonkeyPatch, playing: bool, signalling: bool, closed: bool
) -> None:
    asked: list[str] = []
    monkeypatch.setattr(tab_watch, "close_if_gone", asked.append)
    context = _Context(playing, signalling)
    watch = tab_watch.Watch("s1", context)

    async def tab_leaves() -> None:
        tab_watch._tab_left(watch, grace=0.01)
        await asyncio.sleep(0.1)

    asyncio.run(tab_leaves())
    assert asked == (["s1"] if closed else [])


@pytest.mark.slow
def test_a_widget_gone_from_the_session_streams_nothing() -> None:
    context = _Context(True, False)
    watch = tab_watch.Watch("s1", context)
    del context
    gc.collect()
    assert not watch.streaming()


def test_released_outside_the_server_closes_nothing() -> None:
    tab_watch._tab_left(tab_watch.Watch("s1", _Context(True, False)))  # no running loop: no error
    assert not tab_watch.close_if_gone("s1")  # no Streamlit runtime

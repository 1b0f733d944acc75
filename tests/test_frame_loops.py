"""The event loops of streamlit-webrtc's frame threads are closed once their thread ends (ui/webcam/frame_loops.py)."""

from __future__ import annotations

import asyncio
import threading

from ui.webcam import frame_loops


def _frame_thread(started: threading.Event, release: threading.Event, loops: list) -> None:
    """As streamlit-webrtc's worker does: a new loop, never closed, running the callback's coroutine."""
    loop = asyncio.new_event_loop()
    loops.append(loop)

    async def callback() -> None:
        frame_loops.adopt()
        frame_loops.adopt()  # every frame calls it: remembered once

    loop.run_until_complete(callback())
    started.set()
    release.wait(10)


def test_a_loop_is_closed_after_its_thread_ends_and_not_before() -> None:
    started, release, loops = threading.Event(), threading.Event(), []
    thread = threading.Thread(target=_frame_thread, args=(started, release, loops))
    thread.start()
    assert started.wait(10)
    before = frame_loops.open_loops()
    assert frame_loops.close_finished() == 0 and not loops[0].is_closed(), "its thread may run it again"
    release.set()
    thread.join(10)
    assert frame_loops.close_finished() == 1 and loops[0].is_closed()
    assert frame_loops.open_loops() == before - 1

"""The event loops of streamlit-webrtc's frame threads, closed once their thread has ended (#47).

With ``async_processing`` each stream's frame thread makes an asyncio event loop and never closes
it: the loop's epoll descriptor and self-pipe (three descriptors) outlived the stream until a full
garbage collection, which this app makes rare (``runner.postScriptGC = false``); 16 tabs streamed
and closed left 21 descriptors behind. The frame callback hands its loop here (``adopt``), and
``close_finished`` closes each loop whose thread has ended, so never one a thread could still run.
"""

from __future__ import annotations

import asyncio
import threading

_lock = threading.Lock()
_loops: dict[asyncio.AbstractEventLoop, threading.Thread] = {}


def adopt() -> None:
    """Remember the running loop of the calling frame thread (once per stream; the rest are lookups)."""
    loop = asyncio.get_running_loop()
    if loop in _loops:
        return
    with _lock:
        _loops[loop] = threading.current_thread()
    close_finished()  # a stream whose end was never signalled leaves its loop to the next one


def close_finished() -> int:
    """Close the loops whose frame thread has ended; how many were closed."""
    with _lock:
        finished = [loop for loop, thread in _loops.items() if not thread.is_alive()]
        for loop in finished:
            del _loops[loop]
    for loop in finished:
        if not loop.is_closed():
            loop.close()
    return len(finished)


def open_loops() -> int:
    """Loops adopted and not closed yet (their streams still run, or their end was not signalled)."""
    with _lock:
        return len(_loops)

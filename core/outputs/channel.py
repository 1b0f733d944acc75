"""A bounded queue drained off the producer's thread: the producer (the video thread) never waits for a receiver.

``put`` takes a lock held only for a deque append (never while sending), so a stuck or slow ``send``
costs the producer nothing: once ``capacity`` messages wait, the oldest is dropped and counted (the
newest says what is happening now, which is what a live receiver wants).

Who drains it: a thread of the channel's own, or, given ``wake``, the owner's event loop: ``put`` calls
``wake()`` when the queue stops being empty and the loop calls ``drain()`` (one thread handoff a frame
instead of two: the WebSocket server's loop sends without a thread in between).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class ChannelStats:
    """Counts since the channel started: messages sent, dropped (queue full, or ``send`` failed), still waiting."""

    sent: int
    dropped: int
    waiting: int
    last_error: str | None


class Channel(Generic[T]):
    """Hands each ``put`` item to ``send``, in order, off the producer's thread.

    ``send`` raising counts the item as dropped and keeps the error's text (``stats().last_error``);
    the channel goes on with the next item. ``close`` sends what still waits (its own thread) and joins it.

    Args:
        wake: None: a thread of the channel's own drains it. Else called (from the producer's thread; it
            must not block) when an item arrives in an empty queue; the owner then calls ``drain()``.
    """

    def __init__(self, name: str, send: Callable[[T], None], capacity: int = 64,
                 wake: Callable[[], None] | None = None) -> None:  # fmt: skip
        if capacity < 1:
            raise ValueError(f"channel {name}: capacity must be at least 1, got {capacity}")
        self.name = name
        self._send = send
        self._capacity = capacity
        self._wake_owner = wake
        self._items: deque[T] = deque()
        self._wake = threading.Condition()
        self._closed = False
        self._sent = self._dropped = 0
        self._last_error: str | None = None
        self._thread: threading.Thread | None = None
        if wake is None:
            self._thread = threading.Thread(target=self._run, name=f"handteach-out-{name}", daemon=True)
            self._thread.start()

    def put(self, item: T) -> bool:
        """Queue ``item`` without waiting; False when it pushed out an older item or the channel is closed."""
        with self._wake:
            if self._closed:
                return False
            was_empty = not self._items
            full = len(self._items) >= self._capacity
            if full:
                self._items.popleft()
                self._dropped += 1
            self._items.append(item)
            self._wake.notify()
        if was_empty and self._wake_owner is not None:
            self._wake_owner()
        return not full

    def count_dropped(self, n: int = 1, error: str | None = None) -> None:
        """For a sender that drops on its own (a WebSocket client too slow for this message)."""
        with self._wake:
            self._dropped += n
            if error is not None:
                self._last_error = error

    def stats(self) -> ChannelStats:
        with self._wake:
            return ChannelStats(self._sent, self._dropped, len(self._items), self._last_error)

    def close(self, timeout: float = 5.0) -> None:
        """Stop taking items; a channel with its own thread sends what waits, then joins it (at most ``timeout`` s)."""
        with self._wake:
            self._closed = True
            self._wake.notify()
        if self._thread is not None and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def drain(self) -> None:
        """Send every item waiting now (the owner's loop, after ``wake``)."""
        while (item := self._next(wait=False)) is not None:
            self._deliver(item[0])

    def _run(self) -> None:
        while (item := self._next(wait=True)) is not None:
            self._deliver(item[0])

    def _next(self, wait: bool) -> tuple[T] | None:
        """The oldest item (in a 1-tuple: items may be None), waiting for one if ``wait``; None when there is none."""
        with self._wake:
            while wait and not self._items and not self._closed:
                self._wake.wait()
            return (self._items.popleft(),) if self._items else None

    def _deliver(self, item: T) -> None:
        try:
            self._send(item)
        except Exception as exc:  # a receiver's problem must never end the channel: counted, kept, shown
            self.count_dropped(1, f"{type(exc).__name__}: {exc}")
        else:
            with self._wake:
                self._sent += 1

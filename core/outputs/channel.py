"""A bounded queue drained by its own thread: the producer (the video thread) never waits for a receiver.

``put`` takes a lock held only for a deque append (never while sending), so a stuck or slow ``send``
costs the producer nothing: once ``capacity`` messages wait, the oldest is dropped and counted (the
newest says what is happening now, which is what a live receiver wants).
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
    """Hands each ``put`` item to ``send`` on a thread of its own, in order.

    ``send`` raising counts the item as dropped and keeps the error's text (``stats().last_error``);
    the channel goes on with the next item. ``close`` sends what still waits, then joins the thread.
    """

    def __init__(self, name: str, send: Callable[[T], None], capacity: int = 64) -> None:
        if capacity < 1:
            raise ValueError(f"channel {name}: capacity must be at least 1, got {capacity}")
        self.name = name
        self._send = send
        self._capacity = capacity
        self._items: deque[T] = deque()
        self._wake = threading.Condition()
        self._closed = False
        self._sent = self._dropped = 0
        self._last_error: str | None = None
        self._thread = threading.Thread(target=self._drain, name=f"handteach-out-{name}", daemon=True)
        self._thread.start()

    def put(self, item: T) -> bool:
        """Queue ``item`` without waiting; False when it pushed out an older item or the channel is closed."""
        with self._wake:
            if self._closed:
                return False
            full = len(self._items) >= self._capacity
            if full:
                self._items.popleft()
                self._dropped += 1
            self._items.append(item)
            self._wake.notify()
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
        """Stop taking items, send those waiting, join the thread (at most ``timeout`` seconds)."""
        with self._wake:
            self._closed = True
            self._wake.notify()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _drain(self) -> None:
        while True:
            with self._wake:
                while not self._items and not self._closed:
                    self._wake.wait()
                if not self._items:  # closed and empty
                    return
                item = self._items.popleft()
            try:
                self._send(item)
            except Exception as exc:  # a receiver's problem must never end the channel: counted, kept, shown
                self.count_dropped(1, f"{type(exc).__name__}: {exc}")
            else:
                with self._wake:
                    self._sent += 1

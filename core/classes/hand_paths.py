"""Where each signed-in person's pages last found hands: in their own browser or on the server (issue 55).

A student's Record and Live pages say it on every run (``ui/browser/path.py``); the teacher's Class page reads it,
so a teacher sees who was moved to the server path and why (a school laptop without WebGL, a body project).
It is this server process's memory, not the store's: Streamlit serves every session from one process, a restart
forgets it (the next run of each student's page says it again), and nothing of it outlives the class.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal

HandPath = Literal["browser", "server"]


@dataclass(frozen=True)
class HandPathSeen:
    """One person's pages' last word on it. ``path``: "browser" (their browser finds the hands) or "server";
    ``reason``: why the server, in the page's own words, where it was not their choice (their browser could not
    find hands, or the project needs the server); None otherwise. ``at``: Unix seconds."""

    path: HandPath
    reason: str | None
    at: float


class HandPaths:
    """Account id -> its ``HandPathSeen``, safe across the server's session threads."""

    def __init__(self) -> None:
        self._seen: dict[int, HandPathSeen] = {}
        self._lock = threading.Lock()

    def saw(self, account_id: int, path: HandPath, reason: str | None, at: float) -> None:
        if path not in ("browser", "server"):
            raise ValueError(f"a hand path is 'browser' or 'server', not {path!r}")
        with self._lock:
            self._seen[int(account_id)] = HandPathSeen(path, reason, float(at))

    def of(self, account_id: int) -> HandPathSeen | None:
        with self._lock:
            return self._seen.get(int(account_id))

    def forget(self, account_id: int) -> None:
        """A deleted account's line goes with it."""
        with self._lock:
            self._seen.pop(int(account_id), None)


HAND_PATHS = HandPaths()  # the server process's one record: every session's pages write here, the Class page reads

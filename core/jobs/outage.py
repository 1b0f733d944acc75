"""The database away, as a process of the job queue sees it: one log line when it goes, one when it is back.

Every part of a queue worker (procrastinate's heartbeat, its job fetching and abort polling, the stalled-job sweep,
the job's progress writes) meets the same outage at once, each second it lasts; logged by each, an 8 s restart of
PostgreSQL was a full traceback a second in the worker's log. Each part says ``down(exc)`` or ``up()`` here instead.
``reachable_for()`` is how long the database has answered since the last outage this process saw: nothing judges
workers by their heartbeats before every live worker had time to beat again after one (``core.jobs.queue_sweep``).
"""

from __future__ import annotations

import logging
import threading
import time

import psycopg
from psycopg_pool import PoolTimeout

from core.data.sql.postgres import _reason
from core.data.sql.schema import StoreError

_LOGGER = logging.getLogger("core.jobs.queue_worker")


def is_database_error(exc: BaseException) -> bool:
    """Whether ``exc`` says the database could not be reached (or dropped the connection), not that a statement was
    wrong: psycopg's ``OperationalError``, a pool timeout, the queue's or the store's one line for it, procrastinate's
    wrapping of any of those."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (psycopg.OperationalError, PoolTimeout, ConnectionError)):
            return True
        if isinstance(current, StoreError) and _away_words(str(current)):
            return True
        current = current.__cause__ or current.__context__
    return False


def _cause(exc: BaseException) -> BaseException:
    """psycopg's own error under procrastinate's wrapping ("Database error."), whose words say what happened."""
    while exc.__cause__ is not None and not isinstance(exc, psycopg.Error):
        exc = exc.__cause__
    return exc


def _away_words(text: str) -> bool:
    from core.data.sql.postgres import AWAY_MESSAGE

    return text.startswith(AWAY_MESSAGE) or "cannot reach the job queue's database" in text or " did not answer" in text


class Outage:
    """This process's view of the database: reachable, or away since a moment (thread-safe)."""

    def __init__(self, url: str = "", logger: logging.Logger = _LOGGER) -> None:
        self._url, self._logger, self._lock = url, logger, threading.Lock()
        self._away_since: float | None = None
        self._back_at = time.monotonic()

    @property
    def away(self) -> bool:
        with self._lock:
            return self._away_since is not None

    def down(self, exc: BaseException) -> None:
        """The database did not answer: said once, as the outage starts."""
        with self._lock:
            if self._away_since is not None:
                return
            self._away_since = time.monotonic()
        self._logger.warning("the database cannot be reached (%s): jobs under way go on, their ends are written once "
                             "it is back", _reason(_cause(exc), self._url)[:200])  # fmt: skip

    def up(self) -> None:
        """The database answered: said once, as the outage ends."""
        with self._lock:
            since, self._away_since = self._away_since, None
            if since is None:
                return
            self._back_at = time.monotonic()
        self._logger.warning("the database is back after %.1f s", time.monotonic() - since)

    def reachable_for(self) -> float:
        """Seconds since the database last came back (or since this process started watching); 0 while away."""
        with self._lock:
            return 0.0 if self._away_since is not None else time.monotonic() - self._back_at

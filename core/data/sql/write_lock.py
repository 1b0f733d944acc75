"""Taking the store's write lock: short polls, a "busy" notice after a second, no path in any message.

SQLite's own busy handler sleeps longer and longer between tries (up to 100 ms), so a writer that waits
behind an import committing batch after batch keeps waking while the next batch holds the lock and can
starve. Here ``BEGIN IMMEDIATE`` is tried every ``POLL_S`` instead: a writer gets in at the first gap
between two batches (``core.data.csv_files.csv_cells`` leaves one after each). A writer that has waited
``NOTICE_AFTER_S`` tells its caller once (``busy_notices``: a page shows it, the command line prints it)
and goes on trying until ``lock_wait_s()``; then ``StoreLockedError``, whose message names no file: it
may reach a student's page, and a server's paths are nobody's business there.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from core.data.sql.schema import LOCK_WAIT_S, StoreLockedError, locked_message

POLL_S = 0.005  # between two tries of BEGIN IMMEDIATE: well under the gap an import leaves between batches
NOTICE_AFTER_S = 1.0  # a writer waiting this long says so once
BUSY_NOTICE = "The server is busy, trying again"
_LOG = logging.getLogger("handteach.store")
_local = threading.local()
_default_say: list[Callable[[str], object]] = []  # set once by the server (ui.server.busy): a toast on the page


def lock_wait_s() -> float:
    """How long a write waits for the lock: ``HANDTEACH_LOCK_WAIT_S`` (tests shorten it), else 30 s."""
    try:
        return max(0.0, float(os.environ.get("HANDTEACH_LOCK_WAIT_S", LOCK_WAIT_S)))
    except ValueError:
        return LOCK_WAIT_S


@contextmanager
def busy_notices(say: Callable[[str], object]) -> Iterator[None]:
    """Writes of this thread inside the block call ``say(BUSY_NOTICE)`` once each when they must wait."""
    before = getattr(_local, "say", None)
    _local.say = say
    try:
        yield
    finally:
        _local.say = before


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc)
    return "locked" in text or "busy" in text


def begin_immediate(conn: sqlite3.Connection) -> None:
    """``BEGIN IMMEDIATE`` on ``conn``, polled every ``POLL_S`` up to ``lock_wait_s()`` (see the module docstring).

    The connection's own busy timeout is off while polling and restored after, for the statements that follow.
    """
    timeout_ms = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    conn.execute("PRAGMA busy_timeout = 0")
    start, noticed, limit = time.monotonic(), False, lock_wait_s()
    try:
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                waited = time.monotonic() - start
                if not _is_busy(exc):
                    raise
                if waited >= limit:
                    raise StoreLockedError(locked_message(waited)) from None
                if not noticed and waited >= NOTICE_AFTER_S:
                    noticed = True
                    notice_busy()
                time.sleep(POLL_S)
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(timeout_ms)}")


def set_default_notice(say: Callable[[str], object]) -> None:
    """Where a waiting write of any thread says so when no ``busy_notices`` block says otherwise."""
    _default_say[:] = [say]


def notice_busy() -> None:
    """Say once that this write waits (``busy_notices``, else the server's default, else the log); PostgreSQL's
    lock (``core.data.sql.postgres``) says it here too."""
    say = getattr(_local, "say", None) or (_default_say[0] if _default_say else None)
    if say is None:
        _LOG.info(BUSY_NOTICE)
    else:
        say(BUSY_NOTICE)

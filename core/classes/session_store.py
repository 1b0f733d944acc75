"""A signed-in page's store: every write checks, in its own transaction, that the page's sign-in still holds.

A Record tab kept open after *Sign out* in another tab, or after the teacher's *New password*, went on storing
takes (issue 68): the page checked the session at each whole-page run only, and the Record fragment, a take's
component message, the server path's recorder thread and an upload write with the store the page had opened.
``SessionStore`` is that store with the check at the one place every write of the store passes
(``write_transaction``): the sign-in (``core.classes.session.SessionRef``) is read on the write's connection
before anything is written, and an ended one raises ``SessionEndedError`` (a ``StoreError``, one plain line), the
transaction rolled back. A *Sign out* committed before the write is seen; one after it comes after the write.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.classes.access import Viewer
from core.classes.session import SessionRef, require_session
from core.data.store import Store


class SessionStore(Store):
    """``Store`` opened as ``viewer`` for the sign-in ``session``: a write of an ended sign-in is refused."""

    def __init__(self, data_dir: Path | str, viewer: Viewer, session: SessionRef) -> None:
        super().__init__(data_dir, viewer=viewer)
        self.session = session

    @contextmanager
    def write_transaction(self, erase: bool = False) -> Iterator[sqlite3.Connection]:
        with super().write_transaction(erase) as conn:
            require_session(conn, self.session)
            yield conn

    def require_session(self) -> None:
        """``SessionEndedError`` unless the sign-in holds now: for a write outside this store (a job sent)."""
        with self.read_connection() as conn:
            require_session(conn, self.session)


def job_store(data_dir: Path | str, viewer: Viewer | None = None, session: SessionRef | None = None) -> Store:
    """The store a job's worker writes with: a ``SessionStore`` for the page's sign-in when the page sent one (a
    training that ends after *Sign out* saves no model), else the viewer's plain store (the command line)."""
    if viewer is not None and session is not None:
        return SessionStore(data_dir, viewer, session)
    return Store(data_dir, viewer=viewer)


def sign_in_of(store: Store) -> dict[str, object]:
    """A job's ``viewer`` and ``session`` keyword arguments for a page's ``store``: who asked, and the sign-in the
    worker's writes must still hold to."""
    return {"viewer": store.viewer, "session": getattr(store, "session", None)}

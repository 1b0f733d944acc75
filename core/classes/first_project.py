"""The project a signed-in person opens on: the one they used last, else their latest own, else one starter.

* ``remember``: the project a person opened last, kept per account in ``server_settings`` (the key
  ``last_project:<account id>``, the project's identity as value: a rename keeps it, a replace or a delete ends
  it). Signing in again, on any browser, opens it (``start_project``) while they may still read it.
* With none remembered, their own project with the latest sample, clip or creation; with none of their own, ONE
  starter project named for them ("Ana's gestures", ``core.classes.names.project_base``: a 58-character name
  fits), made in the same write transaction that finds they own none, so two tabs signing in at once make one.
* Nobody else can take that name first, nor learn from trying whether it exists: a name of that form is kept for
  its person (``core.classes.names.kept_for_another``); where someone of the same name on the server has it, the
  starter gets 6 random letters and digits after it, never a guessable number.
"""

from __future__ import annotations

import secrets
import sqlite3
import string

from core.classes.access import OWNED_IDS, VISIBLE_IDS, Viewer, visible_args
from core.classes.names import FIRST_PROJECT, project_base
from core.data.projects import ProjectStore
from core.data.saved_models.project_folders import folder_moved_aside
from core.data.sql.schema import DuplicateNameError, StoreError
from core.gestures.catalog import DEFAULT_CLASSES
from core.skeletons import HAND_21

LAST_PROJECT = "last_project:{}"  # server_settings' key per account id; the value: the project's identity (uid)
_TRIES = 5
_LATEST_OWN = (
    "SELECT p.name FROM projects p WHERE p.id IN ({owned}) ORDER BY max(p.created_at, "
    "coalesce((SELECT max(s.stored_at) FROM samples s JOIN classes c ON c.id = s.class_id WHERE c.project_id = p.id), 0), "
    "coalesce((SELECT max(k.stored_at) FROM clips k JOIN classes c ON c.id = k.class_id WHERE c.project_id = p.id), 0)"
    ") DESC, p.id DESC LIMIT 1"
)  # fmt: skip


def _viewer_of(store: ProjectStore) -> Viewer:
    if store.viewer is None:
        raise StoreError("only a signed-in person has a first project")
    return store.viewer


def remember(store: ProjectStore, project: str) -> None:
    """Keep ``project`` as the one the store's viewer opens next time (nothing with no viewer, or where it is not
    one they may read); one write, only when it changed."""
    if store.viewer is None:
        return
    key = LAST_PROJECT.format(store.viewer.account_id)
    with store.read_connection() as conn:
        uid = _visible_uid(conn, store, project)
        if uid is None or conn.execute("SELECT 1 FROM server_settings WHERE key = ? AND value = ?",
                                       (key, uid)).fetchone():  # fmt: skip
            return
    with store.write_transaction() as conn:
        conn.execute("INSERT INTO server_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = "
                     "excluded.value", (key, uid))  # fmt: skip


def _visible_uid(conn: sqlite3.Connection, store: ProjectStore, project: str) -> str | None:
    assert store.viewer is not None
    row = conn.execute(f"SELECT uid FROM projects WHERE name = ? AND id IN ({VISIBLE_IDS})",
                       (project, *visible_args(store.viewer))).fetchone()  # fmt: skip
    return None if row is None else str(row[0])


def last_project(store: ProjectStore) -> str | None:
    """The project the store's viewer opened last, if it is still there and theirs to read; else None."""
    viewer = _viewer_of(store)
    with store.read_connection() as conn:
        row = conn.execute(
            f"SELECT p.name FROM projects p JOIN server_settings s ON s.value = p.uid WHERE s.key = ? "
            f"AND p.id IN ({VISIBLE_IDS})",
            (LAST_PROJECT.format(viewer.account_id), *visible_args(viewer)),
        ).fetchone()
    return None if row is None else str(row[0])


def _latest_own(conn: sqlite3.Connection, account_id: int) -> str | None:
    row = conn.execute(_LATEST_OWN.format(owned=OWNED_IDS), (account_id,)).fetchone()
    return None if row is None else str(row[0])


def starter_names(person: str) -> list[str]:
    """The names a starter project of ``person`` tries, in order: "<name>'s gestures", then with random suffixes."""
    base = FIRST_PROJECT.format(project_base(person))
    letters = string.ascii_lowercase + string.digits
    return [base] + [f"{base} {''.join(secrets.choice(letters) for _ in range(6))}" for _ in range(_TRIES)]


def start_project(store: ProjectStore) -> str:
    """The project the store's viewer starts on (see the module); ``StoreError`` only when the store is busy."""
    viewer = _viewer_of(store)
    last = last_project(store)
    if last is not None:
        return last
    with store.read_connection() as conn:
        own = _latest_own(conn, viewer.account_id)
    if own is not None:
        return own
    for name in starter_names(viewer.name):
        try:
            with folder_moved_aside(store.data_dir, name) as stray, store.write_transaction() as conn:
                own = _latest_own(conn, viewer.account_id)  # another tab made it meanwhile: that one
                if own is not None:
                    return own
                store.insert_project(conn, name, "mediapipe", HAND_21.name, False, DEFAULT_CLASSES)
                stray.move()
            return name
        except DuplicateNameError:  # someone of the same name on this server has it: a random suffix
            continue
    raise StoreError("could not make a first project for you: ask your teacher")

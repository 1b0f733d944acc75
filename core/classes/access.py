"""Who may touch which project in a class: the rules ``core.data.projects.ProjectStore`` applies on every route.

A store opened with a ``Viewer`` (a signed-in teacher or student) checks each project it names: its owner may do
anything; the teacher of the owner's class, and every member of it when the owner shared the project, may read it.
A project with no owner (made with no class, or by the server's own ``python -m core``) belongs to the server:
no viewer sees it. A store with no viewer (one person on this machine, the teacher's command line) checks nothing.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Literal, Protocol

from core.classes.names import BadNameError, LookAlikeError, kept_for_another
from core.data.project_rows import ProjectRows
from core.data.sql.schema import DuplicateNameError, NotFoundError, StoreError

Role = Literal["teacher", "student"]
Access = Literal["own", "teacher", "shared"]  # why a viewer may read a project; only "own" may change it


@dataclass(frozen=True)
class Viewer:
    """A signed-in person: their account row, their class's row, and what they are in it."""

    account_id: int
    class_id: int
    role: Role
    name: str  # as typed by the teacher


class GuardedStore(ProjectRows, Protocol):
    """What these rules need of the store they are given (``core.data.projects.ProjectStore``, which imports
    this module): its rows and whose eyes it reads with."""

    viewer: Viewer | None


class NotYoursError(StoreError):
    """A change to a project the viewer may only read."""


# Project ids a viewer may read (args: ``visible_args``) or change (args: the account id).
VISIBLE_IDS = ("SELECT p.id FROM projects p JOIN accounts a ON a.id = p.owner "
               "WHERE p.owner = ? OR (a.school_class_id = ? AND (? = 1 OR p.shared = 1))")  # fmt: skip
OWNED_IDS = "SELECT id FROM projects WHERE owner = ?"


def visible_args(viewer: Viewer) -> tuple[int, int, int]:
    return viewer.account_id, viewer.class_id, int(viewer.role == "teacher")


def access_of(conn: sqlite3.Connection, viewer: Viewer, pid: int) -> Access | None:
    """Why ``viewer`` may read the project ``pid``, or None when they may not even know it exists."""
    row = conn.execute(
        "SELECT p.owner, p.shared, a.school_class_id FROM projects p LEFT JOIN accounts a ON a.id = p.owner "
        "WHERE p.id = ?",
        (pid,),
    ).fetchone()
    if row is None or row[0] is None:
        return None
    owner, shared, class_id = row
    if owner == viewer.account_id:
        return "own"
    if class_id != viewer.class_id:
        return None
    return "teacher" if viewer.role == "teacher" else ("shared" if shared else None)


def check_access(conn: sqlite3.Connection, viewer: Viewer, pid: int, name: str, change: bool) -> Access:
    """``access_of``, raising for a project the viewer may not see (as if it did not exist) or may not change."""
    access = access_of(conn, viewer, pid)
    if access is None:
        raise NotFoundError(f"no project named {name!r} here")
    if change and access != "own":
        raise NotYoursError(f"project {name!r} is not yours: you may look at it, not change it "
                            "(open a copy of it to change that)")  # fmt: skip
    return access


def require_account(conn: sqlite3.Connection, viewer: Viewer | None) -> None:
    """Inside a write that makes a row of ``viewer``'s: their account is still there (``NotFoundError`` once their
    teacher deleted it, a page of theirs having checked a moment before), so nothing is made for nobody."""
    if viewer is not None and not conn.execute("SELECT 1 FROM accounts WHERE id = ?", (viewer.account_id,)).fetchone():
        raise NotFoundError("your account is no longer in this class (your teacher deleted it): nothing was made")


def rows_clause(viewer: Viewer | None, class_column: str, change: bool) -> tuple[str, tuple[int, ...]]:
    """SQL to AND onto a read or change of rows chosen by id (samples, clips): only those of projects ``viewer``
    may read (or, with ``change``, owns); ``class_column`` names the rows' class id. ("", ()) with no viewer."""
    if viewer is None:
        return "", ()
    ids, args = (OWNED_IDS, (viewer.account_id,)) if change else (VISIBLE_IDS, visible_args(viewer))
    return f" AND {class_column} IN (SELECT id FROM classes WHERE project_id IN ({ids}))", args


def check_copy_out(store: GuardedStore, project: str) -> None:
    """A project file of ``project`` may leave the server for its owner or their teacher, not for a classmate it was
    shared with (they open a copy inside the class); raises ``NotYoursError`` / ``NotFoundError``."""
    if store.viewer is None:
        return
    with store.read_connection() as conn:
        if access_of(conn, store.viewer, store.project_id(conn, project)) == "shared":
            raise NotYoursError(f"project {project!r} is not yours: only its owner and the teacher may download it")


def share_project(store: GuardedStore, project: str, shared: bool) -> None:
    """Let the owner's class read ``project`` (or stop it); only its owner may (``NotYoursError`` for others)."""
    with store.write_transaction() as conn:
        conn.execute(
            "UPDATE projects SET shared = ? WHERE id = ?", (int(bool(shared)), store.project_id(conn, project))
        )


def own_projects(store: GuardedStore) -> list[str]:
    """The names of the projects the store's viewer owns (every project with no viewer), by name."""
    with store.read_connection() as conn:
        if store.viewer is None:
            return [r[0] for r in conn.execute("SELECT name FROM projects ORDER BY name")]
        rows = conn.execute("SELECT name FROM projects WHERE owner = ? ORDER BY name", (store.viewer.account_id,))
        return [r[0] for r in rows]


def may_change(store: GuardedStore, project: str) -> bool:
    """Whether the store's viewer may change ``project`` (always with no viewer): a teacher looking at a student's
    project, or a classmate at a shared one, gets the pages without their changing controls."""
    if store.viewer is None:
        return True
    with store.read_connection() as conn:
        return access_of(conn, store.viewer, store.project_id(conn, project)) == "own"


def check_free(conn: sqlite3.Connection, viewer: Viewer | None, name: str,
               taken: tuple[int, str, bool] | None) -> None:  # fmt: skip
    """Inside a write transaction that makes or renames a project ``name``: ``BadNameError`` when ``viewer`` names
    it as another person's first project (``core.classes.names.kept_for_another``), whether or not that exists;
    ``DuplicateNameError`` when the project ``taken`` (id, name, whether the same name rather than a look-alike,
    ``core.classes.names.clash``) has it or looks just like it. Only "taken", as typed, for a classmate's project
    or one of another class: a refusal tells nothing of another person's projects, not even how they spelled its
    name; its spelling only to its owner (and their teacher, who sees their projects)."""
    if viewer is not None and kept_for_another(name, viewer.name):
        raise BadNameError(f"names like \"NAME's gestures\" are kept for each person's first project: {name!r} is "
                           "not yours to take; choose another name")  # fmt: skip
    if taken is None:
        return
    pid, stored, same = taken
    if viewer is not None and access_of(conn, viewer, pid) not in ("own", "teacher"):
        raise DuplicateNameError(f"the name {name!r} is taken on this server: choose another")
    if not same:
        raise LookAlikeError(f"{name!r} looks just like the project {stored!r}: choose a name that looks different")
    note = "" if name == stored else f" ({name!r} differs from it only in case or accents)"
    raise DuplicateNameError(f"a project named {stored!r} already exists{note}")

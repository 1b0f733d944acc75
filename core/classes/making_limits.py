"""How many projects a student may own and how many gestures one of their projects may hold (``ClassLimits.projects``
and ``ClassLimits.gestures``): 300 projects and 150 gestures of one student once counted as nothing, each a name, a
folder and rows on a class's server.

Checked inside the write transaction that makes one (``core.data.projects``: a new project, a project file's, a new
gesture by Record, a rename never), so two tabs at once cannot pass together; a teacher's projects are unbounded. Each
refusal is one ``OverLimitError`` line for the student.
"""

from __future__ import annotations

import sqlite3

from core.classes.quotas import ASK, OverLimitError, student_limits


def check_new_project(conn: sqlite3.Connection, account_id: int | None, gestures: int,
                      replacing: int | None = None) -> None:  # fmt: skip
    """Refuse a new project of ``gestures`` gestures for student ``account_id`` once they own their class's number of
    projects (not counting the project of id ``replacing``, which the new one takes the place of) or when it holds
    more gestures than a project of theirs may."""
    limits = None if account_id is None else student_limits(conn, account_id)
    if limits is None:
        return
    (owned,) = conn.execute("SELECT count(*) FROM projects WHERE owner = ? AND id != ?",
                            (account_id, -1 if replacing is None else replacing)).fetchone()  # fmt: skip
    if owned + 1 > limits.projects:
        raise OverLimitError(f"You have {owned:,} projects and your class's limit is {limits.projects:,}: delete one "
                             f"first, or {ASK}.")  # fmt: skip
    if gestures > limits.gestures:
        raise OverLimitError(f"This project has {gestures:,} gestures and your class allows {limits.gestures:,} in "
                             f"a project: {ASK}.")  # fmt: skip


def check_new_gesture(conn: sqlite3.Connection, pid: int) -> None:
    """Refuse one more gesture in project ``pid`` when its owner, a student, has their class's number there."""
    row = conn.execute("SELECT owner FROM projects WHERE id = ?", (pid,)).fetchone()
    limits = student_limits(conn, row[0]) if row and row[0] is not None else None
    if limits is None:
        return
    (held,) = conn.execute("SELECT count(*) FROM classes WHERE project_id = ?", (pid,)).fetchone()
    if held + 1 > limits.gestures:
        raise OverLimitError(f"This project has {held:,} gestures and your class allows {limits.gestures:,} in a "
                             f"project: delete one first, or {ASK}.")  # fmt: skip

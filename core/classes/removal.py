"""Deleting a student with everything of theirs, or a whole class, and a receipt of what went.

Everything of a student is their account row and their projects: each project's rows (classes, samples with
their crops, clips) and its folder under ``projects/`` (models, fine-tuned weights). The rows go in one
transaction; the folders are moved aside inside it and removed after the commit (``core.data.saved_models.project_folders``),
so a failure leaves everything as it was. Failed sign-ins at their name and on their known browsers go too.

Their jobs (a training queued or running) are cancelled once the rows are gone, on whichever runner the site uses,
the same way from the Class page and the command line (``class delete-student``, ``class end``): the page's runner,
else the site's job queue on PostgreSQL (every app server's jobs), else, on SQLite, each running app server's own
pool, which stops the jobs of an account gone within a second (``gone_owners``, checked by ``LocalRunner``). On
PostgreSQL the queue then forgets them: their job rows, their arguments and any answer (a training's features,
labels and classifier), and a worker still running one writes nothing (``core.jobs.queue_purge``). A job
that ends anyway afterwards finds its project gone and saves nothing (``core.data.saved_models.project_folders``: a model is
saved only into the project identity it was trained on, checked under the store's write lock), and one submitted
in between by a page still open finds no project of theirs to read.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

from core.classes.first_project import LAST_PROJECT
from core.classes.names import check_name
from core.classes.roster import account_row, class_row
from core.data.saved_models.project_folders import PROJECTS_FOLDER, folder_exists, folder_moved_aside
from core.data.sql.database import Database, database_url
from core.data.sql.schema import NotFoundError, StoreError
from core.jobs.job import OWNER_PREFIX, account_owner
from core.jobs.runner import JobRunner


@dataclass(frozen=True)
class Receipt:
    """What a deletion removed (counted before the rows went)."""

    people: tuple[str, ...]  # account names, as typed
    projects: tuple[str, ...]  # project names
    samples: int  # sample rows
    crops: int  # of them, those that held a picture of the hand
    clips: int  # motion clips
    folders: int  # project folders removed
    files: int  # files in those folders
    bytes: int  # of those files
    jobs: int = 0  # their trainings, imports and the like stopped in the server's job runner (queued or running)
    jobs_note: str = ""  # where their jobs are stopped by others (the app servers' own pools), or could not be
    models: int | None = None  # on a shared store (PostgreSQL): model rows deleted (their files); None: one server
    model_bytes: int = 0  # of those rows
    games: int = 0  # Scratch games saved with their projects (core.data.project_games)

    def lines(self) -> list[str]:
        """The receipt for a teacher, one fact a line (names shown as typed, in quotes)."""
        names = ", ".join(repr(p) for p in self.projects) or "none"
        lines = [
            f"Deleted {len(self.people)} account(s): {', '.join(repr(p) for p in self.people)}",
            f"Projects: {len(self.projects)} ({names})",
            f"Samples: {self.samples} ({self.crops} with a picture of the hand); clips: {self.clips}",
            f"Project folders: {self.folders} ({self.files} files, {self.bytes:,} bytes)",
        ]
        # every server's copies of them go at its next look (core.data.saved_models.model_files)
        if self.models is not None:
            lines.append(f"Models kept for every server: {self.models} ({self.model_bytes:,} bytes)")
        if self.games:
            lines.append(f"Scratch games: {self.games}")
        if self.jobs:
            lines.append(f"Stopped {self.jobs} training(s) or import(s) of theirs that were waiting or running")
        if self.jobs_note:
            lines.append(self.jobs_note)
        return lines


def _owned(conn: sqlite3.Connection, account_ids: list[int]) -> list[tuple[int, str]]:
    marks = ",".join("?" * len(account_ids))
    return conn.execute(f"SELECT id, name FROM projects WHERE owner IN ({marks}) ORDER BY name",
                        account_ids).fetchall()  # fmt: skip


def _folder_sizes(folder: Path) -> tuple[int, int]:
    if not folder_exists(folder):
        return 0, 0
    files = [Path(root) / f for root, _, names in os.walk(folder) for f in names]
    return len(files), sum(f.stat().st_size for f in files if f.is_file())


def _remove(store: Database, class_id: int, account_ids: list[int], drop_class: bool,
            runner: JobRunner | None) -> Receipt:  # fmt: skip
    """Delete the accounts (and with ``drop_class`` the class) and every project they own, then cancel their jobs
    in ``runner``; the receipt."""
    with store.read_connection() as conn:
        planned = _owned(conn, account_ids)
    with ExitStack() as folders:
        asides = [folders.enter_context(folder_moved_aside(store.data_dir, name)) for _, name in planned]
        with store.write_transaction(erase=True) as conn:  # the rows' bytes (a child's pictures) zeroed, not freed
            projects = _owned(conn, account_ids)
            if projects != planned:  # a project made or renamed meanwhile: its folder was not set aside
                raise StoreError("a project of theirs changed meanwhile; nothing was deleted: try again")
            receipt = _count(store, conn, account_ids, projects)
            for aside in asides:
                aside.move()
            marks = ",".join("?" * len(account_ids))
            conn.execute(f"DELETE FROM projects WHERE owner IN ({marks})", account_ids)
            keys = [f"name:{code}:{key}" for code, key in conn.execute(
                f"SELECT c.code, a.name_key FROM accounts a JOIN school_classes c ON c.id = a.school_class_id "
                f"WHERE a.id IN ({marks})", account_ids)]  # fmt: skip
            conn.executemany("DELETE FROM sign_in_failures WHERE key IN (?, ?)", [(k, f"pending:{k}") for k in keys])
            conn.executemany("DELETE FROM sign_in_failures WHERE key LIKE ? OR key LIKE ?",  # their browsers' tries
                             [(f"device:%:{i}", f"pending:device:%:{i}") for i in account_ids])  # fmt: skip
            conn.executemany("DELETE FROM server_settings WHERE key = ?",
                             [(LAST_PROJECT.format(i),) for i in account_ids])  # fmt: skip
            conn.execute(f"DELETE FROM accounts WHERE id IN ({marks})", account_ids)
            if drop_class:
                conn.execute("DELETE FROM school_classes WHERE id = ?", (class_id,))
    owners = [account_owner(i) for i in account_ids]
    if runner is not None:  # the page's: the server's own runner (its pool, or the site's queue)
        receipt = replace(receipt, jobs=sum(runner.cancel_owner(o) for o in owners))
    elif not store.shared:  # SQLite: the jobs run in the app servers' own pools, which stop them (``gone_owners``)
        return replace(receipt, jobs_note=ELSEWHERE_NOTE)
    if not store.shared:
        return receipt
    from core.jobs.queue import cancel_owners  # procrastinate and psycopg only where the store is PostgreSQL

    try:  # the site's queue: their jobs stopped on every server, then their rows, answers and arguments deleted
        stopped = cancel_owners(database_url(), owners)
    except StoreError as exc:  # the rows are gone already; a job that ends anyway saves nothing (above)
        return replace(receipt, jobs_note=f"Their waiting or running jobs were not stopped: {exc}")
    return receipt if runner is not None else replace(receipt, jobs=stopped)


ELSEWHERE_NOTE = "Any training or import of theirs on a running app server stops within a second or two"


def gone_owners(store: Database, owners: set[str]) -> set[str]:
    """Of job owners, those of accounts (``core.jobs.job.account_owner``) no longer in ``store``: their jobs are
    cancelled by the pool running them. A tab's own owner (no account) is never gone here."""
    ids = {owner: int(owner[len(OWNER_PREFIX):]) for owner in owners
           if owner.startswith(OWNER_PREFIX) and owner[len(OWNER_PREFIX):].isdigit()}  # fmt: skip
    if not ids:
        return set()
    marks = ",".join("?" * len(ids))
    with store.read_connection() as conn:
        kept = {r[0] for r in conn.execute(f"SELECT id FROM accounts WHERE id IN ({marks})", list(ids.values()))}
    return {owner for owner, i in ids.items() if i not in kept}


def _count(store: Database, conn: sqlite3.Connection, account_ids: list[int],
           projects: list[tuple[int, str]]) -> Receipt:  # fmt: skip
    marks, pids = ",".join("?" * len(account_ids)), [p for p, _ in projects]
    people = tuple(r[0] for r in conn.execute(f"SELECT name FROM accounts WHERE id IN ({marks}) ORDER BY id",
                                              account_ids))  # fmt: skip
    in_projects = f"class_id IN (SELECT id FROM classes WHERE project_id IN ({','.join('?' * len(pids))}))"
    samples, crops = conn.execute(
        f"SELECT COUNT(*), COUNT(crop_jpeg) FROM samples WHERE {in_projects}", pids
    ).fetchone()
    (clips,) = conn.execute(f"SELECT COUNT(*) FROM clips WHERE {in_projects}", pids).fetchone()
    (games,) = conn.execute(f"SELECT COUNT(*) FROM project_games WHERE project_id IN ({','.join('?' * len(pids))})",
                            pids).fetchone()  # fmt: skip
    sizes = [_folder_sizes(store.data_dir / PROJECTS_FOLDER / name) for _, name in projects]
    folders = sum(1 for _, name in projects if folder_exists(store.data_dir / PROJECTS_FOLDER / name))
    models, model_bytes = None, 0
    if store.shared and pids:
        models, model_bytes = conn.execute(f"SELECT COUNT(*), COALESCE(SUM(size), 0) FROM project_models "
                                           f"WHERE project_id IN ({','.join('?' * len(pids))})", pids).fetchone()  # fmt: skip
    elif store.shared:
        models = 0
    return Receipt(people, tuple(n for _, n in projects), samples, crops, clips, folders,
                   sum(s[0] for s in sizes), sum(s[1] for s in sizes), models=models,
                   model_bytes=int(model_bytes), games=games)  # fmt: skip


def delete_student(store: Database, class_name: str, name: str, runner: JobRunner | None = None) -> Receipt:
    """Delete the student ``name`` of the class and everything of theirs, their jobs in ``runner`` cancelled; the
    teacher's account is not deleted this way (``end_class`` ends the class)."""
    with store.read_connection() as conn:
        school_class = class_row(conn, class_name)
        account = account_row(conn, school_class.id, check_name(name, "student's name"))
    if account is None or account.role != "student":
        raise NotFoundError(f"class {class_name!r} has no student named {name!r}")
    return _remove(store, school_class.id, [account.id], drop_class=False, runner=runner)


def end_class(store: Database, class_name: str, runner: JobRunner | None = None) -> Receipt:
    """Delete the class: its teacher, its students, all their projects and folders, their jobs in ``runner``."""
    with store.read_connection() as conn:
        school_class = class_row(conn, class_name)
        ids = [r[0] for r in conn.execute("SELECT id FROM accounts WHERE school_class_id = ?", (school_class.id,))]
    return _remove(store, school_class.id, ids, drop_class=True, runner=runner)

"""A project's folder (its saved models) tied to the project itself, not to its name.

A project's identity (the ``uid`` column, ``ProjectStore.project_identity``) is new on every create, import
and replace, and kept by a rename. A training reads it before it reads the samples, and saves through
``project_folder``: with the store's write lock held, which every replace, delete and rename of a project
takes too, it finds the project by that identity, so a model lands in the project it was trained on, under
its name now, or nowhere (``ProjectReplacedError``) when that project was replaced or deleted meanwhile.

``FolderAside`` moves a project's folder out of the way inside such a transaction (a delete, a create over
a stray folder), so a new project of the same name never inherits an old model.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from core.data.schema import StoreError

if TYPE_CHECKING:
    from core.data.projects import ProjectStore

PROJECTS_FOLDER = "projects"
ASIDE_PREFIX = ".replaced-"  # as core.data.bundle_import's: a data folder's staging names are one family


class ProjectReplacedError(StoreError):
    """The project a training (or fine-tuning) started from was replaced or deleted meanwhile: nothing was saved."""


def new_identity() -> str:
    return uuid.uuid4().hex


def project_now(store: ProjectStore, name: str, identity: str | None, what: str = "the model") -> str:
    """The name the project ``identity`` has now (``name``, unless renamed since); with ``identity`` None, the
    project named ``name``. ``ProjectReplacedError`` when it is gone, naming ``what`` was not saved."""
    with store.read_connection() as conn:
        return _name_of(store, conn, name, identity, what)


@contextmanager
def project_folder(store: ProjectStore, name: str, identity: str | None,
                   what: str = "the model") -> Iterator[tuple[str, Path]]:  # fmt: skip
    """(name now, folder) of the project ``identity`` (see ``project_now``), the store's write lock held until the
    block ends: a model saved in the block cannot land in a project that replaced it, or outlive a delete."""
    with store.write_transaction() as conn:
        now = _name_of(store, conn, name, identity, what)
        yield now, store.data_dir / PROJECTS_FOLDER / now


def _name_of(store: ProjectStore, conn: sqlite3.Connection, name: str, identity: str | None, what: str) -> str:
    if identity is None:
        store.project_id(conn, name)  # NotFoundError for a project that never was
        return name
    row = conn.execute("SELECT name FROM projects WHERE uid = ?", (identity,)).fetchone()
    if row is None:
        taken = conn.execute("SELECT 1 FROM projects WHERE name = ?", (name,)).fetchone()
        raise ProjectReplacedError(f"the project {name!r} was {'replaced' if taken else 'deleted'} while training; "
                                   f"{what} was not saved")  # fmt: skip
    return str(row[0])


class FolderAside:
    """A project folder moved aside inside a write transaction: ``drop`` after the commit, ``undo`` if it failed."""

    def __init__(self, data_dir: Path, name: str) -> None:
        self.folder = data_dir / PROJECTS_FOLDER / name
        self.aside = data_dir / f"{ASIDE_PREFIX}{uuid.uuid4().hex[:12]}"
        self.moved = False

    def move(self) -> None:
        if self.folder.exists():
            os.replace(self.folder, self.aside)  # gone at once; a failing move fails the transaction
            self.moved = True

    def undo(self) -> None:
        if self.moved:
            os.replace(self.aside, self.folder)
            self.moved = False

    def drop(self) -> None:
        if self.moved:
            shutil.rmtree(self.aside, ignore_errors=True)

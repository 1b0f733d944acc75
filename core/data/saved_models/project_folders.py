"""A project's folder (its saved models) tied to the project itself, not to its name.

A project's identity (the ``uid`` column, ``ProjectStore.project_identity``) is new on every create, import
and replace, and kept by a rename. A training reads it before it reads the samples, and saves through
``project_folder``: with the store's write lock held, which every replace, delete and rename of a project
takes too, it finds the project by that identity, so a model lands in the project it was trained on, under
its name now, or nowhere (``ProjectReplacedError``) when that project was replaced or deleted meanwhile.

``folder_moved_aside`` moves a project's folder out of the way inside such a transaction (a delete, a create
over a stray folder), so a new project of the same name never inherits an old model.

A project's name is its folder's name, so it must fit one: a new name (create, rename, import) takes at most
``MAX_NAME_BYTES`` bytes of UTF-8 (``check_new_name``); a name an older handteach let through that the disk
cannot hold makes its project unusable (``UnusableNameError``), never the store or the app: it can still be
listed, exported, imported under another name and deleted.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.classes.quotas import check_model_room
from core.data.project_rows import ProjectRows
from core.data.saved_models.model_files import Published, StagedModels
from core.data.sql.schema import StoreError
from core.gestures.catalog import InvalidNameError
from core.io.atomic import move

PROJECTS_FOLDER = "projects"
ASIDE_PREFIX = ".replaced-"  # as core.data.bundles.bundle_import's: a data folder's staging names are one family
# Most disks allow 255 bytes a folder name; the rest leaves room for names made from a project's ("NAME.handteach").
MAX_NAME_BYTES = 200
_USUAL_NAME_MAX = 255  # where the disk does not say


class UnusableNameError(StoreError):
    """A stored project whose name cannot be a folder name on this disk: it cannot hold a model."""


class ProjectReplacedError(StoreError):
    """The project a training (or fine-tuning) started from was replaced or deleted meanwhile: nothing was saved."""


def new_identity() -> str:
    return uuid.uuid4().hex


def check_new_name(name: str, what: str = "project name") -> str:
    """``name`` (checked by ``validate_name`` already) if it fits a folder name; ``InvalidNameError`` saying why not."""
    size = len(name.encode("utf-8"))
    if size > MAX_NAME_BYTES:
        raise InvalidNameError(f"{what} {name[:20]!r}… is {size} bytes long as a folder name; the limit is "
                               f"{MAX_NAME_BYTES} bytes (UTF-8: an emoji takes 4): choose a shorter name")  # fmt: skip
    return name


def folder_problem(data_dir: Path, name: str) -> str | None:
    """Why the project ``name`` cannot have a folder in ``data_dir`` (its name is longer than the disk allows), or None."""
    size = len(name.encode("utf-8"))
    if size <= MAX_NAME_BYTES:
        return None
    limit = _name_max(data_dir)
    if size <= limit:
        return None
    return (f"project {name[:20]!r}… cannot be used: its name takes {size} bytes, more than the {limit} a folder name "
            "may take here (an older handteach let it through). Its samples are safe: export it "
            "(`python -m core projects export NAME -o FILE.handteach`, then `projects import FILE.handteach --as "
            "SHORTER`), or delete it")  # fmt: skip


def _name_max(data_dir: Path) -> int:
    for folder in (data_dir, *data_dir.parents):  # the data folder may not exist yet
        try:
            return int(os.pathconf(folder, "PC_NAME_MAX"))
        except (OSError, ValueError):
            continue
    return _USUAL_NAME_MAX


def require_folder(data_dir: Path, name: str) -> Path:
    """``data_dir/projects/name``; ``UnusableNameError`` when the disk cannot hold that folder (``folder_problem``)."""
    problem = folder_problem(data_dir, name)
    if problem:
        raise UnusableNameError(problem)
    return data_dir / PROJECTS_FOLDER / name


def folder_exists(path: Path) -> bool:
    """``path.exists()``, False for a name too long to exist (Python raises there)."""
    try:
        return path.exists()
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            return False
        raise


def project_now(store: ProjectRows, name: str, identity: str | None, what: str = "the model") -> str:
    """The name the project ``identity`` has now (``name``, unless renamed since); with ``identity`` None, the
    project named ``name``. ``ProjectReplacedError`` when it is gone, naming ``what`` was not saved."""
    with store.read_connection() as conn:
        return name_now(store, conn, name, identity, what)


@contextmanager
def project_folder(store: ProjectRows, name: str, identity: str | None, what: str = "the model",
                   grows: bool = True) -> Iterator[tuple[str, Path]]:  # fmt: skip
    """(name now, folder) of the project ``identity`` (see ``project_now``), the store's write lock held until the
    block ends: a model saved in the block cannot land in a project that replaced it, or outlive a delete, nor, with
    a viewer (``core.classes.access``), in a project that is not theirs.

    On a shared store the folder is a private copy of the project's models (``core.data.saved_models.model_files``): what the
    block changes in it becomes the project's model rows in the same transaction, and this server's copy after the
    commit; a block that raises changes nothing anywhere.

    A model counts in its owner's quota (``core.classes.quotas``): on a shared store a save that leaves a student
    over their class's limit, and holding more than before it, rolls back; on one server, whose files are not the
    transaction's, a student already over it saves nothing (``grows`` False: a block that only rewrites a saved
    model's notes, never refused)."""
    published: list[Published] = []
    with store.write_transaction() as conn:
        now = name_now(store, conn, name, identity, what)
        if store.viewer is not None:  # in a class only the owner writes a project's folder (NotYoursError)
            store.project_id(conn, now)
        (pid,) = conn.execute("SELECT id FROM projects WHERE name = ?", (now,)).fetchone()
        if not store.shared:
            if grows:
                check_model_room(store, conn, pid)
            yield now, require_folder(store.data_dir, now)
            return
        before = check_model_room(store, conn, pid, before=1 << 62)  # what they hold: never refused here
        staged = StagedModels(conn, store.data_dir, pid)
        try:
            yield now, staged.folder
            published = staged.publish(conn)
            check_model_room(store, conn, pid, before)
        finally:
            staged.close()
    staged.keep(published)


def name_now(store: ProjectRows, conn: sqlite3.Connection, name: str, identity: str | None, what: str,
             during: str = "training") -> str:  # fmt: skip
    """``project_now`` on ``conn`` (a ``write_transaction``'s, to write in the same one): ``ProjectReplacedError``
    saying the project was replaced or deleted ``during`` what (a training, a take), so ``what`` was not saved."""
    if identity is None:
        store.project_id(conn, name)  # NotFoundError for a project that never was
        return name
    row = conn.execute("SELECT name FROM projects WHERE uid = ?", (identity,)).fetchone()
    if row is None:
        taken = conn.execute("SELECT 1 FROM projects WHERE name = ?", (name,)).fetchone()
        raise ProjectReplacedError(f"the project {name!r} was {'replaced' if taken else 'deleted'} while {during}; "
                                   f"{what} was not saved")  # fmt: skip
    return str(row[0])


class FolderAside:
    """A project folder moved aside inside a write transaction: ``drop`` after the commit, ``undo`` if it failed."""

    def __init__(self, data_dir: Path, name: str) -> None:
        self.folder = data_dir / PROJECTS_FOLDER / name
        self.aside = data_dir / f"{ASIDE_PREFIX}{uuid.uuid4().hex[:12]}"
        self.moved = False

    def move(self) -> None:
        if folder_exists(self.folder):
            move(self.folder, self.aside)  # gone at once; a failing move fails the transaction
            self.moved = True

    def undo(self) -> None:
        if self.moved:
            move(self.aside, self.folder)
            self.moved = False

    def drop(self) -> None:
        if self.moved:
            shutil.rmtree(self.aside, ignore_errors=True)


@contextmanager
def folder_moved_aside(data_dir: Path, name: str) -> Iterator[FolderAside]:
    """Around a write transaction whose block calls ``move()``: the folder comes back if the block or its commit
    fails, and is removed once both succeeded (enter this before the transaction, so it exits after the commit)."""
    folder = FolderAside(data_dir, name)
    try:
        yield folder
    except BaseException:
        folder.undo()
        raise
    folder.drop()

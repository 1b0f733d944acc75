"""The files a data folder manages, and the one guard that keeps a command's output off them.

A data folder holds the store (``handteach.sqlite`` with SQLite's ``-wal``, ``-shm`` and ``-journal`` files beside
it), the projects' models under ``projects/``, and an import's staging folders (``.import-*``, ``.replaced-*``).
An output written there replaces the store or a model with a CSV, a zip or an ONNX file: every project gone, or
a model that no longer loads. Every CLI command that writes a file or folder the user names asks
``check_output`` first, before it opens the store or writes a byte.

Paths are compared as the filesystem sees them: relative paths and symlinks resolved, and an existing output
compared by identity (device and inode) too, so a hard link to the store, or ``Projects/`` on a case-insensitive
disk, is caught as well.
"""

from __future__ import annotations

import os
from pathlib import Path

from core.data.sql.schema import DB_NAME, default_data_dir

# SQLite's companions of the database: replacing one under a live store corrupts it as surely as the file itself.
STORE_FILES = (DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", f"{DB_NAME}-journal")
MANAGED_FOLDERS = ("projects", "model-cache")  # model-cache: a shared store's models (core.data.saved_models.model_files)
STAGING_PREFIXES = (".import-", ".replaced-")  # core.data.bundles.bundle_import's folders while a project is imported


class ManagedPathError(ValueError):
    """An output path that is, or lies inside, a file or folder the data folder manages."""


def check_output(path: str | os.PathLike[str], data_dir: str | os.PathLike[str] | None = None,
                 folder: bool = False) -> Path:  # fmt: skip
    """``path`` as given, or ``ManagedPathError`` when writing it would land on the data folder's own files.

    ``data_dir`` is the command's data folder (default: ``default_data_dir()``). ``folder``: ``path`` is an
    output folder (``infer -o DIR``, ``train-cpm --out``): refused when it is or lies inside a managed folder.
    """
    root = Path(data_dir) if data_dir is not None else default_data_dir()
    what = managed_part(path, root)
    if what is not None:
        kind = "an output folder" if folder else "an output"
        raise ManagedPathError(f"{path}: refused as {kind}: {what} (data folder {root}); writing there would "
                               f"destroy it, so nothing was written. Choose a path outside {DB_NAME}, its -wal and "
                               "-shm files and projects/")  # fmt: skip
    return Path(path)


def managed_part(path: str | os.PathLike[str], data_dir: str | os.PathLike[str]) -> str | None:
    """What of ``data_dir`` the path ``path`` names ("it is the store itself", ...), or None."""
    real, root = Path(os.path.realpath(path)), Path(os.path.realpath(data_dir))
    if _same(real, root / DB_NAME):
        return "it is the store itself, which holds every project"
    for name in STORE_FILES[1:]:
        if _same(real, root / name):
            return f"it is the store's {name} file, part of its database"
    for name in MANAGED_FOLDERS:
        if _inside(real, root / name):
            return f"it lies in {name}/, which holds the projects' models"
    relative = _relative(real, root)
    if relative is not None and relative.parts and relative.parts[0].startswith(STAGING_PREFIXES):
        return "it lies in the folder of a project import in progress"
    if _hard_link_into(real, root / MANAGED_FOLDERS[0]):
        return "it is another name (a hard link) of a file in projects/"
    return None


def _same(path: Path, managed: Path) -> bool:
    if path == managed:
        return True
    try:
        return os.path.samestat(path.stat(), managed.stat())
    except OSError:  # either is missing: then they are not one file
        return False


def _inside(path: Path, folder: Path) -> bool:
    if path == folder or folder in path.parents:
        return True
    try:
        target = folder.stat()
    except OSError:
        return False
    for candidate in (path, *path.parents):  # an existing ancestor that is the folder under another name
        try:
            if os.path.samestat(candidate.stat(), target):
                return True
        except OSError:
            continue
    return False


def _relative(path: Path, root: Path) -> Path | None:
    try:
        return path.relative_to(root)
    except ValueError:
        return None


def _hard_link_into(path: Path, folder: Path) -> bool:
    """An existing file with several names, one of them under ``folder`` (a model file linked elsewhere)."""
    try:
        info = path.stat()
    except OSError:
        return False
    if info.st_nlink < 2 or not folder.is_dir():
        return False
    for directory, _, files in os.walk(folder):
        for name in files:
            try:
                if os.path.samestat(os.stat(os.path.join(directory, name)), info):
                    return True
            except OSError:
                continue
    return False

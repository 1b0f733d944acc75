"""Atomic file writes: readers see the old file or the new one, never half of one.

Everything is written to a temporary file in the target's folder (a rename across
filesystems is not atomic), flushed to disk with ``fsync``, then moved over the target
with ``os.replace``; the folder is fsynced too, so the new name survives a power cut.
A failed write removes its temporary file and leaves the target as it was.

Folders are replaced the same way: written whole beside their place, then moved in with one rename
(``replace_folder``); ``move`` is that one rename for callers that keep the old folder aside (to undo a
transaction). This module is the only one in ``core/`` that calls ``os.replace`` (tests/test_architecture.py).
"""

from __future__ import annotations

import errno
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_path", "move", "replace_folder", "write_bytes", "write_text"]


def _fsync(path: Path, flags: int = os.O_RDONLY) -> None:
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` for a writer that wants a file name (numpy, safetensors);
    when the block ends without an error it becomes ``path``.

    The temporary name keeps the target's extension (``np.savez`` would otherwise append
    ``.npz``) and is unique per call, so two writers of one target never share it; the
    writer creates the file, so it gets the usual permissions.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.tmp{target.suffix}")
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _named(exc, target) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync(target.parent)


_FULL = {errno.ENOSPC: "disk full", errno.EDQUOT: "disk quota exceeded", errno.EFBIG: "file too large"}


def _named(exc: OSError, target: Path) -> OSError:
    """``exc`` naming ``target`` (the file the user asked for, not our temporary one): a full disk becomes
    "<target>: disk full", which the CLI prints as one ``error:`` line; the old ``target`` is kept."""
    if exc.errno in _FULL:
        return OSError(exc.errno, f"{_FULL[exc.errno]}; the previous file, if any, is unchanged", str(target))
    if exc.filename is None:
        return OSError(exc.errno, exc.strerror or str(exc), str(target))
    return exc


def write_bytes(path: str | Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (see the module docstring)."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text(path: str | Path, text: str) -> None:
    """Replace ``path`` with UTF-8 ``text`` atomically."""
    write_bytes(path, text.encode("utf-8"))


def move(source: str | Path, target: str | Path) -> None:
    """Rename ``source`` (a file or a folder) to ``target`` in one step: readers see it at one place or the other.

    Both are on one filesystem (a rename across filesystems is a copy, and fails here with ``EXDEV``); a file at
    ``target`` is replaced, a folder at ``target`` must be empty or absent.
    """
    os.replace(source, target)


def replace_folder(fresh: str | Path, target: str | Path, aside: str | Path) -> None:
    """Put the folder ``fresh`` (written whole beside ``target``) in ``target``'s place.

    The old ``target``, if any, is first moved to ``aside`` (a name beside it) and deleted once ``fresh`` is in:
    readers find the old folder or the new one, and only between the two renames none.
    """
    target = Path(target)
    if target.exists():
        move(target, aside)
    move(fresh, target)
    shutil.rmtree(aside, ignore_errors=True)

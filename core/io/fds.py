"""Running out of file descriptors, told apart from a broken store or a missing model file.

At its descriptor limit (``ulimit -n``, 1024 by default and lower on some systems; each webcam tab holds a
few) a process cannot open a file, and the libraries say so in their own words: SQLite "unable to open
database file", as if the store could not be written; MediaPipe "Can't find file ...hand_landmark_full.tflite",
as if it were not installed. ``raise_if_out_of_fds`` turns such an error into ``TooManyOpenFilesError``, whose
message says what happened and what to do, when the process is indeed at (or within a few of) its limit.
"""

from __future__ import annotations

import errno
import os
import resource
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

FD_ERRNOS = (errno.EMFILE, errno.ENFILE)  # the process's limit, the system's
# Descriptors an open needs at once: SQLite's database, -wal and -shm files and a journal; MediaPipe's graph
# and model files. Fewer free than this when an open failed: the limit is the likely cause.
HEADROOM = 8
SQLITE_MARKERS = ("unable to open",)
MEDIAPIPE_MARKERS = ("Can't find file", "Failed to load resource")
MEDIAPIPE_FILES = "MediaPipe could not open its model files"  # what a tracker that could not start names


class TooManyOpenFilesError(ValueError):
    """The process (or the system) ran out of file descriptors; the message says what to do."""


def fd_limit() -> int | None:
    """The process's soft limit of open files (``ulimit -n``), None when unlimited."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return None if soft == resource.RLIM_INFINITY else soft


def open_fd_count() -> int | None:
    """Descriptors the process holds open now, None where the system does not list them."""
    for folder in ("/proc/self/fd", "/dev/fd"):
        try:
            return len(os.listdir(folder)) - 1  # less the one the listing itself opened
        except FileNotFoundError:
            continue
        except OSError as exc:
            return fd_limit() if exc.errno in FD_ERRNOS else None  # not even one left to look with
    return None


def near_fd_limit(headroom: int = HEADROOM) -> bool:
    """True when fewer than ``headroom`` descriptors are left under the limit."""
    limit, used = fd_limit(), open_fd_count()
    return limit is not None and used is not None and limit - used < headroom


def too_many_open_files_text() -> str:
    limit = fd_limit()
    return (f"too many open files (limit {limit if limit is not None else 'none'}): close other tabs or programs, "
            "or raise the limit (ulimit -n)")  # fmt: skip


def out_of_fds(exc: BaseException, markers: Sequence[str] = ()) -> bool:
    """Whether ``exc`` means the process ran out of descriptors: an ``OSError`` EMFILE/ENFILE, or an error whose
    text holds one of ``markers`` (a library's words for a file it could not open) while near the limit."""
    if isinstance(exc, OSError) and exc.errno in FD_ERRNOS:
        return True
    return any(marker in str(exc) for marker in markers) and near_fd_limit()


def raise_if_out_of_fds(exc: BaseException, what: str, markers: Sequence[str] = ()) -> None:
    """``TooManyOpenFilesError`` naming ``what`` (from ``exc``) when ``out_of_fds(exc, markers)``; else nothing,
    and the caller re-raises ``exc``."""
    if out_of_fds(exc, markers):
        raise TooManyOpenFilesError(f"{what}: {too_many_open_files_text()}") from exc


@contextmanager
def fd_exhaustion_named(what: str, markers: Sequence[str] = ()) -> Iterator[None]:
    """Inside the block, an ``OSError`` or ``RuntimeError`` that ``out_of_fds`` explains becomes
    ``TooManyOpenFilesError`` naming ``what``; any other passes unchanged."""
    try:
        yield
    except (OSError, RuntimeError) as exc:
        raise_if_out_of_fds(exc, what, markers)
        raise

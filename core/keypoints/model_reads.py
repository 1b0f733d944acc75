"""A keypoint model file checked by ``os.stat`` before one byte of it is read, then hashed while streamed.

A model file stands where anyone with the folder can put anything: a 3 GB file read whole to be refused took 13.9 s
and 3.1 GB (a MemoryError traceback under a memory cap), and a FIFO in its place hung the server on its first read.
So the size and kind come first (a regular file of the size the manifest says, or under a cap where no size is
known), the file is opened without waiting on a writer and checked again as opened (a file swapped in between is
refused), and its bytes are hashed in chunks: memory holds one chunk, never the file.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

READ_CHUNK = 1024 * 1024
# O_NONBLOCK: a FIFO opens at once instead of waiting for a writer (regular files ignore it)
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


class ModelFileProblem(ValueError):
    """What is wrong with a model file, in a few words (``missing``, ``not a regular file``, ``N bytes, M expected``):
    the caller puts it into its one line naming the file and the make step."""

    def __init__(self, words: str, missing: bool = False) -> None:
        super().__init__(words)
        self.missing = missing


@dataclass(frozen=True)
class StreamedFile:
    """A model file as read: its SHA-256 (hex), and its bytes when the caller asked to keep them."""

    sha256: str
    data: bytes | None


def _same_file(first: os.stat_result, second: os.stat_result) -> bool:
    return (first.st_dev, first.st_ino, first.st_size) == (second.st_dev, second.st_ino, second.st_size)


def checked_size(path: Path, size: int | None, cap: int) -> os.stat_result:
    """``os.stat`` of ``path`` when it is a regular file of ``size`` bytes (any size up to ``cap`` when ``size`` is
    None); ``ModelFileProblem`` otherwise. Reads nothing."""
    try:
        info = os.stat(path)  # follows a symlink: the file that would be read is the one checked
    except FileNotFoundError:
        raise ModelFileProblem("missing", missing=True) from None
    if not stat.S_ISREG(info.st_mode):
        raise ModelFileProblem("not a regular file")
    if size is not None and info.st_size != size:
        raise ModelFileProblem(f"truncated or changed ({info.st_size:,} bytes, {size:,} expected)")
    if info.st_size > cap:
        raise ModelFileProblem(f"{info.st_size:,} bytes, over the {cap:,} a keypoint model may have")
    return info


def stream_checked(path: Path, size: int | None, cap: int, keep: bool = False) -> StreamedFile:
    """``path``'s SHA-256, read in ``READ_CHUNK`` pieces after ``checked_size`` passed (its bytes too with ``keep``);
    ``ModelFileProblem`` when the check fails, the file opened is not the one checked, or it changes while read.
    ``OSError`` (out of descriptors, a permission) passes to the caller."""
    before = checked_size(path, size, cap)
    digest = hashlib.sha256()
    pieces: list[bytes] = []
    handle = os.open(path, _OPEN_FLAGS)
    try:
        if not _same_file(before, os.fstat(handle)):
            raise ModelFileProblem("replaced while being checked")
        read = 0
        while read <= before.st_size:
            piece = os.read(handle, min(READ_CHUNK, before.st_size + 1 - read))
            if not piece:
                break
            read += len(piece)
            digest.update(piece)
            if keep:
                pieces.append(piece)
    finally:
        os.close(handle)
    if read != before.st_size:
        raise ModelFileProblem(f"changed while being read ({read:,} bytes read, {before.st_size:,} expected)")
    return StreamedFile(digest.hexdigest(), b"".join(pieces) if keep else None)

"""Reading files that a user or another program can place (model descriptions and weights), trusting nothing.

``read_capped`` refuses anything but a regular file (a symlink to ``/dev/zero`` or a FIFO would be read
forever) and anything over a byte limit, checked on the size before reading and again while reading, so
a file that grows underneath cannot pass. ``parse_json`` turns every way JSON text can fail, deep nesting
(``RecursionError``) and non-finite numbers included, into the caller's error type naming the file.
"""

from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path
from typing import Any


def _n(value: int) -> str:
    return f"{value:,}"


def checked_size(path: Path, limit: int, error: type[ValueError]) -> int:
    """The size of ``path``; ``error`` naming it when missing, not a regular file, or over ``limit`` bytes."""
    try:
        info = os.stat(path)  # follows a symlink: what would be read counts
    except FileNotFoundError:
        raise error(f"{path}: file is missing") from None
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{path}: not a regular file")
    if info.st_size > limit:
        raise error(f"{path}: {_n(info.st_size)} bytes, over the limit of {_n(limit)} bytes for this file")
    return info.st_size


def read_capped(path: Path, limit: int, error: type[ValueError]) -> bytes:
    """The bytes of ``path``; ``error`` naming it when missing, not a regular file, or over ``limit`` bytes."""
    checked_size(path, limit, error)
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise error(f"{path}: grew past the limit of {_n(limit)} bytes while being read")
    return data


def _refuse_constant(name: str) -> float:
    raise ValueError(f"holds {name}, which is not a number")


def parse_json(data: bytes | str, where: str | Path, error: type[ValueError], what: str = "JSON file") -> Any:
    """``data`` parsed as JSON; ``error`` "<where>: not a readable <what> (...)" for any failure (``where``: a
    file, or a file and its member).

    NaN and ±Infinity (which Python's json accepts) are refused: no setting a model reads may be non-finite.
    """
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise error(f"{where}: not a readable {what} (nested too deeply)") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise error(f"{where}: not a readable {what} ({exc})") from None
    return value


def is_finite_number(value: object) -> bool:
    """A JSON number (not a bool) that is finite."""
    return type(value) in (int, float) and math.isfinite(value)

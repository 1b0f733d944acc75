"""Progress of work over frames (or rows): how many a file will give, and one counter across files.

A page waiting on a 13 s video showed a spinner for 13 s. Work over images and videos reports frames done
of the frames planned (``FrameCounter``, through a ``Progress`` callback) and stops at a ``threading.Event``
between frames; the planned count comes from the file's header (``planned_frames``), before any decoding.
A CSV import counts rows (``count_lines``); being all or nothing, it stops by raising ``Stopped`` from
inside its transaction (``counted``), which rolls back.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

Progress = Callable[[int, int], None]  # (frames done, frames planned; 0 when a header does not say)
T = TypeVar("T")


class Stopped(Exception):
    """A cancel ended an all-or-nothing job (a CSV import) before its end: nothing of it was stored."""


def seconds_left(seconds: float, done: int, total: int, done_at: float | None = None) -> float | None:
    """The time the ``total - done`` steps left take at the pace of the ``done`` that took ``seconds``; None before
    the first step ends or while the total is unknown (0).

    ``done_at``: the seconds at which the ``done``-th step ended. Between two steps the pace is then theirs and the
    time left counts down; without it the pace slows as ``seconds`` grows, and the time left counted up (issue 64:
    "about 36 s left", then 43, 50, 57, 64 in two seconds). It never goes below a second while steps remain."""
    if not done or not total:
        return None
    if done_at is None or not 0 < done_at <= seconds:
        return seconds / done * (total - done)
    left = done_at / done * (total - done) - (seconds - done_at)
    return max(left, 1.0) if done < total else 0.0


def planned_frames(path: Path, every_n: int = 1) -> int:
    """The frames ``iter_frames(path, every_n)`` will give: 1 for an image, every ``every_n``-th frame of a
    video by its header (0 when the header has no frame count, e.g. a raw stream). ``MediaError`` as
    ``video_info`` raises it."""
    from core.io.video import media_kind, video_info  # OpenCV: not for a CSV import's rows

    if media_kind(path) == "image":
        return 1
    return math.ceil(video_info(path).frames / max(1, every_n))


class FrameCounter:
    """Counts frames across files for one ``Progress`` callback; ``total`` grows to ``done`` when headers said
    fewer (a video longer than its header), and stays 0 (unknown) when none said any."""

    def __init__(self, total: int, on_progress: Progress | None, cancel: threading.Event | None = None) -> None:
        self.total, self.done = total, 0
        self._on_progress, self._cancel = on_progress, cancel
        if on_progress is not None:
            on_progress(0, total)

    @property
    def cancelled(self) -> bool:
        return self._cancel is not None and self._cancel.is_set()

    def __call__(self, frames: int = 1) -> None:
        """``frames`` more done."""
        self.done += frames
        self.total = max(self.total, self.done) if self.total else 0
        if self._on_progress is not None:
            self._on_progress(self.done, self.total)


def count_lines(path: Path) -> int:
    """Lines of a text file (the last one counted without its line break), read in 1 MiB blocks: the rows
    a CSV import will count (0.1 s for the 200 MB an upload may hold)."""
    lines, last = 0, b"\n"
    with open(path, "rb") as file:
        while block := file.read(1 << 20):
            lines, last = lines + block.count(b"\n"), block[-1:]
    return lines + (last != b"\n")


def counted(items: Iterable[T], counter: FrameCounter) -> Iterator[T]:
    """``items``, each counted once taken; ``Stopped`` before the next once ``counter`` is cancelled."""
    for item in items:
        if counter.cancelled:
            raise Stopped
        yield item
        counter()

"""Progress of work over frames: how many a file will give, and one counter across files.

A page waiting on a 13 s video showed a spinner for 13 s. Work over images and videos reports frames done
of the frames planned (``FrameCounter``, through a ``Progress`` callback) and stops at a ``threading.Event``
between frames; the planned count comes from the file's header (``planned_frames``), before any decoding.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from pathlib import Path

from core.io.video import media_kind, video_info

Progress = Callable[[int, int], None]  # (frames done, frames planned; 0 when a header does not say)


def planned_frames(path: Path, every_n: int = 1) -> int:
    """The frames ``iter_frames(path, every_n)`` will give: 1 for an image, every ``every_n``-th frame of a
    video by its header (0 when the header has no frame count, e.g. a raw stream). ``MediaError`` as
    ``video_info`` raises it."""
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

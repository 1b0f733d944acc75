"""A picture a page has just replaced stays fetchable for a few seconds.

Streamlit forgets an ``st.image`` the moment a run no longer shows it (``MediaFileManager.remove_orphaned_files`` at
the end of every run, a fragment's included). A panel redrawn several times a second (Live's belief maps, a gallery
growing during a take) hands the browser a picture's address, and on a busy machine the next redraw has already
deleted the file when the browser asks for it: a broken-picture icon until the next redraw, and a 404 in the log.
Here a picture no session shows any more is deleted only once it has gone unshown for ``GRACE_S``; files offered
for download keep Streamlit's own two-step forgetting. Memory stays bounded: a panel redrawn ten times a second keeps
at most the pictures of its last few seconds.

A signed-in page's pictures are still answered only while a live session shows them (``ui.server.media_scope``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

GRACE_S = 5.0  # a browser on a loaded 2-core machine asked for a picture up to about 2 s after its redraw

_clock: list[Callable[[], float]] = [time.monotonic]


def keep_replaced_pictures_briefly(grace_s: float = GRACE_S) -> bool:
    """Install the grace on Streamlit's media manager; True when it is in place (False: a Streamlit without the
    manager's orphan sweep, where nothing is patched)."""
    try:
        from streamlit.runtime.media_file_manager import MediaFileKind, MediaFileManager
    except ImportError:
        return False
    original = getattr(MediaFileManager, "_get_inactive_file_ids", None)
    if original is None:
        return False
    if getattr(original, "keeps_replaced_pictures", False):
        return True

    def inactive_after_grace(self: Any) -> set[str]:
        # called with the manager's own lock held (Streamlit's rule for it), which guards the times kept on it too
        inactive: set[str] = original(self)
        now = _clock[0]()
        since: dict[str, float] = self.__dict__.setdefault("_handteach_unshown_since", {})  # file id -> first unshown
        for file_id in [f for f in since if f not in inactive]:  # shown again, or deleted
            del since[file_id]
        young = set()
        for file_id in inactive:
            metadata = self._file_metadata.get(file_id)
            if metadata is None or metadata.kind != MediaFileKind.MEDIA:
                continue
            if now - since.setdefault(file_id, now) < grace_s:
                young.add(file_id)
            else:
                del since[file_id]  # about to be deleted
        return inactive - young

    inactive_after_grace.keeps_replaced_pictures = True  # type: ignore[attr-defined]
    MediaFileManager._get_inactive_file_ids = inactive_after_grace  # type: ignore[method-assign]
    return True

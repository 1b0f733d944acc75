"""A replaced picture stays fetchable for the grace, then goes: Streamlit's own media manager and storage."""

from __future__ import annotations

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.media_file_storage import MediaFileStorageError
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from ui.server import media_grace

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [100.0]
    monkeypatch.setattr(media_grace, "_clock", [lambda: now[0]])
    return now


def _file_id(url: str) -> str:
    return url.rsplit("/", 1)[-1].split(".")[0]


def _served(storage: MemoryMediaFileStorage, file_id: str) -> bool:
    try:
        storage.get_file(file_id)
    except MediaFileStorageError:
        return False
    return True


def test_a_picture_replaced_in_place_is_served_through_the_grace_then_deleted(clock: list[float]) -> None:
    assert media_grace.keep_replaced_pictures_briefly(grace_s=5.0)
    assert media_grace.keep_replaced_pictures_briefly(grace_s=5.0)  # once only
    storage = MemoryMediaFileStorage("/media")
    manager = MediaFileManager(storage)
    old = _file_id(manager.add(PNG + b"old", "image/png", "1.(0).1"))
    new = _file_id(manager.add(PNG + b"new", "image/png", "1.(0).1"))  # the redraw at the same place
    manager.remove_orphaned_files()  # the run's end
    assert _served(storage, old) and _served(storage, new)
    clock[0] += 4.9
    manager.remove_orphaned_files()
    assert _served(storage, old)
    clock[0] += 0.2
    manager.remove_orphaned_files()
    assert not _served(storage, old), "a picture unshown past the grace must go"
    assert _served(storage, new), "the picture shown now stays"


def test_a_picture_shown_again_starts_its_grace_anew_and_downloads_keep_streamlits_two_steps(
    clock: list[float],
) -> None:
    media_grace.keep_replaced_pictures_briefly(grace_s=5.0)
    storage = MemoryMediaFileStorage("/media")
    manager = MediaFileManager(storage)
    first = _file_id(manager.add(PNG + b"a", "image/png", "1.(0).1"))
    download = _file_id(manager.add(b"zip", "application/zip", "1.(0).2", "p.zip", is_for_static_download=True))
    manager.add(PNG + b"b", "image/png", "1.(0).1")
    manager.remove_orphaned_files()
    clock[0] += 3.0
    manager.add(PNG + b"a", "image/png", "1.(0).1")  # shown again
    manager.remove_orphaned_files()
    clock[0] += 3.0
    manager.remove_orphaned_files()
    assert _served(storage, first), "shown 3 s ago: within the grace"
    manager.clear_session_refs("dontcare")  # outside a run Streamlit names the session so
    manager.remove_orphaned_files()
    assert _served(storage, download), "a download is marked first, as Streamlit does"
    manager.remove_orphaned_files()
    assert not _served(storage, download)
    clock[0] += 5.1
    manager.remove_orphaned_files()
    assert not _served(storage, first)


@pytest.mark.slow
def test_tabs_redrawing_and_sweeping_at_once_always_find_the_picture_they_show(
        clock: list[float], monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Eight sessions' fragments each redraw a picture in place and end their run (the sweep) 200 times at once, as
    a class on Live does: the picture each session shows now is always served, the one it replaced is still served (within its grace) whoever sweeps, and
    once the grace has passed only the pictures shown last are kept."""
    import threading

    from streamlit.runtime import media_file_manager as mfm

    media_grace.keep_replaced_pictures_briefly(grace_s=5.0)
    monkeypatch.setattr(mfm, "_get_session_id", lambda: threading.current_thread().name)  # a thread a session
    storage = MemoryMediaFileStorage("/media")
    manager = MediaFileManager(storage)
    lost: list[str] = []
    last: dict[str, str] = {}
    start = threading.Barrier(8)

    def tab(session: str) -> None:
        start.wait()
        for frame in range(200):
            shown = _file_id(manager.add(PNG + f"{session}-{frame}".encode(), "image/png", "1.(0).1"))
            manager.remove_orphaned_files()
            if not _served(storage, shown):
                lost.append(f"{session} frame {frame}")
            if session in last and not _served(storage, last[session]):  # replaced just now: within its grace
                lost.append(f"{session} frame {frame - 1}, just replaced")
            last[session] = shown
            clock[0] += 0.001

    threads = [threading.Thread(target=tab, args=(f"s{i}",), name=f"s{i}") for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not lost, lost[:5]
    clock[0] += 5.1
    manager.remove_orphaned_files()
    assert all(_served(storage, shown) for shown in last.values())
    assert len(storage._files_by_id) == 8, "past the grace only the pictures shown now are kept"

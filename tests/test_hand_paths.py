"""core.classes.hand_paths: each account's last word on where its hands were found, kept apart and replaced whole."""

from __future__ import annotations

import threading

import pytest

from core.classes.hand_paths import HandPaths, HandPathSeen


def test_each_account_keeps_its_last_word_and_a_deleted_one_goes() -> None:
    paths = HandPaths()
    assert paths.of(1) is None
    paths.saw(1, "browser", None, 10.0)
    paths.saw(2, "server", "It cannot look for hands here (WebGL is off or missing).", 11.0)
    paths.saw(1, "server", None, 12.0)  # chose the server later
    assert paths.of(1) == HandPathSeen("server", None, 12.0)
    assert paths.of(2) == HandPathSeen("server", "It cannot look for hands here (WebGL is off or missing).", 11.0)
    paths.forget(2)
    assert paths.of(2) is None and paths.of(1) is not None


def test_a_path_that_is_neither_is_refused() -> None:
    with pytest.raises(ValueError, match="'browser' or 'server'"):
        HandPaths().saw(1, "gpu", None, 0.0)  # type: ignore[arg-type]


def test_many_sessions_writing_at_once_leave_one_whole_line_each() -> None:
    paths = HandPaths()

    def student(account: int) -> None:
        for i in range(500):
            paths.saw(account, "browser" if i % 2 else "server", None, float(i))

    threads = [threading.Thread(target=student, args=(a,)) for a in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(paths.of(a) == HandPathSeen("browser", None, 499.0) for a in range(8))

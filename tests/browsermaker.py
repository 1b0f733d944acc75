"""Steps the end-to-end browser tests share (test_e2e_browser, test_e2e_motion): the app served for one test,
and a project created on Home."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

from bench.browser import AppServer


@contextlib.contextmanager
def served_app(tmp_path: Path, on_failure: Callable[[], None]) -> Iterator[AppServer]:
    """The app on a fresh data dir under ``tmp_path``; ``on_failure`` runs (a screenshot) when the body raises.
    Its log must hold no traceback: a page can fail server-side while the browser still shows something."""
    server = AppServer(tmp_path / "data", log=tmp_path / "streamlit.log").start()
    try:
        yield server
    except Exception:
        on_failure()
        raise
    finally:
        server.stop()
    log = server.log.read_text(encoding="utf-8")
    assert "Expected ASGI message" not in log and "Traceback" not in log, log[-3000:]


def create_project(page, name: str, created: str, kind: str | None = None) -> str:  # noqa: ANN001 - playwright Page
    """Home creates project ``name`` (of the kind whose radio label starts with ``kind``; None: the default);
    waits for the ``created`` message and the URL naming it; returns the URL's query for the other pages."""
    page.get_by_label("New project").fill(name)
    if kind is not None:
        page.get_by_text(kind).click()
    page.get_by_role("button", name="Create project").click()
    page.get_by_text(created).wait_for(timeout=30_000)
    page.wait_for_function("n => new URLSearchParams(location.search).get('project') === n", arg=name)
    return page.url.split("?", 1)[1]

"""Steps the real-browser tests share (test_e2e_browser, test_e2e_motion, test_browser_path): the app served for
one test, a project created on Home, and the checks of the words on a page and of Live's card against the video."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from test_app_words import BANNED

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


def plain_words(page, where: str) -> None:  # noqa: ANN001 - playwright Page
    """The words a user reads on the page (main area and sidebar, the diagnostics panel left out) are plain."""
    text = page.evaluate(
        """label => { const parts = [];
        for (const root of document.querySelectorAll('[data-testid="stMain"], [data-testid="stSidebar"]')) {
          const copy = root.cloneNode(true);
          for (const e of copy.querySelectorAll('[data-testid="stExpander"]'))
            if (e.innerText.includes(label)) e.remove();
          parts.push(copy.textContent); }
        return parts.join(' '); }""",
        "Details for the curious",
    )
    found = {what: re.findall(rf".{{0,40}}(?:{pattern}).{{0,40}}", text) for what, pattern in BANNED.items()}
    assert not any(found.values()), f"{where}: { ({k: v for k, v in found.items() if v}) }"


def card_says_what_the_video_draws(page) -> None:  # noqa: ANN001
    """Read in one go (one rerun): the first card's title and caption, and the labels drawn on the video."""
    card, drawn = page.evaluate(
        """() => { const t = s => { const e = document.querySelector(s); return e ? e.innerText : ''; };
        return [t('.st-key-live_card_0'), t('.st-key-live_labels')]; }"""
    )
    first = re.match(r"Labels: (\S+) (\d+)% \((Left|Right)\)", drawn)
    assert first, f"the labels line is not a hand's label: {drawn!r}"
    label, percent, side = first.groups()
    assert f"{side} hand" in card and label in card, f"the card ({card!r}) is not the video's {drawn!r}"
    if label != "unknown":
        assert f"confidence {percent}%" in card, f"the card ({card!r}) gives another number than the video {drawn!r}"

"""Nothing of the server, and no one's Markdown, reaches a page (issue 54, item 6), under AppTest on a real store:
a project name in the sidebar is its characters, an unknown ``?project=`` says so, error details are off."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.data.store import Store
from ui.common.text import plain

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = ["![p](https:tracker.example)", "[Teacher login: click here](http:evil.test)", ":red-background[**HACKED**]",
           "$x^2$ <img src=x onerror=alert(1)>"]  # fmt: skip


def _app(project: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if project is not None:
        at.query_params["project"] = project
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.mark.parametrize("name", HOSTILE)
def test_the_sidebar_shows_a_project_name_as_its_characters(data_dir: Path, name: str) -> None:
    Store(data_dir).create_project(name)
    at = _app(name)  # Home: under AppTest a page's own sidebar widgets take the places of app.py's lines
    lines = [m.value for m in at.sidebar.markdown if m.value.startswith("**Project:**")]
    assert lines == [f"**Project:** {plain(name)}"], lines  # escaped: no image, link, colour or maths


def test_the_sidebar_shows_a_motion_project_name_as_its_characters(data_dir: Path) -> None:
    Store(data_dir).create_project(HOSTILE[0], motion=True)
    at = _app(HOSTILE[0])
    lines = [m.value for m in at.sidebar.markdown if m.value.startswith("**Project:**")]
    assert lines == [f"**Project:** {plain(HOSTILE[0])} (motion)"], lines


def test_an_unknown_project_in_the_address_says_so(data_dir: Path) -> None:
    Store(data_dir).create_project("signs")
    at = _app("sings")
    warnings = [w.value for w in at.warning]
    assert plain("No project named 'sings' here: opened 'default' instead (choose one on Home)") in warnings, warnings
    assert at.query_params["project"] == "default"
    at = _app("signs")  # a known one opens without a word
    assert not at.warning and at.query_params["project"] == "signs"


def test_error_details_are_off_in_the_served_config() -> None:
    """A page that fails shows Streamlit's generic line: no exception text, type or traceback with the server's
    paths. Read from .streamlit/config.toml, then a failing script run with it under AppTest."""
    from streamlit import config

    option = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["client"]
    assert option.get("showErrorDetails") == "none"
    before = config.get_option("client.showErrorDetails")
    config.set_option("client.showErrorDetails", option["showErrorDetails"])
    try:
        at = AppTest.from_string("raise TypeError('bad value at /srv/handteach/ui/browser/record.py')").run()
    finally:
        config.set_option("client.showErrorDetails", before)
    (shown,) = at.exception
    assert "/srv/handteach" not in shown.message and not shown.stack_trace and not shown.proto.type
    assert "redacted" in shown.message

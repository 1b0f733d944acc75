"""Home under ``streamlit.testing.v1.AppTest``: the *New project* form (issue 45)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.data.store import Store

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


def app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _create(at: AppTest, name: str) -> None:
    at.text_input(key="new_project_name").input(name)
    [b for b in at.button if b.label == "Create project"][0].click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]


def test_the_name_the_browser_sends_again_after_a_creation_is_no_error(data_dir: Path) -> None:
    """Item 2: typed 'scratch-b', Enter (created, the field emptied), then *Create project*: the browser's form
    sent 'scratch-b' again and Home said "a project named 'scratch-b' already exists" under an empty field."""
    at = app()
    _create(at, "scratch-b")
    assert at.query_params["project"] == "scratch-b" and at.text_input(key="new_project_name").value == ""
    _create(at, "scratch-b")  # what Chromium sends on the click (seen in the real browser, Streamlit 1.60)
    assert not at.error, [e.value for e in at.error]
    assert any("'scratch-b' is created and open" in i.value for i in at.info), [i.value for i in at.info]
    assert Store(data_dir).list_projects().count("scratch-b") == 1
    _create(at, "scratch-c")  # a new name still creates
    assert at.query_params["project"] == "scratch-c" and not at.error


def test_a_name_taken_before_is_still_refused(data_dir: Path) -> None:
    Store(data_dir).create_project("signs")
    at = app()
    _create(at, "signs")
    assert at.error and "already exists" in at.error[0].value, [e.value for e in at.error]
    assert at.text_input(key="new_project_name").value == "signs", "an error keeps what was typed"


def test_the_sidebar_home_train_and_the_cli_count_alike(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Item 8: the sidebar said "0 samples in 0 classes" beside Home's 8 gestures, later "74 samples in 6 classes"
    where ``projects list`` said 9. One count now (core/data/counts.py), in the same words everywhere."""
    from handmaker import make_hand

    from core.cli.main import main
    from core.data.store import Sample

    store = Store(data_dir)
    store.ensure_project("default")
    store.add_class("default", "wave")  # a ninth gesture, never recorded
    samples = [
        Sample(make_hand(), name, "webcam") for name, n in (("fist", 5), ("ok", 3), ("wave", 0)) for _ in range(n)
    ]
    store.add_samples("default", samples)
    words = "8 samples in 2 of 9 gestures"

    at = app()
    assert [c.value for c in at.sidebar.caption][0] == words, [c.value for c in at.sidebar.caption]
    assert any(words in m.value for m in at.markdown), "Home's table header"
    at.switch_page("pages/train.py").run()
    assert any(c.value.startswith(f"{words}:") for c in at.caption), [c.value for c in at.caption]
    assert main(["--data", str(data_dir), "projects", "list"]) == 0
    assert f"default: {words}" in capsys.readouterr().out.splitlines()
    bundle = data_dir.parent / "default.handteach"  # the project file's lines too (they said "in 9 classes")
    assert main(["--data", str(data_dir), "projects", "export", "default", "-o", str(bundle)]) == 0
    assert f"({words}, no trained model)" in capsys.readouterr().out
    assert main(["--data", str(data_dir), "projects", "import", str(bundle), "--as", "copy"]) == 0
    assert f"imported project 'copy' ({words}, no trained model)" in capsys.readouterr().out


def test_an_empty_project_counts_its_listed_gestures_everywhere(data_dir: Path) -> None:
    at = app()
    assert [c.value for c in at.sidebar.caption][0] == "0 samples in 0 of 8 gestures"
    assert any("0 samples in 0 of 8 gestures" in m.value for m in at.markdown)

"""The Make page under ``streamlit.testing.v1.AppTest``: it opens from the navigation, says in one line when the
editor is not built on the server, opens the example into the editor's arguments, and refuses a bad .sb3 in one
line with nothing opened."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.scratch.examples import FOLDER

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


def _make_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/make.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_the_page_without_the_build_then_with_it(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One app run for both (each AppTest run of the app costs seconds): without the editor's build the page says
    so in one line and offers nothing; with it, the example opens into the editor's arguments; a bad file opens
    nothing."""
    monkeypatch.setattr("ui.scratch.make_page.missing_assets", lambda: ["index.html"])
    at = _make_page()
    assert any("not built on this server" in w.value and "make scratch" in w.value for w in at.warning), [
        w.value for w in at.warning
    ]
    assert not at.button, "no control for an editor that is not there"

    monkeypatch.setattr("ui.scratch.make_page.missing_assets", lambda: [])  # the page's parts, built or not here
    at.run()
    assert at.title[0].value == "🎮 Make a game"
    assert any("AGPL-3.0-only" in c.value for c in at.caption)
    [b for b in at.button if b.key == "scratch_open_example"][0].click().run()
    opened = at.session_state["scratch_open"]
    assert opened["data"] == (FOLDER / "thumbs_jump.sb3").read_bytes() and opened["id"]

    from ui.scratch import make_page

    with pytest.raises(ValueError, match="not a zip"):
        make_page._open(b"<svg onload=alert(1)>")  # what an upload of it runs: refused before it is kept

    # a body-pose project in the same run: its title says poses, only the pose example is listed, and where the
    # server has no body model for the editor the page says so in one line
    from core.data.store import Store
    from ui.common.state import PROJECT_KEY

    Store(data_dir).create_project("yoga", skeleton="body")
    at.session_state[PROJECT_KEY] = "yoga"
    monkeypatch.setattr("ui.scratch.make_page.POSE_MODEL", "absent.task")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("see your poses" in c.value for c in at.caption), [c.value for c in at.caption]
    assert at.selectbox(key="scratch_example").options == ["💃 your poses make the cat dance"]
    assert any("no body model" in w.value and "make scratch" in w.value for w in at.warning), [
        w.value for w in at.warning
    ]

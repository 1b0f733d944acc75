"""A game kept with the project on the Make page, under AppTest on a real class store (tests/classmaker.py): Ana's
saved game opens again on Make, and the editor's answer to *Save to my project* is saved only when it answers this
page's request for this project (one naming another project, a hostile .sb3 or one too long to decode is one
line and the game before stays); the teacher opens Ana's game from the Class page to show it, read-only, with no
Save to my project."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.data.project_games import load_game, save_game
from core.scratch.examples import FOLDER
from tests.classmaker import make_class
from ui.common.signin import VIEWER_KEY
from ui.scratch.saving import MAX_B64_CHARS

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
THUMBS, ROCKET = (FOLDER / "thumbs_jump.sb3").read_bytes(), (FOLDER / "rocket.sb3").read_bytes()


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _make(viewer) -> AppTest:  # noqa: ANN001 - a Viewer
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[VIEWER_KEY] = viewer
    _run(at)
    at.switch_page("pages/make.py")
    return _run(at)


def _answer(at: AppTest, key: str, project_key: str, data: bytes) -> AppTest:
    """What the editor sends back to the save request this page made: its value, as the component sets it."""
    asked = at.session_state["scratch_save_asked"]
    at.session_state[key] = {"save": asked, "project": project_key, "sb3": base64.b64encode(data).decode()}
    return _run(at)


def test_a_students_game_is_saved_only_for_their_project_and_the_teacher_shows_it(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setattr("ui.scratch.make_page.missing_assets", lambda: [])  # the page's parts, built or not here
    school = make_class(data_dir)
    ana_store, ben_store = school.store(school.ana), school.store(school.ben)
    save_game(ana_store, "ana-signs", THUMBS)
    ana_key, ben_key = ana_store.project_identity("ana-signs"), ben_store.project_identity("ben-signs")

    ana = _make(school.ana)
    assert ana.session_state["scratch_open"]["data"] == THUMBS  # her saved game opens again
    ana.button(key="scratch_save").click()
    _run(ana)
    editor = f"scratch_editor_{ana_key}"
    _answer(ana, editor, ben_key, ROCKET)  # a message naming Ben's project
    assert [e.value for e in ana.error] == ["That game came from the editor of another project: nothing was saved."]
    ana.button(key="scratch_save").click()
    _run(ana)
    _answer(ana, editor, ana_key, b"PK\x03\x04<svg onload=alert(1)>")
    (line,) = [e.value for e in ana.error]
    assert line.startswith("This .sb3 is damaged") and line.endswith("The game saved before is kept."), line
    ana.button(key="scratch_save").click()
    _run(ana)
    ana.session_state[editor] = {
        "save": ana.session_state["scratch_save_asked"],
        "project": ana_key,
        "sb3": "A" * (MAX_B64_CHARS + 4),
    }  # too long: refused before it is decoded
    _run(ana)
    assert [e.value for e in ana.error] == ["This game is over 20 MB: a game here may be no bigger. Nothing was saved."]
    assert load_game(ana_store, "ana-signs").data == THUMBS
    ana.button(key="scratch_save").click()
    _run(ana)
    _answer(ana, editor, ana_key, ROCKET)
    assert [s.value for s in ana.success] == [
        "Saved in your project “ana-signs”: it opens here again when you come back."
    ]
    assert load_game(ana_store, "ana-signs").data == ROCKET
    saved_request = ana.session_state["scratch_save_asked"]
    ana.session_state[editor] = {"save": saved_request, "project": ana_key, "sb3": base64.b64encode(THUMBS).decode()}
    _run(ana)  # the answer handled replayed with other bytes (a message sent again): nothing saved, nothing said
    assert load_game(ana_store, "ana-signs").data == ROCKET and not ana.error
    ana.button(key="scratch_save").click()
    _run(ana)
    ana.session_state[editor] = {"save": "0" * 32, "project": ana_key, "sb3": base64.b64encode(THUMBS).decode()}
    _run(ana)  # an answer to a request this page never made
    assert [e.value for e in ana.error] == ["That save was not asked for on this page: nothing was saved. "
                                            "Press Save to my project."]  # fmt: skip
    assert load_game(ana_store, "ana-signs").data == ROCKET
    assert load_game(ben_store, "ben-signs") is None

    teacher = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    teacher.session_state[VIEWER_KEY] = school.teacher
    _run(teacher)
    teacher.switch_page("pages/class_page.py")
    _run(teacher)
    [b for b in teacher.button if b.key == "classroom_game_0"][0].click()
    _run(teacher)
    assert teacher.session_state["scratch_open"]["data"] == ROCKET  # Ana's game, to show the class
    assert any("nothing here can be changed" in i.value for i in teacher.info)
    assert any("nothing you do in the editor is saved into it" in c.value for c in teacher.caption)
    assert not [b for b in teacher.button if b.key == "scratch_save"]

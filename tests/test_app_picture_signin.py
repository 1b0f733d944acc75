"""Picture passwords on the sign-in form (ui.common.picture_signin) under AppTest on a real store: "I sign in with
pictures" puts two rows of picture buttons where the password box was; a missing picture is said and not counted;
a wrong pair is the same one line as a wrong password; the right pair signs the student in."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from streamlit.testing.v1 import AppTest

from core.classes.pictures import PICTURES, picture_secret
from core.classes.roster import add_student
from core.classes.signin import WRONG
from core.data.store import Store
from tests.classmaker import make_class
from ui.common.picture_signin import CHOOSE_BOTH

ROOT = Path(__file__).resolve().parents[1]


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _try(at: AppTest, code: str, name: str, first: str | None, second: str | None) -> AppTest:
    at.text_input(key="signin_code").input(code)
    at.text_input(key="signin_name").input(name)
    at.segmented_control(key="signin_picture_0").set_value(first)
    at.segmented_control(key="signin_picture_1").set_value(second)
    [b for b in at.button if b.label == "Sign in"][0].click()
    return _run(at)


def test_a_young_student_signs_in_with_two_pictures(data_dir: Path) -> None:
    school = make_class(data_dir)
    add_student(Store(data_dir), "7B", "Zoë", picture_secret("owl", "rocket"))
    at = _run(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60))
    assert [t.key for t in at.text_input] == ["signin_code", "signin_name", "signin_password"]
    at.toggle(key="signin_pictures").set_value(True)
    _run(at)
    assert [t.key for t in at.text_input] == ["signin_code", "signin_name"]  # no password box
    rows = [at.segmented_control(key=f"signin_picture_{i}") for i in (0, 1)]
    assert [r.label for r in rows] == ["First picture", "Second picture"]
    emoji = [emoji for _, emoji in PICTURES]  # each button a picture alone (Streamlit draws it as the icon)
    assert all([o.content_icon for o in r.proto.options] == emoji and not any(r.options) for r in rows)

    _try(at, school.code, "Zoë", "owl", None)
    assert [e.value for e in at.error] == [CHOOSE_BOTH]
    with sqlite3.connect(data_dir / "handteach.sqlite") as conn:
        assert conn.execute("SELECT COUNT(*) FROM sign_in_failures").fetchone() == (0,)  # not a wrong try
    _try(at, school.code, "Zoë", "rocket", "owl")  # the right pictures in the wrong order
    assert [e.value for e in at.error] == [WRONG] and not at.selectbox
    _try(at, school.code, "zoë", "owl", "rocket")
    assert "Signed in: Zoë" in [t.value for t in at.sidebar.text]

"""Picture passwords on the sign-in form (ui.common.picture_signin) under AppTest on a real store: "I sign in with
pictures" puts three rows of picture buttons where the password box was; a missing picture is said and not
counted; wrong pictures are the same one line as a wrong password; the right ones sign the student in, two for a
student given two before."""

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


def _try(at: AppTest, code: str, name: str, *pictures: str | None) -> AppTest:
    at.text_input(key="signin_code").input(code)
    at.text_input(key="signin_name").input(name)
    for i, picture in enumerate((*pictures, None, None)[:3]):
        at.segmented_control(key=f"signin_picture_{i}").set_value(picture)
    [b for b in at.button if b.label == "Sign in"][0].click()
    return _run(at)


def test_a_young_student_signs_in_with_three_pictures(data_dir: Path) -> None:
    school = make_class(data_dir)
    add_student(Store(data_dir), "7B", "Zoë", picture_secret("owl", "rocket", "moon"))
    at = _run(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60))
    assert [t.key for t in at.text_input] == ["signin_code", "signin_name", "signin_password"]
    at.toggle(key="signin_pictures").set_value(True)
    _run(at)
    assert [t.key for t in at.text_input] == ["signin_code", "signin_name"]  # no password box
    assert "the pictures on your card, in order" in at.markdown[0].value  # not "the password … gave you"
    rows = [at.segmented_control(key=f"signin_picture_{i}") for i in (0, 1, 2)]
    assert [r.label for r in rows] == ["First picture", "Second picture", "Third picture"]
    # each button a picture (Streamlit draws it as the icon) and its word, the button's name for a screen reader
    emoji, words = [emoji for _, emoji in PICTURES], [name for name, _ in PICTURES]
    assert all([o.content_icon for o in r.proto.options] == emoji and list(r.options) == words for r in rows), [
        (o.content_icon, o.content) for o in rows[0].proto.options[:3]]  # fmt: skip

    _try(at, school.code, "Zoë", "owl", None)
    assert [e.value for e in at.error] == [CHOOSE_BOTH]
    with sqlite3.connect(data_dir / "handteach.sqlite") as conn:
        assert conn.execute("SELECT COUNT(*) FROM sign_in_failures").fetchone() == (0,)  # not a wrong try
    _try(at, school.code, "Zoë", "owl", "rocket")  # two of her three (AppTest cannot untap a row: this first)
    assert [e.value for e in at.error] == [WRONG]
    _try(at, school.code, "Zoë", "rocket", "owl", "moon")  # the right pictures in the wrong order
    assert [e.value for e in at.error] == [WRONG] and not at.selectbox
    _try(at, school.code, "ZOE", "owl", "rocket", "moon")  # her card says "you may type Zoe" (issue 70)
    assert "Signed in: Zoë" in [t.value for t in at.sidebar.text]

    # a shared computer: the next picture student finds the switch as Zoë left it (it went at each sign-out)
    [b for b in at.sidebar.button if b.label == "Sign out"][0].click()
    _run(at)
    assert at.toggle(key="signin_pictures").value is True
    assert [t.key for t in at.text_input] == ["signin_code", "signin_name"]  # the pictures, not a password box
    assert "the pictures on your card, in order" in at.markdown[0].value
    _try(at, school.code, "Zoe", "owl", "rocket", "moon")  # typed without its accent, on an English keyboard
    assert "Signed in: Zoë" in [t.value for t in at.sidebar.text]


def test_a_student_given_two_pictures_before_taps_two(data_dir: Path) -> None:
    school = make_class(data_dir)
    add_student(Store(data_dir), "7B", "Ali", picture_secret("fox", "star"))  # made before issue 63: two
    at = _run(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60))
    at.toggle(key="signin_pictures").set_value(True)
    _run(at)
    _try(at, school.code, "Ali", "fox")  # the second row left empty: said, not counted
    assert [e.value for e in at.error] == [CHOOSE_BOTH]
    _try(at, school.code, "Ali", "fox", "star")
    assert "Signed in: Ali" in [t.value for t in at.sidebar.text]

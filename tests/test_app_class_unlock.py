"""The Class page's *Let a student in now* (ui.classroom.unlock_panel) under AppTest on a real store: a student
slowed by a classmate's wrong tries at their name signs in at once after the teacher's press."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.classes.signin import SignInError, sign_in
from core.data.store import Store
from tests.classmaker import BEN_PASSWORD, TEACHER_PASSWORD, make_class

ROOT = Path(__file__).resolve().parents[1]


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_the_teacher_lets_a_slowed_student_in_at_once(data_dir: Path) -> None:
    school = make_class(data_dir)
    store = Store(data_dir)
    for _ in range(5):  # a classmate's guesses at Ben's name
        with pytest.raises(SignInError, match="Wrong"):
            sign_in(store, school.code, "Ben", "guess", "10.0.0.2")
    with pytest.raises(SignInError, match="Too many sign-in attempts"):
        sign_in(store, school.code, "Ben", BEN_PASSWORD, "10.0.0.3")
    at = _run(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60))
    at.text_input(key="signin_code").input(school.code)
    at.text_input(key="signin_name").input("Ms Teacher")
    at.text_input(key="signin_password").input(TEACHER_PASSWORD)
    [b for b in at.button if b.label == "Sign in"][0].click()
    at = _run(_run(at).switch_page("pages/class_page.py"))
    at.selectbox(key="classroom_unlock_name").set_value("Ben")
    [b for b in at.button if b.label == "Let in now"][0].click()
    _run(at)
    assert "Ben can sign in at once: 5 failed sign-in(s) forgotten." in [t.value for t in at.text]
    assert sign_in(store, school.code, "Ben", BEN_PASSWORD, "10.0.0.3").name == "Ben"

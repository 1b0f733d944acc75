"""Signing in on the pages (ui.common.signin), under AppTest on a real store: only when the server has a class;
then the form and nothing else until a right code, name and password; each student's pages list only their own."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from core.classes.removal import delete_student, end_class
from core.classes.signin import WRONG
from core.data.store import Store
from tests.classmaker import ANA_PASSWORD, make_class

ROOT = Path(__file__).resolve().parents[1]


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _sign_in(at: AppTest, code: str, name: str, password: str) -> AppTest:
    at.text_input(key="signin_code").input(code)
    at.text_input(key="signin_name").input(name)
    at.text_input(key="signin_password").input(password)
    [b for b in at.button if b.label == "Sign in"][0].click()
    return _run(at)


def test_with_no_class_nobody_signs_in(data_dir: Path) -> None:
    at = _run(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60))
    assert not [t for t in at.text_input if t.key == "signin_code"]
    assert at.selectbox(key="home_project").options == ["default"]


def test_after_the_last_class_ends_the_server_still_asks_to_sign_in(data_dir: Path) -> None:
    make_class(data_dir)
    Store(data_dir).create_project("server's own")
    end_class(Store(data_dir), "7B")
    at = _run(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60))
    assert [t.key for t in at.text_input] == ["signin_code", "signin_name", "signin_password"] and not at.selectbox
    assert [i.value for i in at.info] == ["No class is open on this server now: your teacher starts one and gives "
                                          "you its code."]  # fmt: skip


def test_in_a_class_the_form_comes_first_and_each_student_sees_their_own(data_dir: Path) -> None:
    school = make_class(data_dir)
    at = _run(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60))
    assert [t.key for t in at.text_input] == ["signin_code", "signin_name", "signin_password"]
    assert not at.selectbox and not [m for m in at.sidebar.markdown if "Project" in m.value]  # nothing else shown
    _sign_in(at, school.code, "Ana", "not-her-password")
    assert [e.value for e in at.error] == [WRONG] and not at.selectbox
    _sign_in(at, school.code.lower(), "ana", ANA_PASSWORD)
    assert at.selectbox(key="home_project").options == ["ana-signs"]
    assert "Signed in: Ana" in [t.value for t in at.sidebar.text]

    at.query_params["project"] = "ben-signs"  # a link to Ben's project
    at.session_state["handteach_project"] = None
    _run(at)
    warnings = [w.value for w in at.warning]
    assert any("No project named 'ben-signs' here: opened 'ana-signs' instead" in w for w in warnings), warnings
    assert at.query_params["project"] == "ana-signs"


def test_a_first_sign_in_gets_a_project_of_ones_own_and_a_deleted_student_is_signed_out(data_dir: Path) -> None:
    from core.classes.roster import add_student

    school = make_class(data_dir)
    add_student(Store(data_dir), "7B", "Zoë/Ann", "zoe-pass-1")
    at = _run(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60))
    _sign_in(at, school.code, "Zoë/Ann", "zoe-pass-1")
    assert at.selectbox(key="home_project").options == ["Zoë-Ann's gestures"]
    delete_student(Store(data_dir), "7B", "Zoë/Ann")
    _run(at)  # the next click
    assert [t.key for t in at.text_input] == ["signin_code", "signin_name", "signin_password"]
    assert "Zoë-Ann's gestures" not in Store(data_dir).list_projects()


def test_signing_in_again_opens_the_project_used_last_whatever_the_name(data_dir: Path) -> None:
    """Issue 64 item 4: signing in again opened the automatic "<name>'s gestures" (0 samples) while the work was in
    the student's own project; issue 63 items 9 and 11: a classmate's squat on "<name>'s gestures", or a name of 58
    characters, made every page say "handteach cannot start"."""
    from core.classes.roster import add_student

    school = make_class(data_dir)
    long_name = "Wolfeschlegelsteinhausenbergerdorff Hubert Blaine Junior"
    add_student(Store(data_dir), "7B", long_name, "long-pass-1")
    first = _sign_in(_run(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)), school.code, long_name,
                     "long-pass-1")  # fmt: skip
    starter = first.selectbox(key="home_project").value
    assert starter.endswith("'s gestures") and len(starter) <= 64 and not first.error
    viewer = first.session_state["handteach_viewer"]
    Store(data_dir, viewer=viewer).create_project("rock paper")
    _run(first)
    first.selectbox(key="home_project").select("rock paper")
    _run(first)
    again = _sign_in(_run(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)), school.code, long_name,
                     "long-pass-1")  # another browser, another day  # fmt: skip
    assert again.selectbox(key="home_project").value == "rock paper"
    assert again.selectbox(key="home_project").options == sorted([starter, "rock paper"])  # no new empty one


def test_the_next_student_at_the_same_computer_starts_on_home_with_nothing_of_the_last_ones(data_dir: Path) -> None:
    """Students taking turns (docs/class.md, step 1): Ana signed out on Train, Ben signed in there and read 'No project
    named "Ana's gestures" here' above it, her project's name still in the address. Sign out goes Home, bare."""
    from tests.classmaker import BEN_PASSWORD

    school = make_class(data_dir)
    at = _sign_in(_run(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)), school.code, "Ana", ANA_PASSWORD)
    assert at.query_params["project"] == "ana-signs"
    at.sidebar.button(key="sign_out").click()
    _run(at)
    assert "project" not in at.query_params and [t.key for t in at.text_input][:2] == ["signin_code", "signin_name"]
    _sign_in(at, school.code, "Ben", BEN_PASSWORD)
    assert not at.warning, [w.value for w in at.warning]
    assert at.selectbox(key="home_project").value == "ben-signs"  # Home's own select: he is on Home

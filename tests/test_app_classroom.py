"""The teacher's Class page and a student's *What is stored* line (ui/classroom), under AppTest on a real store:
only the signed-in teacher gets the page; it lists each student's projects, samples, accuracy and last activity;
a new password is shown once and works; deleting a student shows its receipt and leaves nothing of theirs; ending
the class needs its name typed; a student's project opened by the teacher shows no control that changes it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.classes.signin import SignInError, sign_in
from core.data.store import Store
from tests.classmaker import ANA_PASSWORD, BEN_PASSWORD, TEACHER_PASSWORD, ClassSetup, make_class

ROOT = Path(__file__).resolve().parents[1]
CLASS_PAGE = "pages/class_page.py"


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _signed_in(name: str, password: str, school: ClassSetup) -> AppTest:
    at = _run(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60))
    at.text_input(key="signin_code").input(school.code)
    at.text_input(key="signin_name").input(name)
    at.text_input(key="signin_password").input(password)
    [b for b in at.button if b.label == "Sign in"][0].click()
    return _run(at)


def _class_page(at: AppTest) -> AppTest:
    return _run(at.switch_page(CLASS_PAGE))


def _texts(at: AppTest) -> str:
    return "\n".join(e.value for kind in ("markdown", "caption", "text", "info", "success", "warning", "error", "code")
                     for e in getattr(at, kind))  # fmt: skip


@pytest.fixture
def school(data_dir: Path) -> ClassSetup:
    made = make_class(data_dir)
    # Ana's model measured on all her samples (the Train page's k-fold figure), Ben's trained but never measured
    measured = {"crossval": {"correct": 18, "total": 20, "folds": 5}}
    for project, metadata in (("ana-signs", measured), ("ben-signs", {})):
        model = Store(data_dir).project_dir(project) / "model"
        model.mkdir(exist_ok=True)
        (model / "model.json").write_text(json.dumps({"classes": ["ok"], "metadata": metadata}), encoding="utf-8")
    return made


def test_only_the_teacher_gets_the_class_page_and_it_lists_every_student(school: ClassSetup) -> None:
    student = _class_page(_signed_in("Ana", ANA_PASSWORD, school))
    assert [e.value for e in student.error] == ["This page is for the class's teacher."]
    assert not student.dataframe and not student.get("form") and not student.text_input

    teacher = _class_page(_signed_in("Ms Teacher", TEACHER_PASSWORD, school))
    table = teacher.dataframe[0].value
    rows = table[["student", "project", "samples", "accuracy"]].values.tolist()
    assert rows == [["Ana", "ana-signs", 20, "90%"], ["Ben", "ben-signs", 5, "not measured yet"]], rows
    assert all(table["last activity"] != "never signed in")  # make_class signed both in
    assert "What is stored about you" not in _texts(teacher)


def test_a_new_password_is_shown_once_and_the_old_one_stops_working(school: ClassSetup) -> None:
    at = _class_page(_signed_in("Ms Teacher", TEACHER_PASSWORD, school))
    at.selectbox(key="classroom_password_name").select("Ben")
    [b for b in at.button if b.label == "Make a new password"][0].click()
    _run(at)
    (password,) = [c.value for c in at.code]
    with pytest.raises(SignInError):
        sign_in(school.store(None), school.code, "Ben", BEN_PASSWORD, "127.0.0.2")
    assert sign_in(school.store(None), school.code, "Ben", password, "127.0.0.2").name == "Ben"
    _run(at)
    assert not at.code  # shown only once


def test_deleting_a_student_shows_the_receipt_and_leaves_nothing_of_theirs(school: ClassSetup) -> None:
    at = _class_page(_signed_in("Ms Teacher", TEACHER_PASSWORD, school))
    at.selectbox(key="classroom_delete_name").select("Ben")
    [b for b in at.button if b.label == "Delete student"][0].click()
    _run(at)
    assert [e.value for e in at.error] == ["Tick the box first: deleting cannot be undone."]
    at.checkbox(key="classroom_delete_sure").check()
    [b for b in at.button if b.label == "Delete student"][0].click()
    _run(at)
    receipt = [s.value for s in at.success][0]
    assert "Deleted 1 account(s): 'Ben'" in receipt and "Samples: 5 (5 with a picture of the hand)" in receipt
    assert "Project folders: 1 (2 files" in receipt, receipt
    assert at.dataframe[0].value["student"].tolist() == ["Ana"]
    assert not (school.data_dir / "projects" / "ben-signs").exists()
    with sqlite3.connect(school.data_dir / "handteach.sqlite") as conn:
        assert conn.execute("SELECT COUNT(*) FROM accounts WHERE name = 'Ben'").fetchone() == (0,)
        assert conn.execute("SELECT COUNT(*) FROM samples").fetchone() == (20,)


def test_the_teacher_stops_keeping_pictures_and_they_go_at_once(school: ClassSetup) -> None:
    at = _class_page(_signed_in("Ms Teacher", TEACHER_PASSWORD, school))
    assert at.checkbox(key="classroom_keep_crops").value and at.number_input(key="classroom_retention").value == 30
    at.checkbox(key="classroom_keep_crops").uncheck()
    at.number_input(key="classroom_retention").set_value(14)
    [b for b in at.button if b.label == "Save"][0].click()
    _run(at)
    assert [s.value for s in at.success] == ["Saved: no pictures of hands kept, keypoints only.\n\nDeleted 25 "
                                             "picture(s) of hands; their keypoints stay."]  # fmt: skip
    assert not at.checkbox(key="classroom_keep_crops").value and at.number_input(key="classroom_retention").value == 14
    with sqlite3.connect(school.data_dir / "handteach.sqlite") as conn:
        assert conn.execute("SELECT COUNT(*), COUNT(crop_jpeg) FROM samples").fetchone() == (25, 0)
    ana = _run(_signed_in("Ana", ANA_PASSWORD, school))
    assert "no pictures of your hands" in _texts(ana)


def test_ending_the_class_needs_its_name_typed_then_deletes_all_of_it(school: ClassSetup) -> None:
    at = _class_page(_signed_in("Ms Teacher", TEACHER_PASSWORD, school))
    at.text_input(key="classroom_end_name").input("7b ")
    [b for b in at.button if b.label == "End the class and delete everything of it"][0].click()
    _run(at)
    assert [e.value for e in at.error] == ["That is not the class's name: nothing was deleted."]
    at.text_input(key="classroom_end_name").input("7B")
    [b for b in at.button if b.label == "End the class and delete everything of it"][0].click()
    _run(at)
    receipt = [s.value for s in at.success][0]
    assert "The class has ended." in receipt and "Deleted 3 account(s)" in receipt, receipt
    with sqlite3.connect(school.data_dir / "handteach.sqlite") as conn:
        for table in ("school_classes", "accounts", "samples"):
            assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone() == (0,), table
    assert not [p for p in (school.data_dir / "projects").iterdir() if p.name != "default"]


def test_a_student_is_told_what_is_stored_and_the_teacher_only_looks_at_their_project(school: ClassSetup) -> None:
    ana = _signed_in("Ana", ANA_PASSWORD, school)
    assert "What is stored about you: your name, your projects and the positions" in _texts(ana)
    assert "small pictures of your hand, each deleted 30 days after it was taken" in _texts(ana)
    assert "not yours" not in _texts(ana) and [b for b in ana.button if b.label == "Open project"]

    teacher = _signed_in("Ms Teacher", TEACHER_PASSWORD, school)
    teacher.query_params["project"] = "ana-signs"
    teacher.session_state["handteach_project"] = None
    _run(teacher)
    assert "Ana's project 'ana-signs': nothing here can be changed" in _texts(teacher)
    assert "What is stored" not in _texts(teacher)
    assert not [b for b in teacher.button if b.label == "Open project"]  # no Replace for the teacher
    train = _run(teacher.switch_page("pages/train.py"))
    assert "**Model:** accuracy 90%" in _texts(train)
    assert not [b for b in train.button if "Train" in b.label or "Fine-tune" in b.label]
    record = _run(teacher.switch_page("pages/record.py"))  # one line, no control
    assert "Ana's project 'ana-signs': nothing here can be changed" in _texts(record)
    assert not record.radio and not record.button and not record.get("file_uploader") and not record.get("iframe")
    live = _run(teacher.switch_page("pages/live.py"))  # her model runs; nothing teaches it
    assert "Ana's project 'ana-signs': nothing here can be changed" in _texts(live)
    assert not [b for b in live.button if "retrain" in b.label or "Teach" in b.label]
    assert "Teach it here" not in _texts(live)


def test_the_teacher_opens_a_students_project_from_the_class_page(school: ClassSetup) -> None:
    from core.classes.roster import add_student
    from ui.common.text import plain

    markdown = "**Zed** [login](https://evil.test)"  # a name and a project name that Markdown would turn into a link
    add_student(school.store(None), "7B", markdown, "zed-pass-9")
    school.store(sign_in(school.store(None), school.code, markdown, "zed-pass-9", "127.0.0.3")).create_project(
        "![p](tracker.test) :red[x]"
    )
    at = _class_page(_signed_in("Ms Teacher", TEACHER_PASSWORD, school))
    labels = [b.label for b in at.button]
    assert plain(f"{markdown}: ![p](tracker.test) :red[x]") in labels  # escaped: its own characters on the page
    assert at.selectbox(key="classroom_delete_name").options == [plain(markdown), "Ana", "Ben"]  # shown as typed
    [b for b in at.button if b.label == "Ben: ben-signs"][0].click()
    _run(at)
    assert at.selectbox(key="home_project").value == "ben-signs"
    assert "Ben's project 'ben-signs': nothing here can be changed" in _texts(at)


def test_with_no_class_the_class_page_is_one_line(data_dir: Path) -> None:
    at = _class_page(_run(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)))
    assert [e.value for e in at.error] == ["This page is for the class's teacher."]
    assert not at.dataframe and not at.button and not at.text_input


def test_the_class_page_says_where_each_students_hands_are_found(school: ClassSetup) -> None:
    """Ana's Live says where her hands are found (AppTest has no browser: the server path); once her browser could
    not find hands, the teacher reads why; Ben, on neither page since the server started, shows nothing."""
    from ui.browser.path import TAB_FAILURES

    ana = _signed_in("Ana", ANA_PASSWORD, school)
    _run(ana.switch_page("pages/live.py"))
    teacher = _class_page(_signed_in("Ms Teacher", TEACHER_PASSWORD, school))
    found = dict(zip(teacher.dataframe[0].value["student"], teacher.dataframe[0].value["hands found"], strict=True))
    assert found["Ana"].startswith("the server · chosen · ") and found["Ben"] == "", found

    ana.session_state["handteach_tab_failed"] = TAB_FAILURES["webgl"]  # what a tab without WebGL leaves (path.py)
    ana.session_state["handteach_tab_failed_code"] = "webgl"
    _run(ana)
    found = dict(zip(*(_class_page(teacher).dataframe[0].value[c] for c in ("student", "hands found")), strict=True))
    assert found["Ana"].startswith("the server · no WebGL in their browser · "), found

"""The teacher's Class page and a student's *What is stored* line (ui/classroom), under AppTest on a real store:
only the signed-in teacher gets the page; it lists each student's projects, samples, accuracy and last activity;
a pasted list adds students with their cards (or nobody, each bad line said); a new password waits on its card and
works; a rename keeps the student signed in; deleting a student asks for the name, shows its receipt, leaves nothing
of theirs and a second press deletes nobody; ending the class needs its name typed; a student's project opened by
the teacher shows no control that changes it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.classes.signin import SignInError, sign_in
from core.data.store import Store
from tests.classmaker import ANA_PASSWORD, BEN_PASSWORD, TEACHER_PASSWORD, ClassSetup, make_class
from ui.classroom import panels
from ui.classroom.cards_panel import PUT_AWAY_LINE
from ui.common.text import plain

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
    assert rows == [["Ana", "ana-signs", 20, "90%"], ["Ben", "ben-signs", 5, "not measured"]], rows
    assert panels.NOT_MEASURED_WHY in _texts(teacher)  # why Ben's has none, and how he gets one
    assert all(table["last activity"] != "never signed in")  # make_class signed both in
    # on a phone (390 px) the columns scroll beside the name, pinned (issue 64, item 8: they went off-screen)
    columns = json.loads(teacher.dataframe[0].proto.columns)
    assert columns["student"]["pinned"] is True
    # at 1280x720 every column fits the 820 px beside the sidebar ("hands found" lay past the edge), the dates short
    assert sum(columns[c]["width"] for c in table.columns) <= panels.ROSTER_ROOM, columns
    assert all(table["last activity"].str.startswith("today, ")), table["last activity"]
    assert "What is stored about you" not in _texts(teacher)


def _cards_table(at: AppTest) -> list[list[str]]:
    """The rows (student, password) of the cards waiting to be printed; [] when none wait."""
    tables = [d.value for d in at.dataframe if list(d.value.columns) == ["student", "password"]]
    return tables[0].values.tolist() if tables else []


def _press(at: AppTest, label: str) -> AppTest:
    [b for b in at.button if b.label == label][0].click()
    return _run(at)


def test_a_new_password_waits_on_its_card_until_done_and_the_old_one_stops_working(school: ClassSetup) -> None:
    at = _class_page(_signed_in("Ms Teacher", TEACHER_PASSWORD, school))
    _press(at, "Make a new password and card")
    assert [e.value for e in at.error] == ["Choose a student first: nobody's password was changed."]
    at.selectbox(key="classroom_password_name_0").select("Ben")
    _press(at, "Make a new password and card")
    ((name, password),) = _cards_table(at)
    assert name == "Ben" and at.get("download_button")
    with pytest.raises(SignInError):
        sign_in(school.store(None), school.code, "Ben", BEN_PASSWORD, "127.0.0.2")
    assert sign_in(school.store(None), school.code, "Ben", password, "127.0.0.2").name == "Ben"
    _run(at)
    assert _cards_table(at) == [["Ben", password]]  # kept until the teacher says the cards are printed
    _press(at, "Done: the cards are printed")
    assert _cards_table(at) == [] and password not in _texts(at)
    assert PUT_AWAY_LINE in _texts(at)  # said where the panel was (the focus goes to it), once
    assert PUT_AWAY_LINE not in _texts(_run(at))

    _press(at, "New passwords and cards for everyone")  # the whole class: only once the box is ticked
    assert [e.value for e in at.error] == ["Tick the box first: nobody's password was changed."]
    assert sign_in(school.store(None), school.code, "Ben", password, "127.0.0.3").name == "Ben"
    at.checkbox(key="classroom_everyone_sure_1").check()
    _press(at, "New passwords and cards for everyone")
    assert [row[0] for row in _cards_table(at)] == ["Ana", "Ben"] and "New passwords for all 2 students" in _texts(at)
    with pytest.raises(SignInError):
        sign_in(school.store(None), school.code, "Ben", password, "127.0.0.3")


def test_three_pasted_names_become_students_with_cards_and_a_bad_list_adds_nobody(school: ClassSetup) -> None:
    at = _class_page(_signed_in("Ms Teacher", TEACHER_PASSWORD, school))
    at.text_area(key="classroom_add_names_0").input("Cy\n\nana\n<b>Dee</b>\n" + "x" * 101)
    _press(at, "Add students")
    assert [e.value for e in at.error] == [
        "line 3: 'ana' is the same name to sign in with as 'Ana', already in the class\n\n"
        + plain("line 5 ('" + "x" * 40 + "'…): the name is 101 characters long: at most 100")
        + "\n\nNothing was added: change these lines and add the list again."
    ]
    assert at.dataframe[0].value["student"].tolist() == ["Ana", "Ben"] and _cards_table(at) == []
    at.text_area(key="classroom_add_names_0").input("Cy\n\nZoë\n<b>Dee</b>\nCy")
    _press(at, "Add students")
    cards = _cards_table(at)
    assert [row[0] for row in cards] == ["Cy", "Zoë", "<b>Dee</b>"], cards
    assert "Added 3 students: their sign-in cards are below" in _texts(at) and "'Cy' is on line 1 too" in _texts(at)
    assert at.text_area(key="classroom_add_names_1").value == ""  # the box starts empty again
    roster = [d.value for d in at.dataframe if "project" in d.value.columns][0]
    assert roster["student"].tolist() == ["<b>Dee</b>", "Ana", "Ben", "Cy", "Zoë"]
    dee = dict(cards)["<b>Dee</b>"]
    assert sign_in(school.store(None), school.code, "<b>Dee</b>", dee, "127.0.0.4").name == "<b>Dee</b>"


def test_deleting_a_student_shows_the_receipt_and_leaves_nothing_of_theirs(school: ClassSetup) -> None:
    at = _class_page(_signed_in("Ms Teacher", TEACHER_PASSWORD, school))
    at.selectbox(key="classroom_delete_name_0").select("Ben")
    _press(at, "Delete student")
    assert [e.value for e in at.error] == ["Tick the box first: deleting cannot be undone."]
    at.checkbox(key="classroom_delete_sure_0").check()
    _press(at, "Delete student")
    assert [e.value for e in at.error] == ["The name typed is not the chosen student's: nobody was deleted."]
    at.text_input(key="classroom_delete_typed_0").input("ana")  # the other student's name: refused too
    _press(at, "Delete student")
    assert [e.value for e in at.error] == ["The name typed is not the chosen student's: nobody was deleted."]
    at.text_input(key="classroom_delete_typed_0").input(" ben ")
    _press(at, "Delete student")
    receipt = [s.value for s in at.success][0]
    assert "Deleted 1 account(s): 'Ben'" in receipt and "Samples: 5 (5 with a picture of the hand)" in receipt
    assert "Project folders: 1 (2 files" in receipt, receipt
    assert at.dataframe[0].value["student"].tolist() == ["Ana"]
    assert not (school.data_dir / "projects" / "ben-signs").exists()
    with sqlite3.connect(school.data_dir / "handteach.sqlite") as conn:
        assert conn.execute("SELECT COUNT(*) FROM accounts WHERE name = 'Ben'").fetchone() == (0,)
        assert conn.execute("SELECT COUNT(*) FROM samples").fetchone() == (20,)


def test_after_a_deletion_the_form_is_empty_and_a_second_press_deletes_nobody(school: ClassSetup) -> None:
    """Issue 64: the form stayed armed (the next student chosen, the box ticked) and a second press deleted Ana."""
    at = _class_page(_signed_in("Ms Teacher", TEACHER_PASSWORD, school))
    at.selectbox(key="classroom_delete_name_0").select("Ben")
    at.checkbox(key="classroom_delete_sure_0").check()
    at.text_input(key="classroom_delete_typed_0").input("Ben")
    _press(at, "Delete student")
    assert "Deleted 1 account(s): 'Ben'" in [s.value for s in at.success][0]
    form = (at.selectbox(key="classroom_delete_name_1"), at.checkbox(key="classroom_delete_sure_1"),
            at.text_input(key="classroom_delete_typed_1"))  # fmt: skip
    assert [w.value for w in form] == [None, False, ""] and form[0].options == ["Ana"]
    _press(at, "Delete student")
    assert [e.value for e in at.error] == ["Choose a student first: nobody was deleted."]
    assert at.dataframe[0].value["student"].tolist() == ["Ana"]
    with sqlite3.connect(school.data_dir / "handteach.sqlite") as conn:
        assert conn.execute("SELECT COUNT(*) FROM accounts WHERE name = 'Ana'").fetchone() == (1,)


def test_a_renamed_student_keeps_their_password_and_their_open_page(school: ClassSetup) -> None:
    ana = _signed_in("Ana", ANA_PASSWORD, school)
    at = _class_page(_signed_in("Ms Teacher", TEACHER_PASSWORD, school))
    at.selectbox(key="classroom_rename_name_0").select("Ana")
    at.text_input(key="classroom_rename_new_0").input("Ben")
    _press(at, "Rename")
    assert [e.value for e in at.error] == ["the class already has someone named 'Ben'"]
    at.text_input(key="classroom_rename_new_0").input("Ana B.")
    _press(at, "Rename")
    assert at.dataframe[0].value["student"].tolist() == ["Ana B.", "Ben"]
    assert sign_in(school.store(None), school.code, "Ana B.", ANA_PASSWORD, "127.0.0.5").name == "Ana B."
    _run(ana)  # her open page: still signed in, under her new name
    assert "Signed in: Ana B." in _texts(ana) and not [b for b in ana.button if b.label == "Sign in"]


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
    end = [b for b in at.button if b.label == "End the class and delete everything of it"][0]
    assert end.proto.type != "primary" and end.key in panels._DESTRUCTIVE_CSS  # red, as Delete student: not green
    end.click()
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
    assert "Everything runs on this machine" in _texts(ana)  # her own: "your samples"
    assert "Trained: accuracy 90% on all 20 of your samples" in " ".join(c.value for c in ana.sidebar.caption)

    teacher = _signed_in("Ms Teacher", TEACHER_PASSWORD, school)
    teacher.query_params["project"] = "ana-signs"
    teacher.session_state["handteach_project"] = None
    _run(teacher)
    assert "Ana's project 'ana-signs': nothing here can be changed" in _texts(teacher)
    assert "What is stored" not in _texts(teacher)
    assert not [b for b in teacher.button if b.label == "Open project"]  # no Replace for the teacher
    # her samples are said to be hers, not "your samples" on "this machine" (a class walkthrough)
    assert "Ana's hand gestures" in _texts(teacher) and "Everything runs on this machine" not in _texts(teacher)
    assert "of Ana's samples" in " ".join(c.value for c in teacher.sidebar.caption)
    train = _run(teacher.switch_page("pages/train.py"))
    assert "**Trained:** accuracy 90% on all 20 of Ana's samples" in _texts(train)
    assert not [b for b in train.button if "Train" in b.label or "Fine-tune" in b.label]
    record = _run(teacher.switch_page("pages/record.py"))  # one line, no control
    assert "Ana's project 'ana-signs': nothing here can be changed" in _texts(record)
    assert not record.radio and not record.main.button and not record.get("file_uploader") and not record.get("iframe")
    assert "The samples it gets wrong are drawn on Train." in _texts(record)  # not an empty page
    live = _run(teacher.switch_page("pages/live.py"))  # her model runs; nothing teaches it
    assert "Ana's project 'ana-signs': nothing here can be changed" in _texts(live)
    assert not [b for b in live.button if "retrain" in b.label or "Teach" in b.label]
    assert "Teach it here" not in _texts(live)


def _wrong_samples_looked_at(data_dir: str, viewer: object, wrong: list) -> None:
    """An AppTest script: Train's list of the samples a student's model gets wrong, for someone only looking."""
    from pathlib import Path

    from core.data.store import Store
    from ui.samples.gallery import fix_gallery

    store = Store(Path(data_dir), viewer=viewer)
    fix_gallery(store, "ana-signs", wrong, store.list_classes("ana-signs"), look=True)


def test_the_teacher_sees_the_samples_a_students_model_gets_wrong_drawn_and_changes_nothing(school: ClassSetup) -> None:
    """Seen in the class walkthrough: the teacher's look showed no sample of a student's anywhere (Record is one
    line, Train left its list of wrong samples out). Now Train draws them, each as its skeleton even where the
    class keeps pictures (no picture of a child's hand goes to another), with nothing to tick or press."""
    ids = [int(s.id) for s in school.store(None).list_samples("ana-signs")[:3]]
    at = AppTest.from_function(_wrong_samples_looked_at, args=(str(school.data_dir), school.teacher,
                                                               [(i, "ok", "fist") for i in ids]))  # fmt: skip
    _run(at)
    drawn = [shown.url for image in at.get("image") for shown in image.proto.imgs]
    assert len(drawn) == 3 and all(url.endswith(".png") for url in drawn), drawn  # drawings: her crops are JPEGs
    assert [c.value for c in at.caption][1:] == ["👌 → 👊"] * 3 and not at.checkbox and not at.button


def test_the_teacher_opens_a_students_project_from_the_class_page(school: ClassSetup) -> None:
    from core.classes.roster import add_student

    markdown = "**Zed** [login](https://evil.test)"  # a name and a project name that Markdown would turn into a link
    add_student(school.store(None), "7B", markdown, "zed-pass-9")
    school.store(sign_in(school.store(None), school.code, markdown, "zed-pass-9", "127.0.0.3")).create_project(
        "![p](tracker.test) :red[x]"
    )
    at = _class_page(_signed_in("Ms Teacher", TEACHER_PASSWORD, school))
    labels = [b.label for b in at.button]
    assert plain(f"{markdown}: ![p](tracker.test) :red[x]") in labels  # escaped: its own characters on the page
    # a select box shows plain text: the name's own characters, no Markdown escapes (issue 63 item 15)
    assert at.selectbox(key="classroom_delete_name_0").options == [markdown, "Ana", "Ben"]
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


def test_a_local_address_is_a_warning_only_where_students_could_reach_the_server_from_elsewhere() -> None:
    """Issue 70: class.md's "students on this computer" (``make run``: the server listens on localhost only) got the
    warning asking for the server's https:// address on the school's network, which does not exist there."""
    from ui.classroom.cards_panel import ON_THIS_COMPUTER, ONLY_THIS_COMPUTER, local_address_line

    local = "http://localhost:8501"
    assert local_address_line(local, "localhost", proxied=False) == ("caption", ON_THIS_COMPUTER)
    assert local_address_line(local, "127.0.0.1", proxied=False) == ("caption", ON_THIS_COMPUTER)
    for bound, proxied in (("0.0.0.0", False), ("", False), ("192.168.1.20", False), ("localhost", True)):
        assert local_address_line(local, bound, proxied) == ("warning", ONLY_THIS_COMPUTER), (bound, proxied)
    assert local_address_line("https://handteach.school.example", "localhost", proxied=True) is None
    assert local_address_line("", "0.0.0.0", proxied=False) is None

"""Sharing and remixing on the pages (ui/common/sharing.py), under AppTest with two signed-in students of a real
class store (tests/classmaker.py): Ana shares a project whose name is Markdown; Ben finds it under *Shared by your
class* (not among his own), opens it read-only (every page says so in one line, and no control that changes it
is drawn: no download, share, record, train or Teach it here), then remixes it into a project of his own. Ana's
project is byte for byte as it was."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest
from test_classes_sharing import project_rows

from core.classes.access import Viewer
from core.data.store import Store
from tests.classmaker import fill_project, make_class
from ui.common.sharing import SHARE_LABEL, SHARED_HEADING
from ui.common.signin import VIEWER_KEY
from ui.common.text import plain

ROOT = Path(__file__).resolve().parents[1]
NAME = "[Teacher login](http:evil.test) :red[**ours**]"  # Ana's project: a link and styling if it were Markdown


def _app(viewer: Viewer) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[VIEWER_KEY] = viewer  # what signing in leaves in the session (tests/test_app_signin.py signs in)
    return _run(at)


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _page(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"pages/{page}.py")
    return _run(at)


def _read_only_lines(at: AppTest) -> list[str]:
    return [i.value for i in at.info if "nothing here can be changed" in i.value]


def test_a_shared_project_opens_read_only_for_a_classmate_who_remixes_it(data_dir: Path) -> None:
    school = make_class(data_dir)
    fill_project(school.store(school.ana), NAME, 6, seed=3)
    ana = _app(school.ana)
    ana.selectbox(key="home_project").set_value(NAME)
    _run(ana)
    assert ana.toggle(key=f"share_{NAME}").label == SHARE_LABEL and not ana.toggle(key=f"share_{NAME}").value
    ana.toggle(key=f"share_{NAME}").set_value(True)
    _run(ana)
    before = project_rows(data_dir, NAME)

    ben = _app(school.ben)
    assert ben.selectbox(key="home_project").options == ["ben-signs"]  # his own only
    assert SHARED_HEADING in [h.value for h in ben.header]
    shared = ben.selectbox(key="shared_project")
    assert shared.options == [f"{NAME} · by Ana"]  # a select's options are plain text
    ben.button(key="shared_open").click()
    _run(ben)
    assert ben.query_params["project"] == NAME
    (line,) = _read_only_lines(ben)
    assert line == plain(f"You are looking at Ana's project {NAME!r}, shared with the class: nothing here can be "
                         "changed. To record, train or teach it yourself, remix it on Home: you get your own copy.")  # fmt: skip
    assert not [b for b in ben.get("download_button")] and not [t for t in ben.toggle if t.label == SHARE_LABEL]
    assert len(ben.get("page_link")) == 4  # the three steps and Make a game; no Next step pointing to Record or Train

    _page(ben, "record")
    assert len(_read_only_lines(ben)) == 1 and not ben.main.button and not ben.radio and not ben.text_input
    _page(ben, "train")
    assert len(_read_only_lines(ben)) == 1 and not [b for b in ben.button if "Train" in b.label]
    _page(ben, "live")
    assert len(_read_only_lines(ben)) == 1 and not [e for e in ben.expander if "Teach it here" in e.label]

    _page(ben, "home")
    assert ben.text_input(key=f"remix_name_{NAME}").value == f"{NAME} (remix)"
    ben.text_input(key=f"remix_name_{NAME}").set_value("ben-signs")  # taken: one line, nothing made
    [b for b in ben.button if b.label.startswith("🎨 Remix")][0].click()
    _run(ben)
    assert [e.value for e in ben.error] == [plain("No copy was made: a project named 'ben-signs' already exists")]
    ben.text_input(key=f"remix_name_{NAME}").set_value("my copy")
    [b for b in ben.button if b.label.startswith("🎨 Remix")][0].click()
    _run(ben)
    assert ben.query_params["project"] == "my copy" and not _read_only_lines(ben)
    assert [s.value for s in ben.success] == [plain("Your copy 'my copy' holds 6 samples, 6 with their picture. "
                                                    "It is yours: record, then train it.")]  # fmt: skip
    assert ben.selectbox(key="home_project").options == ["ben-signs", "my copy"]
    assert len(ben.get("page_link")) == 5  # his own: a Next step
    assert Store(data_dir, viewer=school.ben).class_counts("my copy")["ok"] == 6
    _page(ben, "record")
    assert not _read_only_lines(ben) and ben.button(key="record_start")  # his to record into
    assert project_rows(data_dir, NAME) == before


def test_the_teacher_opens_a_students_project_read_only(data_dir: Path) -> None:
    school = make_class(data_dir)
    teacher = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    teacher.session_state[VIEWER_KEY] = school.teacher
    teacher.query_params["project"] = "ben-signs"  # not shared: the teacher reads every project of the class
    _run(teacher)
    assert _read_only_lines(teacher) == ["You are looking at Ben's project 'ben-signs': nothing here can be changed."]
    assert len(teacher.get("download_button")) == 1  # the teacher may take a copy away; classmates may not
    assert not [t for t in teacher.toggle if t.label == SHARE_LABEL]
    assert SHARED_HEADING not in [h.value for h in teacher.header]
    _page(teacher, "record")
    assert len(_read_only_lines(teacher)) == 1 and not teacher.main.button

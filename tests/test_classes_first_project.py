"""The project a signed-in person opens on (core.classes.first_project), on a real class and store: the one they
used last, else their latest own, else one starter that nobody else can take first; and a taken name that tells
nothing of another person's projects (issue 63 items 9, 11 and 14; issue 64 item 4)."""

from __future__ import annotations

import re
import sqlite3
import threading

import numpy as np
import pytest
from pgcluster import both_databases

from core.classes.access import Viewer
from core.classes.first_project import LAST_PROJECT, last_project, remember, start_project
from core.classes.names import BadNameError
from core.classes.removal import delete_student
from core.classes.roster import add_student, create_class
from core.classes.signin import sign_in
from core.data.bundles.bundle import ProjectExistsError, export_project, import_project
from core.data.sql.schema import DB_NAME, DuplicateNameError, Sample
from core.data.store import Store
from tests.classmaker import ClassSetup, make_class
from tests.storemaker import make_hand


def _student(school: ClassSetup, name: str, class_name: str = "7B") -> Viewer:
    store = Store(school.data_dir)
    add_student(store, class_name, name, "pass-word-1")
    code = school.code if class_name == "7B" else next(
        c for (c,) in sqlite3.connect(school.data_dir / DB_NAME).execute("SELECT code FROM school_classes")
        if c != school.code)  # fmt: skip
    return sign_in(store, code, name, "pass-word-1", "127.0.0.1")


def test_nobody_can_take_a_classmates_first_project_nor_learn_they_signed_in(data_dir) -> None:
    """Item 9: "<teacher>'s gestures" or "<classmate>'s gestures <id>" made by a student made every page of that
    person say "could not make a first project for you"; item 14: trying the name told whether it existed."""
    school = make_class(data_dir)
    ana = school.store(school.ana)
    for squat in ("Ms Teacher's gestures", "Cleo's gestures", "CLEO'S GESTURES 7", "Cl\u0435o\u2019s gestures"):
        with pytest.raises(BadNameError, match="kept for each person's first project") as caught:
            ana.create_project(squat)  # refused the same whether Cleo exists, signed in or not
        assert "\n" not in str(caught.value)
    with pytest.raises(BadNameError, match="kept for each person's first project"):
        ana.rename_project("ana-signs", "Ms Teacher's gestures")
    cleo = _student(school, "Cleo")
    assert start_project(school.store(cleo)) == "Cleo's gestures"
    assert start_project(school.store(school.teacher)) == "Ms Teacher's gestures"
    ana.create_project("Ana's gestures 2")  # one's own is one's own
    ana.create_project("Cleo's gestures (remix)")  # a remix's name is no first project's


def test_someone_of_the_same_name_elsewhere_on_the_server_gets_an_unguessable_suffix(data_dir) -> None:
    school = make_class(data_dir)
    create_class(Store(data_dir), "8C", "Mr Other", "teach-8C-pass")
    first, second = _student(school, "Cleo"), _student(school, "Cleo", class_name="8C")
    assert start_project(school.store(first)) == "Cleo's gestures"
    name = start_project(school.store(second))
    assert re.fullmatch(r"Cleo's gestures [a-z0-9]{6}", name) and name[-6:] != str(second.account_id)
    assert start_project(school.store(second)) == name  # the same one every time after


def test_a_name_taken_by_another_says_nothing_of_their_spelling(data_dir) -> None:
    """Item 14: "a project named 'ben-signs' already exists" answered "BEN-SIGNS" with the classmate's spelling."""
    school = make_class(data_dir)
    ana = school.store(school.ana)
    for name in ("BEN-SIGNS", "ben-signs", "Ben-Signs"):
        with pytest.raises(DuplicateNameError) as caught:
            ana.create_project(name)
        assert str(caught.value) == f"the name {name!r} is taken on this server: choose another"
        with pytest.raises(DuplicateNameError, match="is taken on this server") as caught:
            ana.rename_project("ana-signs", name)
        assert "'ben-signs'" not in str(caught.value) or name == "ben-signs"
    with pytest.raises(DuplicateNameError, match="a project named 'ana-signs' already exists .'ANA-SIGNS' differs"):
        ana.create_project("ANA-SIGNS")  # one's own: which one it is, as before
    with pytest.raises(DuplicateNameError, match="a project named 'ben-signs' already exists"):
        school.store(school.teacher).create_project("BEN-SIGNS")  # the teacher sees Ben's projects


def test_a_long_name_or_one_kept_from_before_the_rule_still_gets_a_first_project(data_dir) -> None:
    """Item 11: a 58-character name, or one with a right-to-left override or zero-width space, made every page say
    "project name … is 69 characters long; the limit is 64". (Invisible ones are refused today: these are
    written as an older handteach kept them.)"""
    school = make_class(data_dir)
    names = ["Wolfeschlegelsteinhausenbergerdorff Hubert Blaine Senior Jr", "x" * 100, "Ana\u202eLee", "An\u200ba"]
    for i, name in enumerate(names):
        cleo = _student(school, f"Cleo {i}")
        with sqlite3.connect(data_dir / DB_NAME) as conn:
            conn.execute("UPDATE accounts SET name = ? WHERE id = ?", (name, cleo.account_id))
        viewer = Viewer(cleo.account_id, cleo.class_id, "student", name)
        made = start_project(school.store(viewer))
        assert made.endswith("'s gestures") and len(made) <= 64 and made in school.store(viewer).list_projects()


def test_signing_in_again_opens_the_project_used_last_and_a_first_time_student_gets_one(data_dir) -> None:
    """Issue 64 item 4: signing in again opened the automatic "<name>'s gestures: 0 samples" while the work was in
    the project the student made and trained."""
    school = make_class(data_dir)
    cleo = _student(school, "Cleo")
    store = school.store(cleo)
    assert start_project(store) == "Cleo's gestures" and last_project(store) is None
    store.create_project("rock paper")
    store.add_samples("rock paper", [Sample(make_hand(np.random.default_rng(0)), "ok", "webcam")])
    assert start_project(school.store(cleo)) == "rock paper"  # none remembered: the one with the latest sample
    remember(store, "Cleo's gestures")
    assert start_project(school.store(cleo)) == "Cleo's gestures"
    remember(store, "rock paper")
    store.rename_project("rock paper", "rock")
    assert start_project(school.store(cleo)) == "rock"  # a rename keeps it
    remember(store, "ana-signs")  # not hers to read: not kept
    assert last_project(store) == "rock"
    store.delete_project("rock")
    assert start_project(school.store(cleo)) == "Cleo's gestures"
    assert school.store(cleo).list_projects() == ["Cleo's gestures"]  # never a new empty one beside her work


def test_two_tabs_signing_in_at_once_make_one_starter(data_dir) -> None:
    school = make_class(data_dir)
    cleo = _student(school, "Cleo")
    got: list[str] = []
    tabs = [threading.Thread(target=lambda: got.append(start_project(school.store(cleo)))) for _ in range(4)]
    for tab in tabs:
        tab.start()
    for tab in tabs:
        tab.join()
    assert got == ["Cleo's gestures"] * 4 and school.store(cleo).list_projects() == ["Cleo's gestures"]


def test_deleting_a_student_forgets_their_last_project(data_dir) -> None:
    school = make_class(data_dir)
    remember(school.store(school.ben), "ben-signs")
    key = LAST_PROJECT.format(school.ben.account_id)
    with sqlite3.connect(data_dir / DB_NAME) as conn:
        assert conn.execute("SELECT 1 FROM server_settings WHERE key = ?", (key,)).fetchone()
    delete_student(Store(data_dir), "7B", "Ben")
    with sqlite3.connect(data_dir / DB_NAME) as conn:
        assert not conn.execute("SELECT 1 FROM server_settings WHERE key = ?", (key,)).fetchone()


@pytest.mark.slow
@both_databases
def test_a_project_file_is_named_through_the_same_reservation_and_says_only_taken(
    store_database: str, tmp_path
) -> None:  # noqa: ANN001
    """Importing a project file as "Dee's gestures" (or the teacher's "Ms Teacher's gestures") took Dee's first
    project before she signed in, and "ANA-SIGNS" answered "a project named 'ana-signs' already exists", the
    classmate's spelling: a project file's name is reserved as a new or renamed project's, and a classmate's name,
    or one that looks just like it, is only "taken", as typed."""
    school = make_class(tmp_path)
    ben, ana = school.store(school.ben), school.store(school.ana)
    export_project(ben, "ben-signs", tmp_path / "ben.handteach")
    for squat in ("Dee's gestures", "Ms Teacher's gestures", "D\u0435e's gestures 2"):
        with pytest.raises(BadNameError, match="^names like \"NAME's gestures\" are kept for each person's first"):
            import_project(ben, tmp_path / "ben.handteach", as_name=squat)
    for name in ("ANA-SIGNS", "\u0430na-signs", "ana\u2010signs"):  # in capitals, a Cyrillic "а", another hyphen
        for replace in (False, True):
            with pytest.raises(DuplicateNameError) as refused:
                import_project(ben, tmp_path / "ben.handteach", as_name=name, replace=replace)
            assert str(refused.value) == f"the name {name!r} is taken on this server: choose another"
    assert sorted(ben.list_projects()) == ["ben-signs"] and ana.list_projects() == ["ana-signs"]
    assert sum(ana.class_counts("ana-signs").values()) == 20  # nothing of Ana's changed
    with pytest.raises(ProjectExistsError, match="a project named 'ben-signs' already exists"):
        import_project(ben, tmp_path / "ben.handteach", as_name="BEN-SIGNS")  # one's own: "Replace" would do
    assert import_project(ben, tmp_path / "ben.handteach", as_name="ben-signs", replace=True).replaced
    dee = _student(school, "Dee")
    assert start_project(school.store(dee)) == "Dee's gestures"  # hers, with no suffix
    assert start_project(school.store(school.teacher)) == "Ms Teacher's gestures"

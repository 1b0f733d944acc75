"""The teacher's overview of a class (core.classes.overview) and the *What is stored* line (retention), on a real
store: students by name with their projects' sample and picture counts and their last activity."""

from __future__ import annotations

from pathlib import Path

from core.classes.access import may_change
from core.classes.overview import class_overview
from core.classes.retention import what_is_stored
from core.classes.roster import add_student, class_by_id
from tests.classmaker import make_class


def test_the_overview_lists_students_projects_and_counts(tmp_path: Path) -> None:
    school = make_class(tmp_path / "data", crops_allowed=False)
    store = school.store(None)
    add_student(store, "7B", "Cleo", "cleo-pass-3")
    lines = class_overview(store, school.teacher.class_id)
    assert [(s.account.name, [(p.name, p.samples, p.crops) for p in s.projects]) for s in lines] == [
        ("Ana", [("ana-signs", 20, 0)]), ("Ben", [("ben-signs", 5, 0)]), ("Cleo", [])]  # fmt: skip
    ana, _, cleo = lines
    assert ana.last_activity is not None and ana.last_activity >= ana.projects[0].last_sample_at
    assert cleo.last_activity is None  # never signed in, nothing recorded


def test_what_is_stored_follows_the_class_and_the_teacher_only_looks(tmp_path: Path) -> None:
    school = make_class(tmp_path / "data", crops_allowed=False)
    line = what_is_stored(class_by_id(school.store(None), school.ana.class_id))
    assert line.startswith("What is stored about you: your name, your projects") and "no pictures" in line
    assert may_change(school.store(school.ana), "ana-signs")
    assert not may_change(school.store(school.teacher), "ana-signs")
    assert may_change(school.store(None), "ana-signs")  # the server's own tool

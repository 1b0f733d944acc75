"""Ownership (core.classes.access, applied by the store's own functions): a student sees and changes only their own
projects, a teacher reads their class's, a shared project is read-only to classmates; no viewer: as ever."""

from __future__ import annotations

import numpy as np
import pytest

from core.classes.access import NotYoursError, share_project
from core.classes.roster import create_class
from core.classes.signin import sign_in
from core.data.bundles.bundle_import import import_project
from core.data.bundles.bundle_write import export_project
from core.data.clips import get_clip
from core.data.sql.schema import DuplicateNameError, NotFoundError, Sample
from core.data.store import Store
from tests.classmaker import fill_project, make_class
from tests.storemaker import make_hand, snapshot


def test_each_student_lists_only_their_own(tmp_path) -> None:
    school = make_class(tmp_path)
    Store(tmp_path).create_project("server's own")
    assert school.store(school.ana).list_projects() == ["ana-signs"]
    assert school.store(school.ben).list_projects() == ["ben-signs"]
    assert school.store(school.teacher).list_projects() == ["ana-signs", "ben-signs"]
    assert Store(tmp_path).list_projects() == ["ana-signs", "ben-signs", "server's own"]  # no viewer: all, as ever


def test_a_classmate_cannot_open_change_delete_export_or_replace(tmp_path) -> None:
    school = make_class(tmp_path)
    ben, ana = school.store(school.ben), school.store(school.ana)
    ana_sample = ana.list_samples("ana-signs")[0].id
    before = snapshot(ana), [(s.id, s.crop_jpeg) for s in ana.list_samples("ana-signs", with_crops=True)]
    attempts = [
        lambda: ben.class_counts("ana-signs"),
        lambda: ben.list_samples("ana-signs", with_crops=True),
        lambda: ben.add_sample("ana-signs", Sample(make_hand(np.random.default_rng(0)), "ok", "webcam")),
        lambda: ben.delete_project("ana-signs"),
        lambda: ben.rename_project("ana-signs", "mine now"),
        lambda: ben.clear_class("ana-signs", "ok"),
        lambda: ben.add_class("ana-signs", "new"),
        lambda: ben.project_dir("ana-signs"),
        lambda: export_project(ben, "ana-signs", tmp_path / "stolen.handteach"),
    ]
    for attempt in attempts:
        with pytest.raises(NotFoundError, match="no project named 'ana-signs' here"):
            attempt()
    with pytest.raises(NotFoundError, match=f"no sample with id {ana_sample}"):
        ben.get_sample(ana_sample)  # its crop included
    assert ben.delete_samples([ana_sample]) == 0  # ids of another's rows are ignored, as unknown ids are
    assert not (tmp_path / "stolen.handteach").exists()
    assert snapshot(ana) == before[0]
    assert [(s.id, s.crop_jpeg) for s in ana.list_samples("ana-signs", with_crops=True)] == before[1]


def test_replace_only_ones_own(tmp_path) -> None:
    school = make_class(tmp_path)
    ben, ana = school.store(school.ben), school.store(school.ana)
    export_project(ben, "ben-signs", tmp_path / "ben.handteach")
    counts = ana.class_counts("ana-signs")
    with pytest.raises(DuplicateNameError, match="the name 'ana-signs' is taken on this server: choose another"):
        import_project(ben, tmp_path / "ben.handteach", as_name="ana-signs", replace=True)
    assert ana.class_counts("ana-signs") == counts and ben.list_projects() == ["ben-signs"]
    report = import_project(ben, tmp_path / "ben.handteach", as_name="ben-signs", replace=True)  # his own: fine
    assert report.replaced and ben.list_projects() == ["ben-signs"]
    # the store's one writer of project rows refuses too
    with pytest.raises(DuplicateNameError, match="is taken"), ben.write_transaction() as conn:
        ben.insert_project(conn, "ana-signs", "mediapipe", "hand", False, (), replace=True)
    assert ana.class_counts("ana-signs") == counts


def test_the_teacher_reads_the_class_but_changes_only_their_own(tmp_path) -> None:
    school = make_class(tmp_path)
    teacher = school.store(school.teacher)
    assert teacher.class_counts("ana-signs")["ok"] == 20
    export_project(teacher, "ana-signs", tmp_path / "ana.handteach")
    with pytest.raises(NotYoursError, match="is not yours: you may look at it, not change it"):
        teacher.delete_project("ana-signs")
    assert teacher.delete_samples([s.id for s in teacher.list_samples("ana-signs")]) == 0
    code = create_class(Store(tmp_path), "8C", "Mr Other", "other-pass").code
    other = Store(tmp_path, viewer=sign_in(Store(tmp_path), code, "Mr Other", "other-pass", "10.0.0.1"))
    assert other.list_projects() == []  # another class's teacher sees none of 7B's
    with pytest.raises(NotFoundError):
        other.class_counts("ana-signs")


def test_a_shared_project_is_read_only_to_classmates(tmp_path) -> None:
    school = make_class(tmp_path)
    ana, ben = school.store(school.ana), school.store(school.ben)
    with pytest.raises(NotYoursError):  # not even the teacher shares a student's project
        share_project(school.store(school.teacher), "ana-signs", True)
    with pytest.raises(NotFoundError):
        share_project(ben, "ana-signs", True)
    share_project(ana, "ana-signs", True)
    assert ben.list_projects() == ["ana-signs", "ben-signs"]
    assert sum(ben.class_counts("ana-signs").values()) == 20
    with pytest.raises(NotYoursError):
        ben.add_class("ana-signs", "mine")
    with pytest.raises(NotYoursError, match="only its owner and the teacher may download it"):
        export_project(ben, "ana-signs", tmp_path / "copy.handteach")
    share_project(ana, "ana-signs", False)
    assert ben.list_projects() == ["ben-signs"]


def test_a_new_project_belongs_to_who_made_it(tmp_path) -> None:
    school = make_class(tmp_path)
    fill_project(school.store(school.ben), "second", 1, seed=3)
    assert school.store(school.ben).list_projects() == ["ben-signs", "second"]
    assert "second" not in school.store(school.ana).list_projects()
    with pytest.raises(NotFoundError):
        get_clip(school.store(school.ana), 1)

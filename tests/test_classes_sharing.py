"""Sharing and remixing (core.classes.sharing) on a real class store: a shared project is listed for classmates,
read-only; a remix is a new project of the remixer's own with the gestures, samples and clips, crops only where
their class allows pictures, never the model; the source stays byte for byte as it was."""

from __future__ import annotations

import hashlib
import sqlite3

import numpy as np
import pytest
from pgcluster import both_databases

from core.classes.access import NotYoursError, share_project
from core.classes.sharing import (
    Remix,
    SharedProject,
    is_shared,
    owner_name,
    project_access,
    remix_name,
    remix_project,
    shared_with_me,
)
from core.data.bundles.bundle_import import import_project
from core.data.bundles.bundle_write import export_project
from core.data.clips import StoredClip, add_clips, list_clips
from core.data.project import save_project_model
from core.data.sql.database import Database
from core.data.sql.schema import DB_NAME, DuplicateNameError, NotFoundError, Sample
from core.data.store import Store
from tests.classmaker import make_class
from tests.storemaker import make_hand
from tests.test_clips import make_clip


def project_rows(data_dir, project: str) -> str:  # noqa: ANN001
    """A digest of every row of ``project`` (its row, classes, samples with crops, clips), read past the API."""
    with Database(data_dir, read_only=True).read_connection() as conn:  # the file's, or PostgreSQL's
        pid = conn.execute("SELECT id FROM projects WHERE name = ?", (project,)).fetchone()[0]
        rows = [conn.execute("SELECT * FROM projects WHERE id = ?", (pid,)).fetchall()]
        for table in ("classes", "samples", "clips"):
            key = "project_id" if table == "classes" else "class_id IN (SELECT id FROM classes WHERE project_id = ?)"
            where = f"{key} = ?" if table == "classes" else key
            rows.append(conn.execute(f"SELECT * FROM {table} WHERE {where} ORDER BY id", (pid,)).fetchall())
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@both_databases
def test_a_shared_project_is_listed_for_classmates_only_and_read_only(store_database, tmp_path) -> None:  # noqa: ANN001
    school = make_class(tmp_path)
    ana, ben, teacher = (school.store(v) for v in (school.ana, school.ben, school.teacher))
    assert shared_with_me(ben) == [] and not is_shared(ana, "ana-signs")
    with pytest.raises(NotFoundError):
        project_access(ben, "ana-signs")
    share_project(ana, "ana-signs", True)
    assert shared_with_me(ben) == [SharedProject("ana-signs", "Ana")] and shared_with_me(ana) == []
    assert shared_with_me(Store(tmp_path)) == []  # no viewer: no class, nothing shared
    assert project_access(ben, "ana-signs") == "shared" and project_access(ana, "ana-signs") == "own"
    assert project_access(teacher, "ana-signs") == "teacher" and project_access(Store(tmp_path), "ana-signs") == "own"
    assert is_shared(ben, "ana-signs") and owner_name(ben, "ana-signs") == "Ana"
    before = project_rows(tmp_path, "ana-signs")
    with pytest.raises(NotYoursError):
        ben.add_sample("ana-signs", Sample(make_hand(np.random.default_rng(0)), "ok", "webcam"))
    assert ben.delete_samples([s.id for s in ana.list_samples("ana-signs")]) == 0  # ignored, as unknown ids are
    export_project(ben, "ben-signs", tmp_path / "ben.handteach")
    with pytest.raises(NotYoursError):  # Replace: only one's own
        import_project(ben, tmp_path / "ben.handteach", as_name="ana-signs", replace=True)
    with pytest.raises(NotYoursError):  # nor the teacher's (they read it)
        import_project(teacher, tmp_path / "ben.handteach", as_name="ana-signs", replace=True)
    assert project_rows(tmp_path, "ana-signs") == before
    share_project(ana, "ana-signs", False)
    assert shared_with_me(ben) == []


def test_a_remix_is_the_remixers_own_copy_without_the_model(tmp_path) -> None:  # noqa: ANN001
    school = make_class(tmp_path)
    ana, ben = school.store(school.ana), school.store(school.ben)
    ana.add_class("ana-signs", "wave 👋", "🌊")
    share_project(ana, "ana-signs", True)
    before, model = project_rows(tmp_path, "ana-signs"), ana.project_dir("ana-signs") / "model.safetensors"
    model_bytes = model.read_bytes()

    name = remix_name(ben, "ana-signs")
    assert name == "ana-signs (remix)"
    assert remix_project(ben, "ana-signs", name) == Remix(name, samples=20, crops=20, clips=0)
    assert ben.list_projects() == ["ana-signs", name, "ben-signs"] and project_access(ben, name) == "own"
    assert [g.title for g in ben.list_classes(name)] == [g.title for g in ana.list_classes("ana-signs")]
    copied, source = ben.list_samples(name, with_crops=True), ana.list_samples("ana-signs", with_crops=True)
    assert [(s.crop_jpeg, s.created_at) for s in copied] == [(s.crop_jpeg, s.created_at) for s in source]
    assert np.array_equal(copied[0].hand.pixel, source[0].hand.pixel)
    assert not (ben.project_dir(name, create=False) / "model.safetensors").exists()  # the model stays Ana's
    assert name not in school.store(school.ana).list_projects()  # Ben's, not shared

    ben.delete_samples([s.id for s in copied[:5]])  # his copy is his to change
    ben.add_sample(name, Sample(make_hand(np.random.default_rng(3)), "ok", "webcam"))
    assert ben.class_counts(name)["ok"] == 16
    assert project_rows(tmp_path, "ana-signs") == before and model.read_bytes() == model_bytes  # hers: as it was
    assert remix_name(ben, "ana-signs") == "ana-signs (remix 2)"
    with pytest.raises(DuplicateNameError):
        remix_project(ben, "ana-signs", "ben-signs")
    assert ben.list_projects() == ["ana-signs", name, "ben-signs"]


def test_a_remix_keeps_crops_only_where_the_remixers_class_allows_them(tmp_path) -> None:  # noqa: ANN001
    school = make_class(tmp_path)  # crops allowed when Ana recorded; then the teacher stops keeping pictures
    share_project(school.store(school.ana), "ana-signs", True)
    with sqlite3.connect(tmp_path / DB_NAME) as conn:
        conn.execute("UPDATE school_classes SET crops_allowed = 0")
    ben = school.store(school.ben)
    assert remix_project(ben, "ana-signs", "ben's remix") == Remix("ben's remix", samples=20, crops=0, clips=0)
    assert all(s.crop_jpeg is None for s in ben.list_samples("ben's remix", with_crops=True))


def test_only_a_project_one_may_read_is_remixed_and_a_motion_project_brings_its_clips(tmp_path) -> None:  # noqa: ANN001
    school = make_class(tmp_path)
    ana, ben = school.store(school.ana), school.store(school.ben)
    with pytest.raises(NotFoundError):
        remix_project(ben, "ana-signs", "taken over")  # not shared: as if it did not exist
    assert "taken over" not in Store(tmp_path).list_projects()
    ana.create_project("ana-swipes", default_classes=False, motion=True)
    ana.add_class("ana-swipes", "swipe_left")
    add_clips(ana, "ana-swipes", [StoredClip(make_clip(seed=s), "webcam") for s in range(3)])
    share_project(ana, "ana-swipes", True)
    assert remix_project(ben, "ana-swipes", "swipes") == Remix("swipes", samples=0, crops=0, clips=3)
    assert ben.project_is_motion("swipes")
    copied, source = list_clips(ben, "swipes"), list_clips(ana, "ana-swipes")
    assert [np.asarray(c.clip.points).tobytes() for c in copied] == [
        np.asarray(c.clip.points).tobytes() for c in source
    ]


def test_a_model_is_saved_only_into_ones_own_project(tmp_path) -> None:  # noqa: ANN001
    """The one writer of project folders checks the viewer: a classmate's (or the teacher's) training of a shared
    project cannot replace its owner's model."""
    from core.data.project import train_project
    from core.gestures.training import TrainConfig

    school = make_class(tmp_path)
    ana = school.store(school.ana)
    ana.add_samples("ana-signs", [Sample(make_hand(np.random.default_rng(i)), "fist", "webcam") for i in range(20)])
    share_project(ana, "ana-signs", True)
    model = ana.project_dir("ana-signs") / "model.safetensors"
    for viewer in (school.ben, school.teacher):
        with pytest.raises(NotYoursError):
            train_project(school.store(viewer), "ana-signs", TrainConfig(epochs=2))
    assert model.read_bytes() == b"m" * 1000
    result, dataset = train_project(ana, "ana-signs", TrainConfig(epochs=2))
    with pytest.raises(NotYoursError):
        save_project_model(school.store(school.ben), "ana-signs", result.classifier, dataset.project_identity)


def test_the_training_job_saves_as_the_person_who_asked(tmp_path) -> None:  # noqa: ANN001
    """``core.jobs.tasks.train`` (what the Train page's worker runs) opens the store as the viewer it is given."""
    from core.gestures.training import TrainConfig
    from core.jobs import tasks
    from core.jobs.job import JobContext

    school = make_class(tmp_path)
    ana = school.store(school.ana)
    ana.add_samples("ana-signs", [Sample(make_hand(np.random.default_rng(i)), "fist", "webcam") for i in range(20)])
    share_project(ana, "ana-signs", True)
    with pytest.raises(NotYoursError):
        tasks.train(JobContext(), str(tmp_path), "ana-signs", TrainConfig(epochs=2), viewer=school.ben)
    assert (ana.project_dir("ana-signs") / "model.safetensors").read_bytes() == b"m" * 1000
    trained = tasks.train(JobContext(), str(tmp_path), "ana-signs", TrainConfig(epochs=2), viewer=school.ana)
    assert trained.result.classifier is not None

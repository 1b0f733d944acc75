"""Deleting a student or a whole class (core.classes.removal): every row and file of theirs goes, with a receipt."""

from __future__ import annotations

from pathlib import Path

import pytest
from pgcluster import both_databases

from core.classes.first_project import remember
from core.classes.removal import delete_student, end_class
from core.classes.roster import accounts, list_classes
from core.classes.signin import SignInError, sign_in, sign_in_session, viewer_of
from core.data.saved_models.project_folders import FolderAside
from core.data.sql.database import Database
from core.data.sql.schema import NotFoundError
from core.data.store import Store
from tests.classmaker import BEN_PASSWORD, make_class


def _rows(data_dir: Path, sql: str) -> list[tuple]:
    """The rows ``sql`` reads from the store's database (the data folder's file, or PostgreSQL's)."""
    with Database(data_dir, read_only=True).read_connection() as conn:
        return [tuple(r) for r in conn.execute(sql).fetchall()]


@both_databases
def test_deleting_a_student_removes_every_row_and_file_of_theirs(store_database, tmp_path) -> None:
    school = make_class(tmp_path)
    ben_folder = tmp_path / "projects" / "ben-signs"
    assert ben_folder.is_dir()
    # what else of Ben's the store holds: his sessions, his last project, failed tries at his name and his browser's
    browser = sign_in_session(Store(tmp_path), school.code, "Ben", BEN_PASSWORD, "10.0.0.2").device
    remember(school.store(school.ben), "ben-signs")
    for device in (None, browser):
        with pytest.raises(SignInError):
            sign_in(Store(tmp_path), school.code, "Ben", "a typo", "10.0.0.2", device=device)
    ben = school.ben.account_id
    theirs = (f"SELECT (SELECT COUNT(*) FROM sessions WHERE account_id = {ben}), (SELECT COUNT(*) FROM "
              f"server_settings WHERE key = 'last_project:{ben}'), (SELECT COUNT(*) FROM sign_in_failures WHERE "
              f"key LIKE '%:ben' OR key LIKE '%:{ben}')")  # fmt: skip
    assert _rows(tmp_path, theirs) == [(1, 1, 2)]
    receipt = delete_student(Store(tmp_path), "7B", "ben")
    assert receipt.people == ("Ben",) and receipt.projects == ("ben-signs",)
    assert (receipt.samples, receipt.crops, receipt.clips, receipt.folders, receipt.files) == (5, 5, 0, 1, 1)
    assert receipt.bytes == 1000
    assert receipt.lines()[0] == "Deleted 1 account(s): 'Ben'"
    assert receipt.models == (0 if store_database == "postgresql" else None)  # no model row: the folder's file only
    assert not ben_folder.exists() and not any(p.name.startswith(".aside") for p in tmp_path.iterdir())
    assert _rows(tmp_path, "SELECT name FROM accounts ORDER BY id") == [("Ms Teacher",), ("Ana",)]
    assert _rows(tmp_path, "SELECT name FROM projects") == [("ana-signs",)]
    # no sample, class row or crop without a project: the only rows left are Ana's 20
    assert _rows(tmp_path, "SELECT COUNT(*) FROM samples") == [(20,)]
    assert _rows(tmp_path, "SELECT COUNT(*) FROM classes WHERE project_id NOT IN (SELECT id FROM projects)") == [(0,)]
    assert _rows(tmp_path, theirs) == [(0, 0, 0)]
    assert viewer_of(Store(tmp_path), school.ben.account_id) is None  # his signed session names nobody now
    with pytest.raises(SignInError):
        sign_in(Store(tmp_path), school.code, "Ben", BEN_PASSWORD, "10.0.0.1")
    assert sum(school.store(school.ana).class_counts("ana-signs").values()) == 20  # Ana's work untouched


def test_the_teacher_cannot_be_deleted_as_a_student(tmp_path) -> None:
    make_class(tmp_path)
    with pytest.raises(NotFoundError, match="class '7B' has no student named 'Ms Teacher'"):
        delete_student(Store(tmp_path), "7B", "Ms Teacher")
    with pytest.raises(NotFoundError, match="has no student named 'Cy'"):
        delete_student(Store(tmp_path), "7B", "Cy")
    assert len(accounts(Store(tmp_path), "7B")) == 3


@both_databases
def test_a_failed_deletion_leaves_everything(store_database, tmp_path, monkeypatch) -> None:
    make_class(tmp_path)
    store, real_move = Store(tmp_path), FolderAside.move

    def move_then_fail(aside: FolderAside) -> None:  # the folder is aside, the rows not yet deleted
        real_move(aside)
        raise OSError("the disk went away")

    monkeypatch.setattr(FolderAside, "move", move_then_fail)
    with pytest.raises(OSError, match="the disk went away"):
        delete_student(store, "7B", "Ben")
    assert (tmp_path / "projects" / "ben-signs" / "model.safetensors").is_file()
    assert _rows(tmp_path, "SELECT COUNT(*) FROM samples") == [(25,)] and len(accounts(store, "7B")) == 3


@both_databases
def test_ending_a_class_deletes_all_of_it(store_database, tmp_path) -> None:
    make_class(tmp_path)
    Store(tmp_path).create_project("server's own")  # not the class's: it stays
    receipt = end_class(Store(tmp_path), "7b")
    assert receipt.people == ("Ms Teacher", "Ana", "Ben") and receipt.projects == ("ana-signs", "ben-signs")
    assert (receipt.samples, receipt.crops, receipt.folders) == (25, 25, 2)
    assert list_classes(Store(tmp_path)) == []
    for table in ("accounts", "school_classes", "sign_in_failures", "samples"):
        assert _rows(tmp_path, f"SELECT COUNT(*) FROM {table}") == [(0,)], table
    assert Store(tmp_path).list_projects() == ["server's own"]
    assert sorted(p.name for p in (tmp_path / "projects").iterdir()) == []


@pytest.mark.slow
def test_a_student_deleted_outside_the_server_has_their_jobs_stopped_by_the_servers_pool(tmp_path) -> None:
    """SQLite: the command line cannot reach an app server's own pool; the pool sees Ben's account gone (its
    ``owners_gone`` check, ``gone_owners`` on the pages' store) and stops his running and waiting jobs within
    seconds, so Ana's job gets the only worker."""
    import time

    import jobfns
    from test_jobs_contract import until

    from core.classes.removal import ELSEWHERE_NOTE, gone_owners
    from core.jobs.job import MEASURE, TRAIN, JobRequest, JobState, account_owner
    from core.jobs.local import LocalRunner

    school = make_class(tmp_path)
    ben, ana = account_owner(school.ben.account_id), account_owner(school.ana.account_id)
    pages = Database(tmp_path, read_only=True)
    assert gone_owners(pages, {ben, ana, "session:a-tab", "user:x"}) == set()
    runner = LocalRunner(workers=1, cancel_grace_s=1.0, owners_gone=lambda owners: gone_owners(pages, owners))
    try:
        training = runner.submit(JobRequest(TRAIN, ben, jobfns.steps, {"n": 600, "step_s": 0.1}))
        until(runner, training, lambda s: s.state is JobState.RUNNING, timeout=60)
        measuring = runner.submit(JobRequest(MEASURE, ben, jobfns.steps, {"n": 5}))
        anas = runner.submit(JobRequest(TRAIN, ana, jobfns.steps, {"n": 2, "step_s": 0.05}))
        started = time.monotonic()
        receipt = delete_student(Store(tmp_path), "7B", "Ben")  # the command line's call: no runner of its own
        assert receipt.jobs == 0 and receipt.lines()[-1] == ELSEWHERE_NOTE
        assert gone_owners(pages, {ben, ana}) == {ben}
        assert until(runner, measuring, lambda s: s.ended, timeout=5).state is JobState.CANCELLED
        assert until(runner, training, lambda s: s.ended, timeout=5).state is JobState.CANCELLED
        stopped = time.monotonic() - started
        assert until(runner, anas, lambda s: s.ended, timeout=20).state is JobState.DONE
        print(f"Ben's jobs stopped {stopped:.2f} s after the deletion; Ana's done {time.monotonic() - started:.2f} s")
    finally:
        runner.close()

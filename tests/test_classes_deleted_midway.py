"""A teacher deleting a student in the middle of their work (issue 54, "Bad input"): a training queued, running or
ending after the delete, and a browser take on its way, end with one clear line and leave nothing of the student:
no file or folder under the data folder, no row naming them, none of their pictures' bytes in the SQLite files.

Real SQLite in tmp_path, real trainings (tests/handmaker hands, no MediaPipe), the real job runner's worker
processes where the runner is the point, a real take value as the tab sends it (tests/test_browser_take)."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path

import jobfns
import numpy as np
import pytest
from handmaker import make_hand, pointing_hand
from test_browser_take import tab_hand, tab_take

from core.classes.access import Viewer
from core.classes.removal import delete_student
from core.classes.roster import add_student
from core.classes.session import deleted_account_class, session_token, viewer_from_token
from core.classes.signin import sign_in
from core.data.imports.browser_take import store_take
from core.data.imports.take_tickets import TakeLedger, TakeTicket
from core.data.saved_models.project_folders import ProjectReplacedError
from core.data.sql.database import TRUNCATE_WAIT_S
from core.data.sql.schema import DB_NAME, NotFoundError, Sample, StoreError
from core.data.store import Store
from core.gestures.training import TrainConfig
from core.jobs import tasks
from core.jobs.job import TRAIN, JobContext, JobRequest, JobState, account_owner
from core.jobs.local import LocalRunner
from tests.classmaker import ClassSetup, make_class

BEN_PROJECT = "ben-signs"


def trainable_ben(data_dir: Path) -> ClassSetup:
    """make_class's class, Ben's project holding two gestures of 12 handmade hands each (crops too)."""
    school = make_class(data_dir)
    rng = np.random.default_rng(3)
    hands = [(name, make_hand(points)) for name, points in (("pointing_right", pointing_hand(180.0)),
                                                            ("open_palm", None)) for _ in range(12)]  # fmt: skip
    crop = Store(data_dir).get_sample(1).crop_jpeg  # Ana's: any real JPEG
    school.store(school.ben).add_samples(BEN_PROJECT, [
        Sample(type(h)(h.pixel + rng.normal(0, 2.0, h.pixel.shape).astype(np.float32), h.normalised, h.world,
                       "Right", 0.9, (640, 480)), name, "webcam", crop_jpeg=crop) for name, h in hands])  # fmt: skip
    return school


def ben_crop(data_dir: Path) -> bytes:
    """The tail of Ben's crop JPEG (its entropy-coded data: no other crop shares it; the header is any JPEG's)."""
    with sqlite3.connect(data_dir / DB_NAME) as conn:
        (crop,) = conn.execute("SELECT s.crop_jpeg FROM samples s JOIN classes c ON c.id = s.class_id JOIN projects "
                               "p ON p.id = c.project_id WHERE p.name = ? LIMIT 1", (BEN_PROJECT,)).fetchone()  # fmt: skip
    return bytes(crop[-300:-236])


def leftovers(data_dir: Path, ben: Viewer, crop: bytes) -> list[str]:
    """Everything of Ben's still under the data folder: a path naming his project, a file holding his project's
    name or his picture's bytes (the SQLite file and its WAL included), a row of any table naming his account."""
    found = [str(p) for p in data_dir.rglob("*") if "ben" in p.name.lower() or p.name.startswith(".replaced-")]
    for path in (p for p in data_dir.rglob("*") if p.is_file()):
        data = path.read_bytes()
        found += [f"{path.name} holds {what!r}" for what in (BEN_PROJECT.encode(), crop) if what in data]
    with sqlite3.connect(data_dir / DB_NAME) as conn:
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            for column in [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]:
                named = (BEN_PROJECT, ben.name, ben.account_id if column in ("owner", "account_id") else None)
                sql = f"SELECT COUNT(*) FROM {table} WHERE {column} IN (?, ?, ?) OR {column} LIKE '%:ben'"
                if hits := conn.execute(sql, named).fetchone()[0]:  # LIKE: a sign-in failure's key names him
                    found.append(f"{table}.{column}: {hits} row(s)")
    return found


def test_deleting_a_student_leaves_no_byte_of_their_pictures_in_the_database_files(tmp_path: Path) -> None:
    school = make_class(tmp_path)
    crop = ben_crop(tmp_path)
    delete_student(Store(tmp_path), "7B", "Ben")
    # a deleted row's bytes stay in SQLite's free pages and the WAL unless zeroed (5 of 5 crops were readable before)
    assert leftovers(tmp_path, school.ben, crop) == []
    assert (tmp_path / f"{DB_NAME}-wal").stat().st_size == 0


def test_a_training_the_delete_overtakes_saves_nothing_even_into_a_new_project_of_the_same_name(
    tmp_path: Path,
) -> None:
    """The delete comes after the training read the samples: the teacher adds Ben again at once and the new Ben
    makes a project of the old one's name; the old training must not save its model there, nor anywhere."""
    school = trainable_ben(tmp_path)
    crop, teacher = ben_crop(tmp_path), Store(tmp_path)
    new_ben: list[Viewer] = []

    def progress(done: int, total: int, detail: object = None) -> None:  # the worker's first epoch
        if not new_ben:
            delete_student(teacher, "7B", "Ben")
            add_student(teacher, "7B", "Ben", "new-ben-pass")
            new_ben.append(sign_in(teacher, school.code, "Ben", "new-ben-pass", "127.0.0.1"))
            school.store(new_ben[0]).create_project(BEN_PROJECT)

    config = TrainConfig(epochs=30, patience=30)
    with pytest.raises(ProjectReplacedError, match=f"the project '{BEN_PROJECT}' was replaced while training; "
                                                   "the model was not saved"):  # fmt: skip
        tasks.train(JobContext(progress), tmp_path, BEN_PROJECT, config, viewer=school.ben)
    assert new_ben and new_ben[0].account_id != school.ben.account_id
    folder = tmp_path / "projects" / BEN_PROJECT
    assert not folder.exists(), sorted(folder.rglob("*"))  # the new Ben's project has no model, not even a folder
    assert sum(Store(tmp_path).class_counts(BEN_PROJECT).values()) == 0  # and none of the old one's samples
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and crop in p.read_bytes()]


@pytest.mark.slow  # worker processes and a training
def test_deleting_a_student_cancels_their_queued_and_running_jobs_and_no_other(tmp_path: Path) -> None:
    school = trainable_ben(tmp_path)
    crop, ben = ben_crop(tmp_path), account_owner(school.ben.account_id)
    runner = LocalRunner(workers=1)
    try:
        kwargs = {"data_dir": str(tmp_path), "project": BEN_PROJECT, "viewer": school.ben,
                  "config": TrainConfig(epochs=100_000, patience=100_000)}  # runs until stopped  # fmt: skip
        running = runner.submit(JobRequest(TRAIN, ben, tasks.train, kwargs, key=BEN_PROJECT))
        _until(runner, running, lambda s: s.state is JobState.RUNNING and s.done >= 1)
        queued = runner.submit(JobRequest(TRAIN, ben, tasks.train, kwargs, key="again"))  # his second tab's (one waits)
        anas = runner.submit(JobRequest(TRAIN, account_owner(school.ana.account_id), jobfns.steps, {"n": 3}))
        receipt = delete_student(Store(tmp_path), "7B", "Ben", runner=runner)
        assert receipt.jobs == 2
        assert receipt.lines()[-1] == "Stopped 2 training(s) or import(s) of theirs that were waiting or running"
        assert runner.status(queued).state is JobState.CANCELLED  # at once: it never starts
        stopped = _until(runner, running, lambda s: s.ended, timeout=30)
        assert stopped.state is JobState.CANCELLED and stopped.result.result.cancelled  # stopped between epochs
        assert _until(runner, anas, lambda s: s.ended).state is JobState.DONE  # Ana's job was not Ben's
    finally:
        runner.close()
    assert leftovers(tmp_path, school.ben, crop) == []


def _until(runner: LocalRunner, job: str, check, timeout: float = 120.0):  # noqa: ANN001, ANN202
    end = time.monotonic() + timeout
    while not check(status := runner.status(job)):
        assert time.monotonic() < end, status
        time.sleep(0.05)
    return status


ISSUED = 1000.0  # the server's monotonic clock when a ticket was issued


def _ticket(school: ClassSetup) -> tuple[TakeLedger, TakeTicket]:
    """Ben's take, issued as Record issues it (``ui.browser.takes.TakeSlot.issue``: his project's identity bound)."""
    identity = school.store(school.ben).project_identity(BEN_PROJECT)
    ledger = TakeLedger()
    ticket = TakeTicket("take-0001", BEN_PROJECT, "ok", rate=5.0, duration=3.0, project_identity=identity)
    return ledger, ledger.issue(ticket, ISSUED)


def test_a_take_arriving_after_its_student_was_deleted_is_refused_in_one_line(tmp_path: Path) -> None:
    school = make_class(tmp_path)
    crop = ben_crop(tmp_path)
    ledger, ticket = _ticket(school)
    delete_student(Store(tmp_path), "7B", "Ben")
    value = tab_take(ticket, [[tab_hand()], [tab_hand()], []])
    with pytest.raises(StoreError) as refused:
        store_take(school.store(school.ben), value, ledger, now=ISSUED + ticket.length + 0.4)
    assert str(refused.value) == f"the project '{BEN_PROJECT}' was deleted while recording; the take was not saved"
    assert leftovers(tmp_path, school.ben, crop) == []


def test_a_take_of_a_deleted_student_never_lands_in_a_new_project_of_the_same_name(tmp_path: Path) -> None:
    """The teacher adds Ben again and the new Ben, in the same tab (its take ledger kept), makes a project of the
    old one's name before the old take arrives: it is refused, not stored in the new Ben's project."""
    school = make_class(tmp_path)
    ledger, ticket = _ticket(school)
    teacher = Store(tmp_path)
    delete_student(teacher, "7B", "Ben")
    add_student(teacher, "7B", "Ben", "new-ben-pass")
    new_ben = school.store(sign_in(teacher, school.code, "Ben", "new-ben-pass", "127.0.0.1"))
    new_ben.create_project(BEN_PROJECT)
    with pytest.raises(ProjectReplacedError, match="was replaced while recording; the take was not saved"):
        store_take(new_ben, tab_take(ticket, [[tab_hand()]]), ledger, now=ISSUED + ticket.length + 0.4)
    assert sum(new_ben.class_counts(BEN_PROJECT).values()) == 0


def test_a_deleted_students_cookie_says_so_and_signs_in_nobody(tmp_path: Path) -> None:
    """A reload after the delete is a new session with only the cookie: the sign-in form can still say why."""
    school = make_class(tmp_path)
    store = Store(tmp_path)
    bens, anas = session_token(store, school.ben), session_token(store, school.ana)
    assert deleted_account_class(store, bens) is None
    delete_student(store, "7B", "Ben")
    assert viewer_from_token(store, bens) is None and deleted_account_class(store, bens) == school.ben.class_id
    assert deleted_account_class(store, bens, max_age_s=-1) is None  # expired: signed out, nothing said
    assert deleted_account_class(store, bens[:-2] + ("A" if bens[-2] != "A" else "B") + bens[-1]) is None  # forged
    assert deleted_account_class(store, anas) is None and viewer_from_token(store, anas) == school.ana


def test_a_page_running_for_a_student_deleted_since_makes_no_project_for_them(tmp_path: Path) -> None:
    """A page that passed the sign-in check just before the delete makes the student's first project: said in
    one line (a ``StoreError`` the app shows), not SQLite's "FOREIGN KEY constraint failed"."""
    school = make_class(tmp_path)
    crop = ben_crop(tmp_path)
    delete_student(Store(tmp_path), "7B", "Ben")
    with pytest.raises(NotFoundError, match=r"^your account is no longer in this class \(your teacher deleted it\)"):
        school.store(school.ben).create_project("Ben's gestures")
    assert leftovers(tmp_path, school.ben, crop) == []


def test_emptying_the_wal_waits_a_moment_not_a_sign_in_for_a_busy_reader(tmp_path: Path) -> None:
    """An erasing write (a sign-in's expired crops) while another session reads a long list: its WAL emptying gives
    up after ``TRUNCATE_WAIT_S`` (the next erasing write empties it), never the 30 s a write may wait."""
    make_class(tmp_path)
    store = Store(tmp_path)
    with closing(sqlite3.connect(tmp_path / DB_NAME, isolation_level=None)) as reader:
        reader.execute("BEGIN")
        reader.execute("SELECT COUNT(*) FROM samples").fetchone()  # a read transaction on this snapshot
        with store.write_transaction() as conn:  # a newer snapshot: the reader holds the older one's frames
            conn.execute("UPDATE projects SET shared = 1 WHERE name = 'ana-signs'")
        started = time.perf_counter()
        assert store.truncate_wal() is False
        assert time.perf_counter() - started < TRUNCATE_WAIT_S + 1.0
        reader.execute("COMMIT")
    wal = tmp_path / f"{DB_NAME}-wal"
    assert store.truncate_wal() is True and (not wal.exists() or wal.stat().st_size == 0)

"""A student's training waits in the server's job runner when the teacher deletes them from the Class page
(issue 54, "Bad input"): the receipt says their training was stopped, the job is cancelled, the student's page
signs them out with one line and keeps nothing of theirs, and nothing of theirs is left under the data folder.

Two AppTest sessions (the teacher's and Ben's) on one real store, the real runner with one worker process kept
busy by another student's job, so Ben's training is queued when he is deleted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import jobfns
import pytest
from streamlit.testing.v1 import AppTest
from test_app_classroom import _class_page, _run, _signed_in, _texts
from test_classes_deleted_midway import ben_crop, leftovers, trainable_ben

from core.classes.removal import end_class
from core.classes.roster import create_class
from core.data.store import Store
from core.jobs.job import TRAIN, JobRequest, JobState
from core.jobs.local import LocalRunner
from tests.classmaker import ANA_PASSWORD, BEN_PASSWORD, TEACHER_PASSWORD, make_class
from ui.common import signin
from ui.common.signin import DELETED_LINE, ENDED_LINE, TEACHER_ENDED_LINE
from ui.jobs import pool

pytestmark = pytest.mark.slow  # Streamlit's AppTest and a worker process


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalRunner]:
    """The server's runner with one worker, busy for 30 s with another student's job."""
    made = LocalRunner(workers=1)
    monkeypatch.setattr(pool, "runner", lambda: made)
    made.submit(JobRequest(TRAIN, "session:another-student", jobfns.steps, {"n": 300}))
    yield made
    made.close()


def _training(at: AppTest) -> str:
    """Ben presses Train on his project; the id of the job the page follows."""
    _run(at.switch_page("pages/train.py"))
    at.toggle(key="train_starter").set_value(False)
    at.button(key="train_start").click()
    _run(at)
    return at.session_state["train_run"]._job


def test_a_student_deleted_while_their_training_waits_is_stopped_and_told_in_one_line(
    data_dir: Path, runner: LocalRunner
) -> None:
    school = trainable_ben(data_dir)
    crop = ben_crop(data_dir)
    ben = _signed_in("Ben", BEN_PASSWORD, school)
    job = _training(ben)
    assert runner.status(job).state is JobState.QUEUED
    teacher = _class_page(_signed_in("Ms Teacher", TEACHER_PASSWORD, school))
    teacher.selectbox(key="classroom_delete_name_0").select("Ben")
    teacher.checkbox(key="classroom_delete_sure_0").check()
    teacher.text_input(key="classroom_delete_typed_0").input("Ben")
    [b for b in teacher.button if b.label == "Delete student"][0].click()
    receipt = [s.value for s in _run(teacher).success][0]
    assert "Stopped 1 training(s) or import(s) of theirs that were waiting or running" in receipt, receipt
    assert runner.status(job).state is JobState.CANCELLED
    _run(ben)  # Ben's next click: the page runs again, through app.py's gate
    assert [w.value for w in ben.warning] == [DELETED_LINE]
    assert "Signed in: Ben" not in _texts(ben) and any(b.label == "Sign in" for b in ben.button)
    assert "train_run" not in ben.session_state and signin.VIEWER_KEY not in ben.session_state
    assert leftovers(data_dir, school.ben, crop) == []


def test_a_student_whose_class_ended_is_told_so_while_another_class_goes_on(data_dir: Path) -> None:
    school = make_class(data_dir)
    create_class(Store(data_dir), "7C", "Mr Other", "other-teacher-pass")  # the server still serves a class
    ana = _signed_in("Ana", ANA_PASSWORD, school)
    end_class(Store(data_dir), "7B")
    _run(ana)
    assert [w.value for w in ana.warning] == [ENDED_LINE]
    assert any(b.label == "Sign in" for b in ana.button)


def test_the_teacher_who_ended_the_class_reads_their_own_line_not_the_students(data_dir: Path) -> None:
    """Issue 70: after *End the class* the teacher's next page said "what you were recording or training was
    stopped", the students' words."""
    school = make_class(data_dir)
    teacher = _signed_in("Ms Teacher", TEACHER_PASSWORD, school)
    end_class(Store(data_dir), "7B")
    _run(teacher)
    assert [w.value for w in teacher.warning] == [TEACHER_ENDED_LINE]
    assert any(b.label == "Sign in" for b in teacher.button)


def test_the_pool_asks_the_store_of_todays_data_folder_which_accounts_are_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One process that served a folder without Ana (a test before, another data folder) must not stop her jobs
    when it serves the folder she is in: the store it reads is the one of ``HANDTEACH_DATA`` now."""
    from core.jobs.job import account_owner

    empty = tmp_path / "empty"
    Store(empty)
    monkeypatch.setenv("HANDTEACH_DATA", str(empty))
    school = make_class(tmp_path / "school")
    ana = account_owner(school.ana.account_id)
    assert pool.accounts_gone({ana}) == {ana}  # the folder without her says so
    monkeypatch.setenv("HANDTEACH_DATA", str(tmp_path / "school"))
    assert pool.accounts_gone({ana}) == set()

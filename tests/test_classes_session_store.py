"""core/classes/session_store.py: a signed-in page's store refuses every write once its sign-in ended (*Sign out*
in another tab, a new password, a school sign-out), in one plain line, nothing written; other sessions of the same
student keep writing. Real sessions (core.classes.session) on a real class store, SQLite and PostgreSQL."""

from __future__ import annotations

import numpy as np
import pytest
from pgcluster import both_databases

from core.classes.roster import reset_password
from core.classes.session import (
    SESSION_ENDED,
    SessionEndedError,
    SessionRef,
    end_school_session,
    end_session,
    session_token,
    token_session,
)
from core.classes.session_store import SessionStore
from core.data.sql.schema import Sample, StoreError
from core.data.store import Store
from tests.classmaker import make_class
from tests.storemaker import make_hand


def _sample() -> Sample:
    return Sample(make_hand(np.random.default_rng(0)), "ok", "webcam")


def _write_everything(store: Store) -> None:
    """The writes a page makes: a take's samples, a gesture added, a delete."""
    store.add_samples("ben-signs", [_sample()])
    store.add_class("ben-signs", "wave")
    store.delete_samples([store.list_samples("ben-signs")[0].id])


def _samples(store: Store) -> int:
    return len(Store(store.data_dir).list_samples("ben-signs"))


@pytest.mark.slow
@both_databases
def test_a_write_after_sign_out_elsewhere_or_a_new_password_is_refused_in_one_line(store_database, tmp_path) -> None:
    school = make_class(tmp_path)
    plain = Store(tmp_path)
    tab = SessionStore(tmp_path, school.ben, token_session(plain, session_token(plain, school.ben)))
    other_token = session_token(plain, school.ben)
    other = SessionStore(tmp_path, school.ben, token_session(plain, other_token))
    _write_everything(tab)  # while the sign-in holds, every write goes through
    before = _samples(tab)
    assert end_session(plain, other_token)  # *Sign out* in his other tab: that tab's store is done
    with pytest.raises(SessionEndedError) as refused:
        other.add_samples("ben-signs", [_sample()] * 15)
    assert str(refused.value) == SESSION_ENDED and "\n" not in SESSION_ENDED
    assert isinstance(refused.value, StoreError)  # every page already says a StoreError in one line
    with pytest.raises(SessionEndedError):
        other.require_session()  # what a job's sending asks first
    tab.add_samples("ben-signs", [_sample()])  # his own other session is not ended
    reset_password(plain, "7B", "Ben", "a-new-pass-7")  # the teacher's New password ends it too
    for write in (lambda s: s.add_samples("ben-signs", [_sample()]),
                  lambda s: s.add_class("ben-signs", "clap"), lambda s: s.delete_samples([1, 2, 3]),
                  lambda s: s.create_project("ben-more")):  # fmt: skip
        with pytest.raises(SessionEndedError):
            write(tab)
    assert _samples(tab) == before + 1
    assert "clap" not in {g.name for g in plain.list_classes("ben-signs")}
    assert "ben-more" not in plain.list_projects()


def test_a_school_sign_in_holds_until_signed_out_or_given_another_address(tmp_path) -> None:
    school = make_class(tmp_path)
    plain = Store(tmp_path)
    with plain.write_transaction() as conn:
        conn.execute("UPDATE accounts SET email = ? WHERE id = ?", ("ben@school.example", school.ben.account_id))
    signed_in = ("ben@school.example", 1_700_000_000.0)
    tab = SessionStore(tmp_path, school.ben, SessionRef(school.ben.account_id, school=signed_in))
    tab.add_class("ben-signs", "wave")
    end_school_session(plain, school.ben.account_id, *signed_in)
    with pytest.raises(SessionEndedError):
        tab.add_class("ben-signs", "clap")
    moved = SessionStore(tmp_path, school.ben, SessionRef(school.ben.account_id, school=("ana@school.example", 1.0)))
    with pytest.raises(SessionEndedError):  # the address no longer signs in as Ben
        moved.add_class("ben-signs", "clap")


def test_a_forged_token_names_no_session(tmp_path) -> None:
    school = make_class(tmp_path)
    plain = Store(tmp_path)
    token = session_token(plain, school.ben)
    assert token_session(plain, token[:-2] + ("AA" if not token.endswith("AA") else "BB")) is None
    assert token_session(plain, None) is None


def test_a_training_whose_sign_in_ended_saves_nothing_and_one_sent_from_a_page_carries_it(tmp_path) -> None:
    """A worker's training writes with the sign-in the page sent (``job_store``): ended by *Sign out* while it
    trained, the model it made is not saved; the command line's jobs (no sign-in sent) write as before."""
    from core.classes.session_store import job_store, sign_in_of
    from core.data.project import load_project_model
    from core.gestures.training import TrainConfig
    from core.jobs import tasks
    from core.jobs.job import JobContext

    school = make_class(tmp_path)
    plain = Store(tmp_path)
    token = session_token(plain, school.ana)
    page = SessionStore(tmp_path, school.ana, token_session(plain, token))
    sent = sign_in_of(page)
    assert sent == {"viewer": school.ana, "session": page.session}
    assert isinstance(job_store(tmp_path, **sent), SessionStore)
    page.add_samples("ana-signs", [Sample(make_hand(np.random.default_rng(i)), "fist", "webcam") for i in range(20)])
    assert load_project_model(plain, "ana-signs") is None
    assert end_session(plain, token)  # *Sign out* in another tab while the training waited or ran
    with pytest.raises(SessionEndedError):
        tasks.train(JobContext(), str(tmp_path), "ana-signs", TrainConfig(epochs=2), **sent)
    assert load_project_model(plain, "ana-signs") is None
    tasks.train(JobContext(), str(tmp_path), "ana-signs", TrainConfig(epochs=2), viewer=school.ana)
    assert load_project_model(plain, "ana-signs") is not None  # no sign-in sent: the command line's way

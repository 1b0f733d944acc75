"""Signed, expiring session tokens (core.classes.session, itsdangerous) naming a session row: forged, expired,
another server's, a deleted account's, one from before a password reset, one whose session was signed out and one
from before session rows all mean signed out."""

from __future__ import annotations

import shutil
import stat
import time

import pytest
from pgcluster import both_databases

from core.classes import session
from core.classes.batch import new_passwords
from core.classes.removal import delete_student
from core.classes.roster import reset_password
from core.classes.session import (
    SECRET_FILE,
    SESSION_MAX_AGE_S,
    TOUCH_EVERY_S,
    end_school_session,
    end_session,
    school_session_ended,
    session_token,
    viewer_from_token,
)
from core.data.store import Store
from tests.classmaker import make_class


def test_a_token_names_its_viewer_until_it_expires(tmp_path) -> None:
    school = make_class(tmp_path)
    store = Store(tmp_path)
    token = session_token(store, school.ana)
    assert viewer_from_token(store, token) == school.ana
    assert viewer_from_token(Store(tmp_path), token) == school.ana  # a restarted server keeps its secret
    assert viewer_from_token(store, token, max_age_s=-1) is None  # expired
    secret = tmp_path / SECRET_FILE
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600 and len(bytes.fromhex(secret.read_text())) == 32


def test_forged_altered_or_foreign_tokens_sign_out(tmp_path) -> None:
    school = make_class(tmp_path)
    store = Store(tmp_path)
    token = session_token(store, school.ana)
    payload, stamp, signature = token.rsplit(".", 2)
    forged = session_token(store, school.ben).rsplit(".", 2)[0] + f".{stamp}.{signature}"  # Ben's body, Ana's seal
    for bad in (forged, token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "", "x" * 5000, None, 7, "a.b.c"):
        assert viewer_from_token(store, bad) is None, bad
    other = tmp_path / "other-server"
    shutil.copytree(tmp_path, other, ignore=shutil.ignore_patterns("other-server", SECRET_FILE))
    assert viewer_from_token(Store(other), token) is None  # the same rows, another secret


def test_servers_sharing_a_postgresql_store_share_the_secret(pg_url, tmp_path) -> None:
    """Two app servers of one school (each its own data folder, one database): a token one made signs in on the
    other, no secret file is written, and a forged token still signs in nowhere."""
    school = make_class(tmp_path / "a")
    first, second = Store(tmp_path / "a"), Store(tmp_path / "b")
    token = session_token(first, school.ana)
    assert viewer_from_token(second, token) == school.ana
    assert not (tmp_path / "a" / SECRET_FILE).exists() and not (tmp_path / "b" / SECRET_FILE).exists()
    payload, stamp, signature = token.rsplit(".", 2)
    assert viewer_from_token(second, f"{payload}.{stamp}.{signature[:-2]}AA") is None
    end_session(second, token)
    assert viewer_from_token(first, token) is None  # signed out through one server: out on every server


def test_servers_starting_at_once_agree_on_one_secret(pg_url, tmp_path) -> None:
    """Twelve app servers asking for the shared secret at the same moment on a store that has none: one row is made
    and every server signs with it (``INSERT ... ON CONFLICT DO NOTHING``, then the row read back)."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    school = make_class(tmp_path / "a")
    stores = [Store(tmp_path / f"server{i}") for i in range(12)]
    with stores[0].write_transaction() as conn:
        conn.execute("DELETE FROM server_settings WHERE key = ?", (session.SECRET_SETTING,))
    start = Barrier(len(stores))

    def secret(store: Store) -> bytes:
        start.wait()
        return session.server_secret(store)

    with ThreadPoolExecutor(len(stores)) as pool:
        secrets = set(pool.map(secret, stores))
    assert len(secrets) == 1 and len(secrets.pop()) == 32
    token = session_token(stores[3], school.ana)
    assert all(viewer_from_token(store, token) == school.ana for store in stores)


@pytest.mark.slow
@both_databases
def test_a_deleted_student_or_a_reset_password_signs_out(store_database, tmp_path) -> None:
    school = make_class(tmp_path)
    store = Store(tmp_path)
    ana, ben = session_token(store, school.ana), session_token(store, school.ben)
    reset_password(store, "7B", "Ana", "new-pass-42")
    assert viewer_from_token(store, ana) is None
    assert viewer_from_token(store, session_token(store, school.ana)) == school.ana
    delete_student(store, "7B", "Ben")
    assert viewer_from_token(store, ben) is None


def _sessions(store: Store) -> dict[int, int]:
    """Account id -> how many session rows it has."""
    with store.read_connection() as conn:
        return dict(conn.execute("SELECT account_id, COUNT(*) FROM sessions GROUP BY account_id").fetchall())


@pytest.mark.slow
@both_databases
def test_signing_out_ends_that_session_at_once_and_only_that_one(store_database, tmp_path) -> None:
    """Issue 63: a token copied before *Sign out* signed in afterwards for its 8 hours; now its row is gone."""
    school = make_class(tmp_path)
    store = Store(tmp_path)
    laptop, tablet = session_token(store, school.ana), session_token(store, school.ana)  # two devices
    assert laptop != tablet and viewer_from_token(store, laptop) == viewer_from_token(store, tablet) == school.ana
    assert end_session(store, laptop) is True
    assert viewer_from_token(store, laptop) is None and viewer_from_token(Store(tmp_path), laptop) is None
    assert viewer_from_token(store, tablet) == school.ana  # her other device stays signed in
    assert end_session(store, laptop) is False  # ended already
    for bad in ("", None, laptop[:-2] + ("AA" if not laptop.endswith("AA") else "BB")):
        assert end_session(store, bad) is False
    assert viewer_from_token(store, tablet) == school.ana  # a forged token ends nothing


@pytest.mark.slow
@both_databases
def test_a_new_password_or_a_deletion_ends_every_session_of_the_account(store_database, tmp_path) -> None:
    school = make_class(tmp_path)
    store = Store(tmp_path)
    teacher, ana, ben = school.teacher.account_id, school.ana.account_id, school.ben.account_id
    tokens = {who: [session_token(store, v), session_token(store, v)] for who, v in
              ((teacher, school.teacher), (ana, school.ana), (ben, school.ben))}  # fmt: skip
    assert _sessions(store) == {teacher: 2, ana: 2, ben: 2}
    reset_password(store, "7B", "Ana", "new-pass-42")
    new_passwords(store, "7B", ["Ben"])
    assert _sessions(store) == {teacher: 2}  # the rows went with the old passwords, in the same transaction
    assert all(viewer_from_token(store, t) is None for t in tokens[ana] + tokens[ben])
    again = session_token(store, school.ana)
    delete_student(store, "7B", "Ana")
    assert viewer_from_token(store, again) is None and _sessions(store) == {teacher: 2}  # cascaded
    assert all(viewer_from_token(store, t) == school.teacher for t in tokens[teacher])


def test_a_token_from_before_session_rows_signs_nobody_in(tmp_path) -> None:
    """A token signed as before issue 63 (account, class, password fingerprint; no session id) holds nothing."""
    school = make_class(tmp_path)
    store = Store(tmp_path)
    with store.read_connection() as conn:
        password = conn.execute("SELECT password FROM accounts WHERE id = ?", (school.ana.account_id,)).fetchone()[0]
    old = session._serializer(store).dumps(
        {"account": school.ana.account_id, "class": school.ana.class_id, "pw": session.fingerprint(password)}
    )
    assert viewer_from_token(store, old) is None and end_session(store, old) is False
    named = session._serializer(store).dumps({"session": "x" * 32, "account": school.ana.account_id,
                                              "class": school.ana.class_id, "pw": session.fingerprint(password)})  # fmt: skip
    assert viewer_from_token(store, named) is None  # a session id no sign-in made


@both_databases
def test_last_seen_is_written_at_most_once_a_minute_and_old_rows_go(store_database, tmp_path) -> None:
    school = make_class(tmp_path)
    store = Store(tmp_path)
    start = time.time()
    token = session_token(store, school.ana, now=start)

    def last_seen() -> float:
        with Store(tmp_path).read_connection() as conn:
            return conn.execute("SELECT last_seen FROM sessions").fetchone()[0]

    assert viewer_from_token(store, token, now=start + TOUCH_EVERY_S - 1) == school.ana
    assert last_seen() == start  # not written: under a minute
    assert viewer_from_token(store, token, now=start + TOUCH_EVERY_S + 1) == school.ana
    assert last_seen() == start + TOUCH_EVERY_S + 1
    assert viewer_from_token(Store(tmp_path, read_only=True), token, now=start + 999) == school.ana  # reads only
    assert last_seen() == start + TOUCH_EVERY_S + 1
    assert viewer_from_token(store, token, max_age_s=-1) is None  # a cookie past its age signs in no new tab
    assert viewer_from_token(store, token, max_age_s=None, now=start + SESSION_MAX_AGE_S + 2) == school.ana  # a tab
    ben = session_token(store, school.ben, now=start + SESSION_MAX_AGE_S + 3)
    assert _sessions(store) == {school.ana.account_id: 1, school.ben.account_id: 1}  # Ana's tab was seen just now
    session_token(store, school.ben, now=start + 2 * SESSION_MAX_AGE_S + 2.5)  # clears rows unseen for 8 hours
    assert _sessions(store) == {school.ben.account_id: 2} and viewer_from_token(store, ben, max_age_s=None) is not None


@both_databases
def test_a_signed_out_school_sign_in_stays_ended_until_it_is_too_old_anyway(store_database, tmp_path) -> None:
    school = make_class(tmp_path)
    store = Store(tmp_path)
    start = time.time()
    assert not school_session_ended(store, "ana@school.example", start - 60)
    end_school_session(store, school.ana.account_id, "ana@school.example", start - 60, now=start)
    end_school_session(store, school.ana.account_id, "ana@school.example", start - 60, now=start)  # twice: one row
    assert school_session_ended(store, "ana@school.example", start - 60)
    assert not school_session_ended(store, "ana@school.example", start - 5)  # her next sign-in with the school
    assert not school_session_ended(store, "ben@school.example", start - 60)
    assert _sessions(store) == {school.ana.account_id: 1}
    session_token(store, school.ben, now=start + SESSION_MAX_AGE_S + 1)  # 8 hours on: that sign-in is too old
    assert not school_session_ended(store, "ana@school.example", start - 60)


def test_a_school_sign_in_dated_ahead_stays_ended_as_long_as_it_is_not_too_old(tmp_path) -> None:
    """The provider's clock five minutes ahead (``identity.too_old`` allows it): the sign-in counts for 8 hours from
    its own date, so its ended row must last as long (it went 5 minutes early: a copied cookie signed in again)."""
    from core.classes.identity import Identity, too_old

    school = make_class(tmp_path)
    store = Store(tmp_path)
    start = time.time()
    ahead = Identity("ana@school.example", "Ana", start + 290)
    end_school_session(store, school.ana.account_id, ahead.email, ahead.signed_in_at, now=start)
    later = start + SESSION_MAX_AGE_S + 100
    session_token(store, school.ben, now=later)  # clears rows unseen for 8 hours
    assert not too_old(ahead, now=later) and school_session_ended(store, ahead.email, ahead.signed_in_at)
    session_token(store, school.ben, now=start + 290 + SESSION_MAX_AGE_S + 1)  # too old by now: the row may go
    assert not school_session_ended(store, ahead.email, ahead.signed_in_at)

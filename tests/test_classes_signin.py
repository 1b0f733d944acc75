"""Signing in (core.classes.signin): one line for any wrong part; each try written down before its check, in one
write transaction, so parallel tries see each other; a name's tries slowed (never locked), its owner's own
browser not slowed by others' guesses, the teacher's unlock; an address slowed only past a class's worth. The
marked tests run on SQLite and on PostgreSQL (tests/pgcluster.py), whose write transactions take an advisory lock."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable

import pytest
from pgcluster import both_databases

from core.classes.batch import add_students
from core.classes.devices import known_device
from core.classes.passwords import stand_in_hash
from core.classes.roster import add_student, create_class, reset_password
from core.classes.session import session_token, viewer_from_token
from core.classes.signin import (
    LIMITS,
    PENDING,
    STALE_PENDING_S,
    WRONG,
    SignInError,
    SignInLimits,
    name_key,
    sign_in,
    sign_in_session,
    unlock,
    viewer_of,
    wait_s,
)
from core.data.sql.schema import NotFoundError
from core.data.store import Store

SLOW = SignInLimits(per_name=3, name_first_wait_s=2, name_max_wait_s=8, per_address=100)


@pytest.fixture
def school(store_database: str, tmp_path) -> tuple[Store, str]:
    """A class of Ms Ng and Zoë, on SQLite (and on PostgreSQL too for the tests marked ``both_databases``)."""
    store = Store(tmp_path)
    code = create_class(store, "7B", "Ms Ng", "teacher-pass").code
    add_student(store, "7B", "Zoë", "zoe-pass")
    return store, code


@pytest.fixture
def checks(monkeypatch) -> list[bytes]:
    """The salts of the scrypt checks made from now on (one per password checked), from any thread."""
    derived, real = [], hashlib.scrypt
    stand_in_hash()  # made once per process: not part of a sign-in's cost
    monkeypatch.setattr(hashlib, "scrypt", lambda *a, **k: derived.append(k["salt"]) or real(*a, **k))
    return derived


def _refused(call: Callable[[], object]) -> str:
    with pytest.raises(SignInError) as caught:
        call()
    return str(caught.value)


@both_databases
def test_signs_in_with_code_name_and_password(school) -> None:
    store, code = school
    viewer = sign_in(store, code.lower(), "zoë", "zoe-pass", "10.0.0.1")  # code and name regardless of case
    assert (viewer.role, viewer.name) == ("student", "Zoë")
    assert viewer_of(store, viewer.account_id) == viewer
    assert sign_in(store, code, "Ms Ng", "teacher-pass", "10.0.0.1").role == "teacher"


@pytest.mark.parametrize("which", ["code", "name", "password"])
def test_a_wrong_part_gets_the_same_line(school, which: str) -> None:
    store, code = school
    parts = {"code": "ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY", "name": "Zoe2", "password": "zoe-pasS"}
    args = {"code": code, "name": "Zoë", "password": "zoe-pass"} | {which: parts[which]}
    assert _refused(lambda: sign_in(store, args["code"], args["name"], args["password"], "10.0.0.1")) == WRONG


@both_databases
def test_an_unknown_code_or_name_runs_scrypt_as_a_wrong_password_does(school, checks) -> None:
    store, code = school
    for i, (code_, name) in enumerate([(code, "Zoë"), (code, "Nobody"), ("QQQQQQ", "Zoë")]):
        assert _refused(lambda: sign_in(store, code_, name, "wrong-pass", f"10.0.0.{i}")) == WRONG  # noqa: B023
    assert len(checks) == 3  # one key derivation each, not an early return for an unknown name or code


@pytest.mark.slow
@both_databases
def test_parallel_wrong_passwords_get_per_name_checks_and_the_right_one_then_waits(school, checks) -> None:
    """Issue 63: 40 wrong passwords fired at once had 26 of 39 checked against a limit of 5 (read, scrypt, write).
    Now each try is counted in the transaction that lets it through: 5 checks, 35 told to wait, and the right
    password arriving among them waits too, until the slow-down's first 2 s have passed."""
    store, code = school
    now, tries = 1_000_000.0, 40
    start, said = threading.Barrier(tries + 1), []

    def attempt(password: str, after_s: float = 0.0) -> None:
        start.wait()
        threading.Event().wait(after_s)  # the owner's try a moment after the burst: luck is not what is tested
        try:
            said.append(sign_in(store, code, "Zoë", password, "10.0.0.1", now=now).name)
        except SignInError as exc:
            said.append(str(exc))

    threads = [threading.Thread(target=attempt, args=(f"guess-{i:03}",)) for i in range(tries)]
    threads.append(threading.Thread(target=attempt, args=("zoe-pass", 0.3)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(checks) == LIMITS.per_name  # 41 before: every try passed the read before any failure was written
    assert sorted(set(said)) == ["Too many sign-in attempts: try again in 2 seconds", WRONG]
    assert said.count(WRONG) == LIMITS.per_name
    assert sign_in(store, code, "Zoë", "zoe-pass", "10.0.0.1", now=now + 2).name == "Zoë"


@pytest.mark.slow
@both_databases
def test_a_name_is_slowed_more_and_more_never_locked(school) -> None:
    store, code = school

    def at(t: float, password: str = "guess") -> str:
        try:
            return sign_in(store, code, "Zoë", password, f"10.0.0.{int(t) % 200}", SLOW, 1000.0 + t).name
        except SignInError as exc:
            return str(exc)

    assert [at(0), at(0), at(0)] == [WRONG] * 3  # the owner's typos: no wait
    assert at(0, "zoe-pass") == "Too many sign-in attempts: try again in 2 seconds"  # even the right password
    assert at(1.5) == "Too many sign-in attempts: try again in 1 second"
    assert at(2) == WRONG  # from any address: the name's count
    assert (at(5), at(6), at(13), at(14)) == ("Too many sign-in attempts: try again in 1 second", WRONG,
                                              "Too many sign-in attempts: try again in 1 second", WRONG)  # fmt: skip
    assert at(21) == "Too many sign-in attempts: try again in 1 second"  # 8 s at most between two tries
    assert at(22, "zoe-pass") == "Zoë"  # in, and the name's failures forgotten
    assert [at(22), at(22), at(22)] == [WRONG] * 3
    assert sign_in(store, code, "Ms Ng", "teacher-pass", "10.0.0.9", SLOW, 1022.0).role == "teacher"  # her own count


def test_the_default_slow_down_gives_a_guesser_about_300_tries_a_day() -> None:
    t, tries, times = 0.0, 0, []
    while t < 24 * 3600:
        t += wait_s(times, LIMITS.per_name, LIMITS.name_first_wait_s, LIMITS.name_max_wait_s, t)
        times, tries = [*times, t], tries + 1
    assert 295 <= tries <= 305 and LIMITS.name_max_wait_s == 300  # 13 in the first 8.5 minutes, then 12 an hour


@pytest.mark.slow
@both_databases
def test_the_owners_own_browser_is_not_slowed_by_a_classmates_guesses(school) -> None:
    store, code = school
    browser = sign_in_session(store, code, "Zoë", "zoe-pass", "10.0.0.1", SLOW, 1000.0).device
    for _ in range(3):  # a classmate, on another browser
        assert _refused(lambda: sign_in(store, code, "Zoë", "guess", "10.0.0.2", SLOW, 1001.0)) == WRONG
    assert "try again" in _refused(lambda: sign_in(store, code, "Zoë", "zoe-pass", "10.0.0.2", SLOW, 1001.0))
    assert sign_in(store, code, "Zoë", "zoe-pass", "10.0.0.2", SLOW, 1001.0, device=browser).name == "Zoë"
    # guesses made on her browser (a shared tablet) are slowed the same way, and slow her other browsers not
    for _ in range(3):
        assert _refused(lambda: sign_in(store, code, "Zoë", "guess", "10.0.0.1", SLOW, 1002.0, device=browser)) == WRONG
    assert "try again" in _refused(lambda: sign_in(store, code, "Zoë", "zoe-pass", "10.0.0.1", SLOW, 1002.0,
                                                   device=browser))  # fmt: skip
    # a browser known for Zoë is nobody else's: the teacher's name is counted as ever; a forged token is no device
    for _ in range(3):
        _refused(lambda: sign_in(store, code, "Ms Ng", "guess", "10.0.0.2", SLOW, 1003.0))
    assert "try again" in _refused(lambda: sign_in(store, code, "Ms Ng", "teacher-pass", "10.0.0.1", SLOW, 1003.0,
                                                   device=browser))  # fmt: skip
    assert known_device(store, browser[:-2] + "xx") is None and known_device(store, "not a token") is None
    teacher = sign_in_session(store, code, "Ms Ng", "teacher-pass", "10.0.0.1", SLOW, 2000.0, device=browser)
    zoe = known_device(store, browser).accounts
    assert known_device(store, teacher.device).accounts == (*zoe, teacher.viewer.account_id)
    assert known_device(store, teacher.device).device_id == known_device(store, browser).device_id


@both_databases
def test_the_teachers_unlock_lets_the_owner_in_at_once(school) -> None:
    store, code = school
    for _ in range(3):
        _refused(lambda: sign_in(store, code, "Zoë", "guess", "10.0.0.2", SLOW, 1000.0))
    assert "try again" in _refused(lambda: sign_in(store, code, "Zoë", "zoe-pass", "10.0.0.3", SLOW, 1000.5))
    assert unlock(store, "7B", "zoë") == 3
    assert sign_in(store, code, "Zoë", "zoe-pass", "10.0.0.3", SLOW, 1000.5).name == "Zoë"
    with pytest.raises(NotFoundError, match="class '7B' has nobody named 'Nobody'"):
        unlock(store, "7B", "Nobody")


@both_databases
def test_an_address_is_slowed_only_past_a_class_worth_of_typos(school) -> None:
    store, code = school
    assert LIMITS.per_address >= 30 * LIMITS.per_name  # 30 students behind one school address, 5 typos each
    limits, now = SignInLimits(per_name=100, per_address=4, address_wait_s=1.0), 2_000_000.0
    for i in range(4):
        assert _refused(lambda: sign_in(store, code, f"student {i}", "guess", "10.9.9.9", limits, now)) == WRONG  # noqa: B023
    said = _refused(lambda: sign_in(store, code, "Zoë", "zoe-pass", "10.9.9.9", limits, now + 0.5))
    assert said == "Too many sign-in attempts: try again in 1 second"  # slowed, not locked: a try a second
    assert sign_in(store, code, "Zoë", "zoe-pass", "10.1.1.1", limits, now + 0.5).name == "Zoë"  # another address
    assert sign_in(store, code, "Ms Ng", "teacher-pass", "10.9.9.9", limits, now + 1).role == "teacher"


@both_databases
def test_a_sign_in_racing_a_new_password_gets_no_session(school, monkeypatch) -> None:
    """A classmate who knows the old password keeps signing in while the teacher sets a new one: a check of the old
    password that ends after the new one was set lets nobody in, and a session made after it is refused (3 of 4
    threads looping on sign-ins kept a session past the reset before: the session took the new password's
    fingerprint)."""
    store, code = school
    real, reset = hashlib.scrypt, []

    def scrypt_then_reset(*args, **kwargs):  # the teacher's new password lands while the old one is checked
        derived = real(*args, **kwargs)
        if not reset:
            reset.append(1)
            reset_password(store, "7B", "Zoë", "zoe-new-pass")
        return derived

    monkeypatch.setattr(hashlib, "scrypt", scrypt_then_reset)
    assert _refused(lambda: sign_in(store, code, "Zoë", "zoe-pass", "10.0.0.1")) == WRONG
    assert reset and sign_in_session(store, code, "Zoë", "zoe-new-pass", "10.0.0.1").viewer.name == "Zoë"
    # the other window: the old password checked in full, the new one set before the session is made
    monkeypatch.setattr(hashlib, "scrypt", real)
    with store.read_connection() as conn:
        old_hash = conn.execute("SELECT password FROM accounts WHERE name = 'Zoë'").fetchone()[0]
    zoe = sign_in(store, code, "Zoë", "zoe-new-pass", "10.0.0.1")
    reset_password(store, "7B", "Zoë", "zoe-third-pass")
    with pytest.raises(LookupError, match="new password"):
        session_token(store, zoe, password_hash=old_hash)  # what sign_in_session asks: refused, said as WRONG
    assert viewer_from_token(store, session_token(store, zoe)) == zoe  # without a hash to hold to: as before


@both_databases
def test_a_browser_known_before_a_new_password_is_a_stranger_after_it(school) -> None:
    """A classmate signed in once as Zoë (a password seen over a shoulder) and kept that browser's token: after the
    teacher's new password its guesses count at Zoë's name like anyone's (before, each such browser had a schedule
    of guesses of its own, outside the name's count, and could be made again with every sign-in)."""
    store, code = school
    browser = sign_in_session(store, code, "Zoë", "zoe-pass", "10.0.0.2", SLOW, 1000.0).device
    reset_password(store, "7B", "Zoë", "zoe-new-pass")
    for _ in range(SLOW.per_name):
        assert _refused(lambda: sign_in(store, code, "Zoë", "guess", "10.0.0.2", SLOW, 1001.0, device=browser)) == WRONG
    assert "try again" in _refused(lambda: sign_in(store, code, "Zoë", "zoe-new-pass", "10.0.0.3", SLOW, 1001.0))
    # the owner's own browser, known with the new password, is still not slowed by those guesses
    own = sign_in_session(store, code, "Zoë", "zoe-new-pass", "10.0.0.3", SLOW, 1010.0).device
    for _ in range(SLOW.per_name):
        _refused(lambda: sign_in(store, code, "Zoë", "guess", "10.0.0.2", SLOW, 1030.0))
    assert sign_in(store, code, "Zoë", "zoe-new-pass", "10.0.0.3", SLOW, 1030.0, device=own).name == "Zoë"


@both_databases
def test_tries_left_pending_by_a_killed_check_are_forgotten_by_the_right_password(school) -> None:
    """A server process killed mid-check (or whose last write was refused) leaves its tries pending: failures, so
    they slow the name, and a right password forgets them with the others (before, 6 such rows stayed a day, and the
    owner's first typo after signing in was slowed)."""
    store, code = school
    now = 1_000_000.0
    with store.write_transaction() as conn:  # what six killed checks leave (seen with SIGKILL mid-scrypt)
        conn.executemany("INSERT INTO sign_in_failures (key, at) VALUES (?, ?)",
                         [(PENDING + name_key(code, "Zoë"), now - STALE_PENDING_S - 60)] * 6)  # fmt: skip
    assert "try again" in _refused(lambda: sign_in(store, code, "Zoë", "zoe-pass", "10.0.0.1", now=now - 179))
    assert sign_in(store, code, "Zoë", "zoe-pass", "10.0.0.1", now=now).name == "Zoë"  # slowed, never locked
    for _ in range(LIMITS.per_name - 1):  # the owner's own typos after signing in: none slowed
        assert _refused(lambda: sign_in(store, code, "Zoë", "zoe-pas", "10.0.0.1", now=now + 1)) == WRONG
    assert sign_in(store, code, "Zoë", "zoe-pass", "10.0.0.1", now=now + 1).name == "Zoë"
    with store.write_transaction() as conn:  # a try still being checked is never forgotten
        conn.execute("INSERT INTO sign_in_failures (key, at) VALUES (?, ?)", (PENDING + name_key(code, "Zoë"), now))
    sign_in(store, code, "Zoë", "zoe-pass", "10.0.0.1", now=now + 2)
    with store.read_connection() as conn:
        assert conn.execute("SELECT count(*) FROM sign_in_failures WHERE key LIKE 'pending:name:%'").fetchone()[0] == 1


@both_databases
def test_a_name_signs_in_typed_without_its_accents_or_in_other_capitals(school) -> None:
    """Issue 70: a card printed "Zoë", a child typed "Zoe" on an English keyboard and read "Wrong class code, name or
    password". Letters and pictures alike; a look-alike letter (a Cyrillic "о") is still nobody."""
    store, code = school
    for typed in ("Zoe", "ZOË", "zoe", "ZOE", " Zoë "):
        assert sign_in(store, code, typed, "zoe-pass", "10.0.0.1").name == "Zoë", typed
    added = add_students(store, "7B", "Chloé\nJosé\nNguyễn Văn An", pictures=True).handouts
    for handout, typed in zip(added, ("CHLOE", "jose", "Nguyen Van An"), strict=True):
        assert sign_in(store, code, typed, handout.secret, "10.0.0.1").name == handout.name, typed
    for other in ("Z\u043ee", "Z\u043e\u0435", "Zoe2", "Zo", "Zoee"):  # Cyrillic "о" and "е", or another name
        assert _refused(lambda: sign_in(store, code, other, "zoe-pass", "10.0.0.1")) == WRONG  # noqa: B023
    assert _refused(lambda: sign_in(store, code, "Zoe", "zoe-pasS", "10.0.0.1")) == WRONG  # the password still counts


def test_a_name_typed_another_way_buys_a_guesser_no_tries(school) -> None:
    """Each way of typing "Zoë" counts at her name: 3 guesses as "Zoe", "ZOË", "Zoé", then her own try waits."""
    store, code = school
    for typed in ("Zoe", "ZOË", "Zoé"):
        assert _refused(lambda: sign_in(store, code, typed, "guess", "10.0.0.2", SLOW, 1000.0)) == WRONG  # noqa: B023
    assert "try again" in _refused(lambda: sign_in(store, code, "Zoë", "zoe-pass", "10.0.0.3", SLOW, 1000.5))
    assert sign_in(store, code, "Zoe", "zoe-pass", "10.0.0.3", SLOW, 1003.0).name == "Zoë"
    with store.read_connection() as conn:  # the right password forgot them all: they were hers
        assert conn.execute("SELECT count(*) FROM sign_in_failures WHERE key LIKE 'name:%'").fetchone()[0] == 0


def test_two_classmates_named_alike_but_for_accents_each_sign_in_as_typed(school, monkeypatch) -> None:
    """A class kept from before names were refused beside the same typed without accents (a Zoe beside Zoë): each
    signs in with their name as printed, in any capitals; "Zoé", both of them at once, signs in as nobody."""
    store, code = school
    monkeypatch.setattr("core.classes.names.typed_key", lambda name: name)  # the rule before
    add_student(store, "7B", "Zoe", "plain-pass")
    add_student(store, "7B", "Zoè", "grave-pass")
    monkeypatch.undo()
    assert sign_in(store, code, "ZOE", "plain-pass", "10.0.0.1").name == "Zoe"
    assert sign_in(store, code, "zoë", "zoe-pass", "10.0.0.1").name == "Zoë"
    assert sign_in(store, code, "Zoè", "grave-pass", "10.0.0.1").name == "Zoè"
    for password in ("zoe-pass", "grave-pass", "plain-pass"):
        assert _refused(lambda: sign_in(store, code, "Zoé", password, "10.0.0.1")) == WRONG  # noqa: B023

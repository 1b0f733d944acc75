"""Signing in (core.classes.signin): one line for any wrong part; each try written down before its check, in one
write transaction, so parallel tries see each other; a name's tries slowed (never locked), its owner's own
browser not slowed by others' guesses, the teacher's unlock; an address slowed only past a class's worth."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable

import pytest

from core.classes.devices import known_device, remember_device
from core.classes.passwords import stand_in_hash
from core.classes.roster import add_student, create_class
from core.classes.signin import LIMITS, WRONG, SignInError, SignInLimits, sign_in, unlock, viewer_of, wait_s
from core.data.schema import NotFoundError
from core.data.store import Store

SLOW = SignInLimits(per_name=3, name_first_wait_s=2, name_max_wait_s=8, per_address=100)


@pytest.fixture
def school(tmp_path) -> tuple[Store, str]:
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


def test_an_unknown_code_or_name_runs_scrypt_as_a_wrong_password_does(school, checks) -> None:
    store, code = school
    for i, (code_, name) in enumerate([(code, "Zoë"), (code, "Nobody"), ("QQQQQQ", "Zoë")]):
        assert _refused(lambda: sign_in(store, code_, name, "wrong-pass", f"10.0.0.{i}")) == WRONG  # noqa: B023
    assert len(checks) == 3  # one key derivation each, not an early return for an unknown name or code


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


def test_the_owners_own_browser_is_not_slowed_by_a_classmates_guesses(school) -> None:
    store, code = school
    zoe = sign_in(store, code, "Zoë", "zoe-pass", "10.0.0.1", SLOW, 1000.0)
    browser = remember_device(store, None, zoe.account_id)
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
    other = remember_device(store, browser, 999)
    assert known_device(store, other).accounts == (zoe.account_id, 999)
    assert known_device(store, other).device_id == known_device(store, browser).device_id


def test_the_teachers_unlock_lets_the_owner_in_at_once(school) -> None:
    store, code = school
    for _ in range(3):
        _refused(lambda: sign_in(store, code, "Zoë", "guess", "10.0.0.2", SLOW, 1000.0))
    assert "try again" in _refused(lambda: sign_in(store, code, "Zoë", "zoe-pass", "10.0.0.3", SLOW, 1000.5))
    assert unlock(store, "7B", "zoë") == 3
    assert sign_in(store, code, "Zoë", "zoe-pass", "10.0.0.3", SLOW, 1000.5).name == "Zoë"
    with pytest.raises(NotFoundError, match="class '7B' has nobody named 'Nobody'"):
        unlock(store, "7B", "Nobody")


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

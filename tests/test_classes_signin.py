"""Signing in (core.classes.signin): one line for any wrong part, rate-limited per name and per address."""

from __future__ import annotations

import hashlib

import pytest

from core.classes.passwords import stand_in_hash
from core.classes.roster import add_student, create_class
from core.classes.signin import WRONG, SignInError, SignInLimits, sign_in, viewer_of
from core.data.store import Store


@pytest.fixture
def school(tmp_path) -> tuple[Store, str]:
    store = Store(tmp_path)
    code = create_class(store, "7B", "Ms Ng", "teacher-pass").code
    add_student(store, "7B", "Zoë", "zoe-pass")
    return store, code


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
    with pytest.raises(SignInError) as caught:
        sign_in(store, args["code"], args["name"], args["password"], "10.0.0.1")
    assert str(caught.value) == WRONG


def test_an_unknown_code_or_name_runs_scrypt_as_a_wrong_password_does(school, monkeypatch) -> None:
    store, code = school
    derived, real = [], hashlib.scrypt
    stand_in_hash()  # made once per process: not part of a sign-in's cost
    monkeypatch.setattr(hashlib, "scrypt", lambda *a, **k: derived.append(k["salt"]) or real(*a, **k))
    for i, (code_, name) in enumerate([(code, "Zoë"), (code, "Nobody"), ("QQQQQQ", "Zoë")]):
        with pytest.raises(SignInError):
            sign_in(store, code_, name, "wrong-pass", f"10.0.0.{i}")
    assert len(derived) == 3  # one key derivation each, not an early return for an unknown name or code


def test_failures_per_name_are_limited_then_the_window_moves_on(school) -> None:
    store, code = school
    limits, now = SignInLimits(window_s=600, per_name=3, per_address=100), 1_000_000.0
    for i in range(3):
        with pytest.raises(SignInError, match=WRONG):
            sign_in(store, code, "Zoë", "guess", f"10.0.0.{i}", limits, now + i)
    with pytest.raises(SignInError, match=r"Too many sign-in attempts: try again in 10 minute"):
        sign_in(store, code, "Zoë", "zoe-pass", "10.0.0.9", limits, now + 3)  # even the right password waits
    assert sign_in(store, code, "Ms Ng", "teacher-pass", "10.0.0.9", limits, now + 3).role == "teacher"
    assert sign_in(store, code, "Zoë", "zoe-pass", "10.0.0.9", limits, now + 601).name == "Zoë"


def test_failures_per_address_are_limited(school) -> None:
    store, code = school
    limits, now = SignInLimits(window_s=600, per_name=100, per_address=4), 2_000_000.0
    for i in range(4):
        with pytest.raises(SignInError, match=WRONG):
            sign_in(store, code, f"student {i}", "guess", "10.9.9.9", limits, now + i)
    with pytest.raises(SignInError, match="Too many sign-in attempts"):
        sign_in(store, code, "Zoë", "zoe-pass", "10.9.9.9", limits, now + 5)
    assert sign_in(store, code, "Zoë", "zoe-pass", "10.1.1.1", limits, now + 5).name == "Zoë"

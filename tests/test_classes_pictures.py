"""Picture passwords (core.classes.pictures) on a real store: two pictures in order, kept as a scrypt hash, checked
by the same rate-limited sign-in as a password; the teacher's ``class add-student --picture`` prints them."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from core.classes.passwords import PasswordError
from core.classes.pictures import EMOJI, PICTURES, picture_secret
from core.classes.roster import add_student, create_class
from core.classes.signin import SignInError, SignInLimits, sign_in
from core.cli.main import main
from core.data.store import Store


def test_two_pictures_in_order_are_a_password_kept_as_a_hash(tmp_path: Path) -> None:
    store = Store(tmp_path)
    code = create_class(store, "1A", "Mr Li", "teach-1A-pass").code
    add_student(store, "1A", "Zoë", picture_secret("dog", "rocket"))
    assert sign_in(store, code, "zoë", picture_secret("dog", "rocket"), "10.0.0.1").name == "Zoë"
    with pytest.raises(SignInError, match="Wrong class code, name or password"):
        sign_in(store, code, "Zoë", picture_secret("rocket", "dog"), "10.0.0.1")  # the order counts
    with sqlite3.connect(tmp_path / "handteach.sqlite") as conn:
        (stored,) = conn.execute("SELECT password FROM accounts WHERE name = 'Zoë'").fetchone()
    assert stored.startswith("scrypt$") and "dog" not in stored and "rocket" not in stored
    with pytest.raises(PasswordError, match="'unicorn' is not one of the pictures"):
        picture_secret("dog", "unicorn")
    assert len(PICTURES) == len(EMOJI) == 12 and len(set(EMOJI.values())) == 12


def test_wrong_pictures_are_rate_limited_like_passwords(tmp_path: Path) -> None:
    store = Store(tmp_path)
    code = create_class(store, "1A", "Mr Li", "teach-1A-pass").code
    add_student(store, "1A", "Zoë", picture_secret("owl", "star"))
    limits = SignInLimits(window_s=900, per_name=3, per_address=30)
    guesses = [picture_secret(a, b) for a, b in (("dog", "cat"), ("cat", "dog"), ("fox", "frog"))]
    for guess in guesses:
        with pytest.raises(SignInError, match="Wrong"):
            sign_in(store, code, "Zoë", guess, "10.0.0.2", limits=limits, now=1000.0)
    with pytest.raises(SignInError, match="Too many sign-in attempts"):  # even the right pair waits
        sign_in(store, code, "Zoë", picture_secret("owl", "star"), "10.0.0.2", limits=limits, now=1001.0)
    assert sign_in(store, code, "Zoë", picture_secret("owl", "star"), "10.0.0.2", limits=limits, now=1901.0)


def test_the_teacher_prints_the_pictures_and_they_sign_in(tmp_path: Path, capsys) -> None:
    data = ["--data", str(tmp_path)]
    assert main([*data, "class", "create", "1A", "--teacher", "Mr Li"]) == 0
    code = re.search(r"Join code: (\w+)", capsys.readouterr().out).group(1)
    assert main([*data, "class", "add-student", "1A", "Zoë", "--picture"]) == 0
    out = capsys.readouterr().out
    found = re.fullmatch(r"Student 'Zoë' added to '1A', pictures: (\S+) (\w+), then (\S+) (\w+)\n", out)
    assert found and EMOJI[found[2]] == found[1] and EMOJI[found[4]] == found[3], out
    assert sign_in(Store(tmp_path), code, "Zoë", picture_secret(found[2], found[4]), "10.0.0.3").name == "Zoë"
    assert main([*data, "class", "reset-password", "1A", "Zoë", "--picture"]) == 0
    assert re.fullmatch(r"New pictures for 'Zoë': \S+ \w+, then \S+ \w+\n", capsys.readouterr().out)

"""Passwords (core.classes.passwords): scrypt with a random salt, the parameters stored with the hash."""

from __future__ import annotations

import hashlib

import pytest

from core.classes.passwords import (
    CODE_CHARS,
    CODE_LETTERS,
    PasswordError,
    clean_code,
    hash_password,
    new_join_code,
    new_password,
    verify_password,
)


def test_hash_is_scrypt_with_its_parameters_and_a_fresh_salt() -> None:
    first, second = hash_password("ana-pass-1"), hash_password("ana-pass-1")
    assert first != second  # a new salt each time
    kind, n, r, p, salt, key = first.split("$")
    assert (kind, n, r, p, len(bytes.fromhex(salt))) == ("scrypt", "16384", "8", "1", 16)
    # the key is hashlib.scrypt's own, recomputed here from the stored salt and parameters
    assert bytes.fromhex(key) == hashlib.scrypt(b"ana-pass-1", salt=bytes.fromhex(salt), n=16384, r=8, p=1, dklen=32)
    assert "ana-pass-1" not in first


@pytest.mark.slow
def test_verify_accepts_the_password_only() -> None:
    stored = hash_password("Zoë-pässwörd")
    assert verify_password("Zoë-pässwörd", stored)
    for wrong in ("zoë-pässwörd", "Zoë-pässwörd ", "", "x" * 1000):
        assert not verify_password(wrong, stored)


@pytest.mark.parametrize("stored", ["", "plain", "scrypt$1$8$1$00$00", "scrypt$16384$8$1$zz$00",
                                    f"scrypt${2**30}$8$1$00$00", "md5$1$1$1$00$00"])  # fmt: skip
def test_a_malformed_or_hostile_stored_hash_verifies_nothing(stored: str) -> None:
    assert not verify_password("anything", stored)


@pytest.mark.parametrize("password", ["", "12345", "x" * 129])
def test_password_length_is_checked(password: str) -> None:
    with pytest.raises(PasswordError, match="a password needs 6 to 128 characters"):
        hash_password(password)


def test_made_up_codes_and_passwords() -> None:
    codes = {new_join_code() for _ in range(200)}
    assert len(codes) == 200 and all(len(c) == CODE_CHARS and set(c) <= set(CODE_LETTERS) for c in codes)
    password = new_password()
    assert len(password) == 9 and password[4] == "-" and verify_password(password, hash_password(password))
    assert clean_code(" ab3-k7q ") == "AB3K7Q"

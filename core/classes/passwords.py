"""Passwords kept as scrypt hashes (``hashlib.scrypt``), checked in constant time; join codes and passwords made up.

A stored hash reads ``scrypt$N$r$p$<salt hex>$<key hex>``: the parameters travel with it, so raising them later
leaves older hashes checkable. N=2**14, r=8, p=1, scrypt's interactive-login parameters: 16 MiB, and a check
took 39 ms at best, 118 ms median, on the 2-core development machine at a load of 5. Each password gets 16
random bytes of salt.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

from core.data.sql.schema import StoreError

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SALT_BYTES, KEY_BYTES = 16, 32
MAX_SCRYPT_N = 2**20  # a hash row asking for more is not ours: refused rather than computed
MIN_PASSWORD_CHARS, MAX_PASSWORD_CHARS = 6, 128
CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by children
CODE_CHARS = 6
_PASSWORD_LETTERS = "abcdefghjkmnpqrstuvwxyz23456789"


class PasswordError(StoreError):
    """A password that cannot be set; the message says why (never the password itself)."""


def check_password(password: object) -> str:
    if not isinstance(password, str):
        raise PasswordError(f"a password must be text, got {type(password).__name__}")
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        raise PasswordError(f"a password needs {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters, "
                            f"got {len(password)}")  # fmt: skip
    return password


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=KEY_BYTES,
                          maxmem=2 * 128 * n * r * p + (1 << 20))  # fmt: skip


def hash_password(password: str) -> str:
    """The stored form of a new password (a fresh salt each time: two equal passwords hash differently)."""
    salt = secrets.token_bytes(SALT_BYTES)
    key = _derive(check_password(password), salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${key.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from; the keys are compared in constant time."""
    try:
        kind, n, r, p, salt, key = stored.split("$")
        n_, r_, p_, salt_, key_ = int(n), int(r), int(p), bytes.fromhex(salt), bytes.fromhex(key)
    except (ValueError, AttributeError):
        return False
    if (
        kind != "scrypt"
        or not (1 < n_ <= MAX_SCRYPT_N and 0 < r_ <= 32 and 0 < p_ <= 16)
        or not isinstance(password, str)
    ):
        return False
    return hmac.compare_digest(_derive(password, salt_, n_, r_, p_), key_)


@functools.cache
def stand_in_hash() -> str:
    """A hash to check when the class or the name is unknown, so a wrong name takes as long as a wrong password."""
    return hash_password(secrets.token_urlsafe(16))


def new_password() -> str:
    """A password to print for a student: 8 letters and digits in two groups (about 39 bits)."""
    letters = "".join(secrets.choice(_PASSWORD_LETTERS) for _ in range(8))
    return f"{letters[:4]}-{letters[4:]}"


def new_join_code() -> str:
    return "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_CHARS))


def clean_code(code: object) -> str:
    """A typed join code as stored: upper case, spaces and dashes dropped ("ab3 k7q" is "AB3K7Q")."""
    return "".join(str(code).split()).replace("-", "").upper()[:32]

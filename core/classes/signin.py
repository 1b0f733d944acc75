"""Signing in to a class: join code, name and password, checked in constant time and rate-limited.

Failed attempts are rows of ``sign_in_failures`` (in the store, so every server process counts the same ones):
at most ``LIMITS.per_name`` in ``LIMITS.window_s`` for one name in one class code, and ``LIMITS.per_address`` from
one client address. Past a limit no password is checked at all until the window has moved on. A wrong code, name
or password gets the same one line, so the answer never says which was wrong.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from core.classes.access import Viewer
from core.classes.names import same_name_key
from core.classes.passwords import clean_code, stand_in_hash, verify_password
from core.classes.roster import class_by_code
from core.data.database import Database
from core.data.schema import StoreError

WRONG = "Wrong class code, name or password"


@dataclass(frozen=True)
class SignInLimits:
    """How many failed sign-ins are let through before waiting."""

    window_s: float = 15 * 60  # failures older than this no longer count
    per_name: int = 5  # failed attempts at one name of one class code (guessing a student's password)
    per_address: int = 30  # failed attempts from one client address (a script trying many names)


LIMITS = SignInLimits()


class SignInError(StoreError):
    """A sign-in refused: ``WRONG``, or too many attempts (the message says how long to wait)."""


def _keys(code: str, name: str, address: str) -> tuple[str, str]:
    return f"name:{code}:{same_name_key(name)}", f"address:{address}"


def _wait_s(failed_at: list[float], limit: int, now: float, window_s: float) -> float:
    """Seconds until fewer than ``limit`` of the failure times ``failed_at`` lie in the window (0: not limited)."""
    if len(failed_at) < limit:
        return 0.0
    return max(0.0, sorted(failed_at)[-limit] + window_s - now)


def sign_in(store: Database, code: str, name: str, password: str, address: str,
            limits: SignInLimits = LIMITS, now: float | None = None) -> Viewer:  # fmt: skip
    """The viewer ``name`` of the class whose join code is ``code``, when ``password`` is theirs; else
    ``SignInError`` and the failure is counted against the name and against ``address`` (the client's)."""
    now = time.time() if now is None else now
    code, name = clean_code(code), str(name)[:200]
    name_key, address_key = _keys(code, name, str(address)[:100])
    since = now - limits.window_s
    with store.read_connection() as conn:

        def times(key: str) -> list[float]:
            return [
                r[0] for r in conn.execute("SELECT at FROM sign_in_failures WHERE key = ? AND at > ?", (key, since))
            ]

        wait = max(_wait_s(times(name_key), limits.per_name, now, limits.window_s),
                   _wait_s(times(address_key), limits.per_address, now, limits.window_s))  # fmt: skip
        school_class = class_by_code(conn, code)
        row = None
        if school_class is not None:
            row = conn.execute("SELECT id, role, name, password FROM accounts WHERE school_class_id = ? AND name_key = ?",
                               (school_class.id, same_name_key(name))).fetchone()  # fmt: skip
    if wait > 0:
        raise SignInError(f"Too many sign-in attempts: try again in {max(1, round(wait / 60))} minute(s)")
    # the scrypt check runs outside any transaction (about 50 ms) and also for an unknown code or name
    good = verify_password(password, row[3] if row else stand_in_hash()) and row is not None
    with store.write_transaction() as conn:
        conn.execute("DELETE FROM sign_in_failures WHERE at <= ?", (since,))
        if not good:
            conn.executemany(
                "INSERT INTO sign_in_failures (key, at) VALUES (?, ?)", [(name_key, now), (address_key, now)]
            )
        else:
            conn.execute("DELETE FROM sign_in_failures WHERE key = ?", (name_key,))
            conn.execute("UPDATE accounts SET last_seen = ? WHERE id = ?", (now, row[0]))
    if not good or school_class is None:
        raise SignInError(WRONG)
    return Viewer(int(row[0]), school_class.id, row[1], row[2])


def viewer_of(store: Database, account_id: int) -> Viewer | None:
    """The viewer of an account still on this server (a signed session names its account), or None once deleted."""
    with store.read_connection() as conn:
        row = conn.execute("SELECT id, school_class_id, role, name FROM accounts WHERE id = ?", (int(account_id),))
        found = row.fetchone()
    return None if found is None else Viewer(int(found[0]), int(found[1]), found[2], found[3])

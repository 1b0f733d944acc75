"""Signing in to a class: join code, name and password, checked in constant time; tries slowed, never locked.

Each try is written down BEFORE its password is checked, in the same write transaction (SQLite's
``BEGIN IMMEDIATE``, ``store.write_transaction``) that counts the tries before it: a row of
``sign_in_failures`` under a pending key, which a right password removes after the check and a wrong one turns
into a failure. Parallel tries therefore see each other (issue 63: with a read, the scrypt check, then the
write, 144 parallel tries at a picture password all passed the check and one signed in, in 4.2 s; 26 of 39
parallel wrong passwords were checked against a limit of 5). The rows live in the store, so every server
process counts the same ones; a process killed mid-check leaves its try counted as a failure.

The limits slow a guesser down and lock nobody out (``SignInLimits``):

- one name of one class: ``per_name`` tries at once (its owner's typos), then each next one only
  ``name_first_wait_s`` after the latest, doubling, at most ``name_max_wait_s`` (5 minutes) apart; failures
  are remembered ``name_window_s`` (a day). A guesser gets 13 tries in the first 8.5 minutes, then 12 an hour,
  about 300 a day, from any number of addresses (the arithmetic for picture passwords: ``core.classes.pictures``).
  Nobody waits more than 5 minutes, and a browser the owner signed in on before is not slowed by anyone
  else's guesses at all (``core.classes.devices``: its tries count under its own key); ``unlock`` (the
  teacher's ``python -m core class unlock``) forgets a name's failures at once.
- one client address: ``per_address`` failures in ``address_window_s`` (15 minutes) at once, then one try each
  ``address_wait_s``. Not a guard against guessing (the name's is) but against scrypt's cost (16 MiB and
  40-120 ms of a core a try): a class of 30 behind one school address (NAT, a proxy) with 5 typos each stays
  under 150 and is never slowed; a script past it gets one check a second. Known browsers skip it.

A right password forgets the failures counted under its key (the name's, or its browser's), never those of
tries still being checked; a try left pending longer than ``STALE_PENDING_S`` (its process killed, its last write
refused) is a failure, forgotten with the others. A right password counts only while it is still the account's
when the check ends: ``sign_in_session`` makes the session (and the browser's known-device token) for the
password it checked, so a sign-in racing the teacher's new password never outlives it. A wrong code, name or
password gets the same one line, so the answer never says which was wrong; a slowed try names the wait and checks
nothing.

A name is found in any capitals, and typed without its accents too ("Zoe" or "ZOË" for "Zoë",
``core.classes.name_typing``); such a try counts at the account's own name, so typing it another way buys a guesser
no tries. A look-alike letter (a Cyrillic "о") is another name, never a classmate's.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from core.classes.access import Viewer
from core.classes.devices import known_device, remember_device
from core.classes.name_typing import typed_key
from core.classes.names import same_name_key
from core.classes.passwords import clean_code, stand_in_hash, verify_password
from core.classes.roster import account_row, class_by_code, class_row
from core.classes.session import session_token
from core.data.sql.database import Database
from core.data.sql.schema import NotFoundError, StoreError

WRONG = "Wrong class code, name or password"
PENDING = "pending:"  # before a key: a try whose password is being checked (a failure until it says otherwise)
STALE_PENDING_S = 120.0  # a check takes under a second, each of its writes waits 30 s at most: older is no check


@dataclass(frozen=True)
class SignInLimits:
    """How tries are slowed (see the module docstring)."""

    per_name: int = 5  # tries at one name let through at once
    name_first_wait_s: float = 2.0  # then the wait after the latest try: 2, 4, 8, ... s
    name_max_wait_s: float = 300.0  # at most: a guesser's 12 tries an hour, the owner's 5 minutes at worst
    name_window_s: float = 24 * 3600  # a name's failures older than this no longer count
    per_address: int = 150  # failures from one address let through at once: 30 students, 5 typos each
    address_wait_s: float = 1.0  # then one try a second from that address
    address_window_s: float = 15 * 60


LIMITS = SignInLimits()


class SignInError(StoreError):
    """A sign-in refused: ``WRONG``, or too many tries (the message says how long to wait)."""


def name_key(code: str, name: str) -> str:
    """The key a name's tries are counted under (``core.classes.removal`` deletes a student's)."""
    return f"name:{clean_code(code)}:{same_name_key(name)}"


def wait_s(times: list[float], free: int, first_s: float, most_s: float, now: float) -> float:
    """Seconds until one more try is let through, given the times of the tries counted: none while fewer than
    ``free``; then ``first_s`` after the latest, doubled for each try past ``free``, at most ``most_s``."""
    if len(times) < free:
        return 0.0
    return max(0.0, max(times) + min(most_s, first_s * 2 ** min(len(times) - free, 40)) - now)


def _counted(conn, key: str, since: float) -> list[float]:  # noqa: ANN001 - an sqlite3.Connection
    rows = conn.execute("SELECT at FROM sign_in_failures WHERE key IN (?, ?) AND at > ?", (key, PENDING + key, since))
    return [r[0] for r in rows]


def _account(conn, class_id: int, name: str) -> tuple | None:  # noqa: ANN001 - an sqlite3.Connection
    """The account (id, role, name, password hash) of the class named ``name``: its own name in any capitals, else
    the one name of the class that ``name`` is without accents ("Zoe" for "Zoë", ``core.classes.name_typing``);
    None for nobody, or for two classmates both so named ("Jose" when the class has a José and a Josè)."""
    columns = "SELECT id, role, name, password FROM accounts WHERE school_class_id = ?"
    row = conn.execute(f"{columns} AND name_key = ?", (class_id, same_name_key(name))).fetchone()
    if row is not None:
        return tuple(row)
    key = typed_key(name)
    found = [tuple(r) for r in conn.execute(columns, (class_id,)) if typed_key(r[2]) == key]
    return found[0] if len(found) == 1 else None


def _waiting(seconds: float) -> str:
    count, unit = (math.ceil(seconds), "second") if seconds < 90 else (math.ceil(seconds / 60), "minute")
    return f"Too many sign-in attempts: try again in {count} {unit}{'' if count == 1 else 's'}"


def sign_in(store: Database, code: str, name: str, password: str, address: str,
            limits: SignInLimits = LIMITS, now: float | None = None, device: object = None) -> Viewer:  # fmt: skip
    """The viewer ``name`` of the class whose join code is ``code``, when ``password`` is theirs; else
    ``SignInError``, the try counted against the name (or the known browser ``device``, a token of
    ``core.classes.devices``) and against ``address`` (the client's)."""
    return _checked(store, code, name, password, address, limits, now, device)[0]


@dataclass(frozen=True)
class SignedIn:
    """A right sign-in: who, the session token for the cookie, and the browser's known-device token."""

    viewer: Viewer
    token: str
    device: str


def sign_in_session(store: Database, code: str, name: str, password: str, address: str,
                    limits: SignInLimits = LIMITS, now: float | None = None, device: object = None) -> SignedIn:  # fmt: skip
    """``sign_in``, then its session (``core.classes.session.session_token``) and the browser's known-device token
    (``core.classes.devices``), both for the password checked: ``SignInError`` (``WRONG``) when the account got
    a new password or went meanwhile, ``StoreError`` when the store stays busy."""
    viewer, checked = _checked(store, code, name, password, address, limits, now, device)
    try:
        token = session_token(store, viewer, now, password_hash=checked)
    except LookupError:
        raise SignInError(WRONG) from None
    return SignedIn(viewer, token, remember_device(store, device, viewer.account_id, checked))


def _checked(store: Database, code: str, name: str, password: str, address: str, limits: SignInLimits,
             now: float | None, device: object) -> tuple[Viewer, str]:  # fmt: skip
    """``sign_in``'s viewer and the password hash it was checked against."""
    now = time.time() if now is None else now
    code, name = clean_code(code), str(name)[:200]
    known = known_device(store, device)
    with store.write_transaction() as conn:  # the count and this try's row: one transaction, before the check
        conn.execute("DELETE FROM sign_in_failures WHERE at <= ?",
                     (now - max(limits.name_window_s, limits.address_window_s),))  # fmt: skip
        school_class = class_by_code(conn, code)
        row = None if school_class is None else _account(conn, school_class.id, name)
        # a name found as typed otherwise ("Zoe" for "Zoë"): its tries count at the account's own name, as ever
        own_key = (known.key(row[0], row[3]) if known and row else None) or name_key(code, row[2] if row else name)
        keys = [own_key] if own_key.startswith("device:") else [own_key, f"address:{str(address)[:100]}"]
        wait = wait_s(_counted(conn, keys[0], now - limits.name_window_s), limits.per_name,
                      limits.name_first_wait_s, limits.name_max_wait_s, now)  # fmt: skip
        if len(keys) > 1:
            wait = max(wait, wait_s(_counted(conn, keys[1], now - limits.address_window_s), limits.per_address,
                                    limits.address_wait_s, limits.address_wait_s, now))  # fmt: skip
        if wait > 0:
            raise SignInError(_waiting(wait))  # nothing written: the transaction only deleted old rows
        pending = [conn.execute("INSERT INTO sign_in_failures (key, at) VALUES (?, ?)", (PENDING + key, now)).lastrowid
                   for key in keys]  # fmt: skip
    # the scrypt check (40-120 ms) outside any transaction, also for an unknown code or name
    good = verify_password(password, row[3] if row else stand_in_hash()) and row is not None
    marks = ",".join("?" * len(pending))
    with store.write_transaction() as conn:
        if good:  # still the account's password? (a reset meanwhile: the old one is wrong now)
            kept = conn.execute("SELECT 1 FROM accounts WHERE id = ? AND password = ?", (row[0], row[3])).fetchone()
            good = kept is not None
        if good:  # this try's rows go, with the failures counted under its key and the stale tries' there
            conn.execute(f"DELETE FROM sign_in_failures WHERE rowid IN ({marks})", pending)
            conn.execute("DELETE FROM sign_in_failures WHERE key = ? OR (key = ? AND at < ?)",
                         (own_key, PENDING + own_key, now - STALE_PENDING_S))  # fmt: skip
            conn.execute("UPDATE accounts SET last_seen = ? WHERE id = ?", (now, row[0]))
        else:  # pending becomes failed: the same rows, their keys without the mark
            conn.execute(f"UPDATE sign_in_failures SET key = substr(key, {len(PENDING) + 1}) WHERE rowid IN ({marks})",
                         pending)  # fmt: skip
    if not good or school_class is None:
        raise SignInError(WRONG)
    return Viewer(int(row[0]), school_class.id, row[1], row[2]), row[3]


def unlock(store: Database, class_name: str, name: str) -> int:
    """Forget the failed tries at ``name`` of the class (the teacher's unlock): the owner signs in at once from
    anywhere. Returns how many were forgotten; ``NotFoundError`` for no such class or member."""
    with store.write_transaction() as conn:
        school_class = class_row(conn, class_name)
        if account_row(conn, school_class.id, name) is None:
            raise NotFoundError(f"class {class_name!r} has nobody named {name!r}")
        key = name_key(school_class.code, name)
        return conn.execute("DELETE FROM sign_in_failures WHERE key IN (?, ?)", (key, PENDING + key)).rowcount


def viewer_of(store: Database, account_id: int) -> Viewer | None:
    """The viewer of an account still on this server (a signed session names its account), or None once deleted."""
    with store.read_connection() as conn:
        row = conn.execute("SELECT id, school_class_id, role, name FROM accounts WHERE id = ?", (int(account_id),))
        found = row.fetchone()
    return None if found is None else Viewer(int(found[0]), int(found[1]), found[2], found[3])

"""A signed, expiring session token for a signed-in person (``itsdangerous``) naming a session row the server
can end, and the server's secret for it.

Each sign-in makes a row of ``sessions`` (a random id from ``secrets``; the table keeps its SHA-256, so a copy of
the database, even with the secret, opens no session) and a token holding that id, the account id, its class id
and a fingerprint of the account's password hash, signed with HMAC-SHA1 under the server's secret
(``itsdangerous.URLSafeTimedSerializer``; 32 random bytes in ``<data dir>/session-secret``, owner-only, made on
first use, or on PostgreSQL a row every server reads) and stamped with its time. A token holds only while its row
does: *Sign out* deletes it (``end_session``), a new password deletes all the account's
(``core.classes.roster.reset_password``, ``core.classes.batch``), deleting the account (or its class) cascades.
Before the rows (issue 63), a cookie copied before *Sign out* still signed in for its 8 hours.
A page's writes check the session too, at the moment they write (``SessionRef``, ``require_session``, inside the
write's own transaction; ``core.classes.session_store``): a Record tab left open after *Sign out* in another tab or
a new password stored takes until its next whole-page run.
``viewer_from_token`` gives None, that is signed out and nothing else, for a token forged, altered, older than
``SESSION_MAX_AGE_S``, made by another server (another secret), of a session ended, of a deleted account, from
before a password reset, or from before sessions had rows (no session id). A session's ``last_seen`` is written at
most once every ``TOUCH_EVERY_S`` (a page runs many times a minute).
A school sign-in (OIDC, ``core.classes.identity``) lives in Streamlit's own cookie, not in a token of ours: its
*Sign out* is kept as a row too (``end_school_session``), and such a sign-in signs nobody in after it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer

from core.classes.access import Viewer
from core.data.sql.database import Database
from core.data.sql.schema import StoreError

SESSION_MAX_AGE_S = 8 * 3600  # a school day: a tab left open overnight signs in again
SECRET_FILE = "session-secret"
SECRET_SETTING = "session_secret"  # server_settings' key of the shared secret (a store on PostgreSQL)
TOUCH_EVERY_S = 60.0  # a session's last_seen: written at most once a minute
SCHOOL_ENDED = "school-ended:"  # the id of a row that is a signed-out school sign-in, not a live session
_SALT = "handteach-class-session"  # itsdangerous's namespace: a token of another kind does not pass as this one


def server_secret(store: Database) -> bytes:
    """The servers' signing key, made once and kept: restarting a server keeps sessions. One server's is an
    owner-only file of its data directory (out of the database, so a copy of the database file carries no key);
    on a store several servers share (PostgreSQL) it is a row of ``server_settings``, so a student signed in
    through one server stays signed in when their next request reaches another."""
    if store.shared:  # read each time (one indexed row): a cache would outlive the row it copied
        with store.read_connection() as conn:
            row = conn.execute("SELECT value FROM server_settings WHERE key = ?", (SECRET_SETTING,)).fetchone()
        if row is None:
            with store.write_transaction() as conn:
                conn.execute("INSERT INTO server_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                             (SECRET_SETTING, secrets.token_hex(32)))  # fmt: skip
                row = conn.execute("SELECT value FROM server_settings WHERE key = ?", (SECRET_SETTING,)).fetchone()
        return bytes.fromhex(row[0])
    path = Path(store.data_dir) / SECRET_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def _serializer(store: Database) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(server_secret(store), salt=_SALT)


def fingerprint(password_hash: str) -> str:
    """What changes when the password is reset (a new salt), without the hash itself in the token."""
    return hashlib.sha256(password_hash.encode("ascii")).hexdigest()[:16]


def _account(store: Database, account_id: int) -> tuple[int, str, str, str] | None:
    """(class id, role, name, password hash) of an account, or None."""
    with store.read_connection() as conn:
        return conn.execute("SELECT school_class_id, role, name, password FROM accounts WHERE id = ?",
                            (int(account_id),)).fetchone()  # fmt: skip


def _session_key(session_id: str) -> str:
    """The row id of a session: a hash of the token's id (the token alone, with the secret, opens a session)."""
    return hashlib.sha256(session_id.encode("ascii")).hexdigest()


def session_token(store: Database, viewer: Viewer, now: float | None = None, password_hash: str | None = None) -> str:
    """A token saying ``viewer`` signed in now (for a cookie), its session row made; ``LookupError`` when the
    account is gone, or when its password is no longer ``password_hash`` (the one a sign-in checked: a new password
    set while it was being checked must not let it in; before, 3 of 4 sign-ins racing a reset with the old password
    kept a session past it). Rows of sessions unseen for longer than a cookie lasts go in the same transaction (a
    class's day adds a few dozen; a tab open all day keeps its own, seen each minute)."""
    now = time.time() if now is None else now
    session_id = secrets.token_urlsafe(24)
    with store.write_transaction() as conn:
        row = conn.execute("SELECT school_class_id, password FROM accounts WHERE id = ?",
                           (int(viewer.account_id),)).fetchone()  # fmt: skip
        if row is None:
            raise LookupError(f"account {viewer.account_id} is not on this server")
        if password_hash is not None and row[1] != password_hash:
            raise LookupError(f"account {viewer.account_id} has had a new password since its sign-in was checked")
        conn.execute("DELETE FROM sessions WHERE last_seen < ?", (now - SESSION_MAX_AGE_S,))
        conn.execute("INSERT INTO sessions (id, account_id, created_at, last_seen) VALUES (?, ?, ?, ?)",
                     (_session_key(session_id), int(viewer.account_id), now, now))  # fmt: skip
    claims = {"session": session_id, "account": viewer.account_id, "class": row[0], "pw": fingerprint(row[1])}
    return _serializer(store).dumps(claims)


def _claims(store: Database, token: object, max_age_s: float | None) -> tuple[str, int, int, str] | None:
    """(session id, account id, class id, password fingerprint) of a token this server signed, still in its time
    (any age with ``max_age_s`` None); else None. A token with no session id (before issue 63) is None too."""
    if not isinstance(token, str) or not token or len(token) > 1000:
        return None
    try:
        data = _serializer(store).loads(token, max_age=max_age_s)
        session = data["session"]
        if not isinstance(session, str) or not 16 <= len(session) <= 64:
            return None
        return session, int(data["account"]), int(data["class"]), str(data["pw"])
    except (BadSignature, KeyError, TypeError, ValueError):  # SignatureExpired is a BadSignature
        return None


def viewer_from_token(store: Database, token: object, max_age_s: float | None = SESSION_MAX_AGE_S,
                      now: float | None = None) -> Viewer | None:  # fmt: skip
    """The viewer a token names while it holds (see the module docstring), else None; ``max_age_s`` None: of any
    age, for a page already signed in with it, which its session's end signs out. One read; a write at most
    once every ``TOUCH_EVERY_S`` per session (``last_seen``; none on a read-only store, and a store locked past
    the usual wait or full leaves it for the next look)."""
    claims = _claims(store, token, max_age_s)
    if claims is None:
        return None
    session, account, class_id, printed = claims
    key = _session_key(session)
    with store.read_connection() as conn:
        row = conn.execute(
            "SELECT a.school_class_id, a.role, a.name, a.password, s.last_seen FROM sessions s "
            "JOIN accounts a ON a.id = s.account_id WHERE s.id = ? AND s.account_id = ?",
            (key, account),
        ).fetchone()
    if row is None or row[0] != class_id or fingerprint(row[3]) != printed:
        return None
    now = time.time() if now is None else now
    if now - row[4] >= TOUCH_EVERY_S and not store.read_only:
        with contextlib.suppress(StoreError), store.write_transaction() as conn:  # locked or full: next time
            conn.execute("UPDATE sessions SET last_seen = ? WHERE id = ?", (now, key))
    return Viewer(account, class_id, row[1], row[2])


def end_session(store: Database, token: object) -> bool:
    """End the session ``token`` names (*Sign out*), whatever its age: from now on it signs nobody in. False when
    the token is not this server's or its session had ended already."""
    claims = _claims(store, token, None)
    if claims is None:
        return False
    with store.write_transaction() as conn:
        return conn.execute("DELETE FROM sessions WHERE id = ?", (_session_key(claims[0]),)).rowcount > 0


def _school_key(email: str, signed_in_at: float) -> str:
    """The row that says a school sign-in (its address and the provider's ``iat``) was signed out."""
    return SCHOOL_ENDED + hashlib.sha256(f"{email}\n{signed_in_at!r}".encode()).hexdigest()


def end_school_session(store: Database, account_id: int, email: str, signed_in_at: float,
                       now: float | None = None) -> None:  # fmt: skip
    """A school sign-in (OIDC) signed out. Streamlit keeps it in its own signed cookie, which the server cannot
    take back, so the server keeps it as ended instead (a row of ``sessions`` whose id starts with
    ``SCHOOL_ENDED``): a copy of that cookie signs nobody in. The row goes with the others unseen for
    ``SESSION_MAX_AGE_S``, when that sign-in counts as too old anyway (``core.classes.identity.too_old``): seen
    last at the sign-in's own time where the provider dated it ahead of ours (``too_old`` allows five minutes),
    else a copy of the cookie signed in again for those minutes once the row had gone."""
    now = time.time() if now is None else now
    with store.write_transaction() as conn:
        conn.execute("INSERT OR IGNORE INTO sessions (id, account_id, created_at, last_seen) VALUES (?, ?, ?, ?)",
                     (_school_key(email, signed_in_at), int(account_id), now, max(now, signed_in_at)))  # fmt: skip


def school_session_ended(store: Database, email: str, signed_in_at: float) -> bool:
    """Whether the school sign-in of ``email`` at ``signed_in_at`` was signed out (``end_school_session``)."""
    with store.read_connection() as conn:
        found = conn.execute("SELECT 1 FROM sessions WHERE id = ?", (_school_key(email, signed_in_at),)).fetchone()
    return found is not None


def deleted_account_class(store: Database, token: object, max_age_s: float = SESSION_MAX_AGE_S) -> int | None:
    """The class id of ``token`` when it is this server's, still in its time, for an account deleted since (the
    student's next tab, a reload, is told what happened; the class may have ended too), else None. A forged,
    expired or other server's token says nothing."""
    claims = _claims(store, token, max_age_s)
    return claims[2] if claims is not None and _account(store, claims[1]) is None else None


# follows "Nothing was stored: " (a take), "saving samples failed: " (the server path's recorder), or stands alone
SESSION_ENDED = "you were signed out (Sign out in another tab, or a new password): reload the page and sign in again"


class SessionEndedError(StoreError):
    """A write of a session that has ended (``require_session``): refused, nothing written."""

    def __init__(self) -> None:
        super().__init__(SESSION_ENDED)


@dataclass(frozen=True)
class SessionRef:
    """The sign-in a page's writes hold to: a password sign-in's session row (``key``, with the class and password
    fingerprint its token named), or a school sign-in (``school``: its address and the provider's ``iat``), or,
    with neither, only the account itself (a viewer set without a sign-in: the test harness)."""

    account_id: int
    key: str | None = None
    class_id: int | None = None
    printed: str | None = None
    school: tuple[str, float] | None = None


def token_session(store: Database, token: object) -> SessionRef | None:
    """The session ``token`` names (of any age: a page signed in with it holds while its row does), else None."""
    claims = _claims(store, token, None)
    if claims is None:
        return None
    session, account, class_id, printed = claims
    return SessionRef(account, _session_key(session), class_id, printed)


def session_holds(conn: sqlite3.Connection, ref: SessionRef) -> bool:
    """Whether ``ref``'s sign-in still signs in, read on ``conn`` (a write's own transaction: a *Sign out* or a new
    password committed before it is seen, one after it comes after the write)."""
    if ref.key is not None:
        row = conn.execute("SELECT a.school_class_id, a.password FROM sessions s JOIN accounts a ON a.id = s.account_id "
                           "WHERE s.id = ? AND s.account_id = ?", (ref.key, ref.account_id)).fetchone()  # fmt: skip
        return row is not None and row[0] == ref.class_id and fingerprint(row[1]) == ref.printed
    row = conn.execute("SELECT email FROM accounts WHERE id = ?", (ref.account_id,)).fetchone()
    if row is None or ref.school is None:
        return row is not None
    ended = conn.execute("SELECT 1 FROM sessions WHERE id = ?", (_school_key(*ref.school),)).fetchone()
    return ended is None and row[0] == ref.school[0]  # the teacher gave the account another address: not this one


def require_session(conn: sqlite3.Connection, ref: SessionRef) -> None:
    """``SessionEndedError`` unless ``ref``'s sign-in still holds (``session_holds``)."""
    if not session_holds(conn, ref):
        raise SessionEndedError()

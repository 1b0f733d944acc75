"""A signed, expiring session token for a signed-in person (``itsdangerous``), and the server's secret for it.

The token holds the account id, its class id and a fingerprint of the account's password hash, signed with
HMAC-SHA1 under the server's secret (``itsdangerous.URLSafeTimedSerializer``; 32 random bytes in
``<data dir>/session-secret``, owner-only, made on first use) and stamped with its time. ``viewer_from_token``
gives None, that is signed out and nothing else, for a token forged, altered, older than ``SESSION_MAX_AGE_S``,
made by another server (another secret), of a deleted account, or from before a password reset.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer

from core.classes.access import Viewer
from core.data.database import Database

SESSION_MAX_AGE_S = 8 * 3600  # a school day: a tab left open overnight signs in again
SECRET_FILE = "session-secret"
_SALT = "handteach-class-session"  # itsdangerous's namespace: a token of another kind does not pass as this one


def server_secret(data_dir: Path) -> bytes:
    """The server's signing key, made once (owner-only file) and kept: restarting the server keeps sessions."""
    path = Path(data_dir) / SECRET_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def _serializer(store: Database) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(server_secret(store.data_dir), salt=_SALT)


def _fingerprint(password_hash: str) -> str:
    """What changes when the password is reset (a new salt), without the hash itself in the token."""
    return hashlib.sha256(password_hash.encode("ascii")).hexdigest()[:16]


def _account(store: Database, account_id: int) -> tuple[int, str, str, str] | None:
    """(class id, role, name, password hash) of an account, or None."""
    with store.read_connection() as conn:
        return conn.execute("SELECT school_class_id, role, name, password FROM accounts WHERE id = ?",
                            (int(account_id),)).fetchone()  # fmt: skip


def session_token(store: Database, viewer: Viewer) -> str:
    """A token saying ``viewer`` signed in now (for a cookie); ``LookupError`` when the account is gone."""
    row = _account(store, viewer.account_id)
    if row is None:
        raise LookupError(f"account {viewer.account_id} is not on this server")
    return _serializer(store).dumps({"account": viewer.account_id, "class": row[0], "pw": _fingerprint(row[3])})


def _claims(store: Database, token: object, max_age_s: float) -> tuple[int, int, str] | None:
    """(account id, class id, password fingerprint) of a token this server signed, still in its time; else None."""
    if not isinstance(token, str) or not token or len(token) > 1000:
        return None
    try:
        data = _serializer(store).loads(token, max_age=max_age_s)
        return int(data["account"]), int(data["class"]), str(data["pw"])
    except (BadSignature, KeyError, TypeError, ValueError):  # SignatureExpired is a BadSignature
        return None


def viewer_from_token(store: Database, token: object, max_age_s: float = SESSION_MAX_AGE_S) -> Viewer | None:
    """The viewer a token names while it holds (see the module docstring), else None."""
    claims = _claims(store, token, max_age_s)
    if claims is None:
        return None
    account, class_id, fingerprint = claims
    row = _account(store, account)
    if row is None or row[0] != class_id or _fingerprint(row[3]) != fingerprint:
        return None
    return Viewer(account, class_id, row[1], row[2])


def deleted_account_class(store: Database, token: object, max_age_s: float = SESSION_MAX_AGE_S) -> int | None:
    """The class id of ``token`` when it is this server's, still in its time, for an account deleted since (the
    student's next tab, a reload, is told what happened; the class may have ended too), else None. A forged,
    expired or other server's token says nothing."""
    claims = _claims(store, token, max_age_s)
    return claims[1] if claims is not None and _account(store, claims[0]) is None else None

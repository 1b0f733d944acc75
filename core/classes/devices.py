"""Known devices: a browser that signed in as a student before counts its own failed tries at that name.

The per-name slow-down of ``core.classes.signin`` is shared by everyone who types the name, so a classmate's
guesses would slow its owner too (issue 63: 5 wrong tries locked a classmate out for 15 minutes). After a right
sign-in the page keeps a signed token (``itsdangerous``, the server's secret of ``core.classes.session``, its own
salt) in a long-lived HttpOnly cookie (``ui.server.session_cookie``): a random id for the browser and the
accounts that signed in there. A try at one of those accounts from that browser is counted under the browser's
own key (``device:<id>:<account id>``), not the name's: the owner's browser is never slowed by guesses made
elsewhere, and guesses made on it (a shared class tablet) are slowed by the same schedule as anywhere. This is
OWASP's "device cookie" defence against lockouts an attacker triggers. Signing out keeps it (it says nothing
but "this browser knew this password once"); a token forged, altered, older than ``DEVICE_MAX_AGE_S`` or of
another server is no device at all.

Each account is kept with a fingerprint of the password hash it signed in with (``core.classes.session
.fingerprint``): a new password forgets the browsers that knew the old one. Without it, a classmate who once
signed in as someone (a password seen over a shoulder) kept a browser of their own at that name after the
teacher's reset, each such browser a fresh schedule of guesses at the new password, outside the name's count.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

from core.classes.session import fingerprint, server_secret
from core.data.sql.database import Database

DEVICE_MAX_AGE_S = 365 * 24 * 3600  # a school year and some: renewed at each sign-in
MAX_ACCOUNTS = 40  # a class's shared tablet knows its whole class; the oldest drop out first
_SALT = "handteach-known-device"  # a session token does not pass as a device token, nor the reverse


@dataclass(frozen=True)
class KnownDevice:
    """A browser (``device_id``, random) and the accounts that signed in on it, oldest first, each with the
    fingerprint of the password it signed in with (``prints``, the same order)."""

    device_id: str
    accounts: tuple[int, ...]
    prints: tuple[str, ...] = ()

    def key(self, account_id: int, password_hash: str) -> str | None:
        """The key this browser's failed tries at ``account_id`` are counted under, or None: not known here, or
        known with a password the account no longer has (``password_hash``, its hash now)."""
        known = dict(zip(self.accounts, self.prints, strict=False)).get(int(account_id))
        return f"device:{self.device_id}:{int(account_id)}" if known == fingerprint(password_hash) else None


def _serializer(store: Database) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(server_secret(store), salt=_SALT)


def known_device(store: Database, token: object) -> KnownDevice | None:
    """The device a token names while it holds, else None."""
    if not isinstance(token, str) or not token or len(token) > 2000:
        return None
    try:
        data = _serializer(store).loads(token, max_age=DEVICE_MAX_AGE_S)
        device_id, pairs = str(data["d"]), [(int(a), str(p)) for a, p in data["a"]]
    except (BadSignature, KeyError, TypeError, ValueError):  # SignatureExpired is a BadSignature
        return None
    accounts, prints = tuple(a for a, _ in pairs), tuple(p for _, p in pairs)
    return KnownDevice(device_id, accounts, prints) if len(device_id) == 22 else None


def remember_device(store: Database, token: object, account_id: int, password_hash: str) -> str:
    """The device token after ``account_id`` signed in with the password whose hash is ``password_hash`` on the
    browser that holds ``token`` (a new browser id when it holds none that is valid)."""
    known = known_device(store, token)
    device_id = known.device_id if known else secrets.token_urlsafe(16)
    before = zip(known.accounts, known.prints, strict=False) if known else ()
    pairs = [(a, p) for a, p in before if a != int(account_id)]
    pairs.append((int(account_id), fingerprint(password_hash)))
    return _serializer(store).dumps({"d": device_id, "a": pairs[-MAX_ACCOUNTS:]})

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
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

from core.classes.session import server_secret
from core.data.database import Database

DEVICE_MAX_AGE_S = 365 * 24 * 3600  # a school year and some: renewed at each sign-in
MAX_ACCOUNTS = 40  # a class's shared tablet knows its whole class; the oldest drop out first
_SALT = "handteach-known-device"  # a session token does not pass as a device token, nor the reverse


@dataclass(frozen=True)
class KnownDevice:
    """A browser (``device_id``, random) and the accounts that signed in on it, oldest first."""

    device_id: str
    accounts: tuple[int, ...]

    def key(self, account_id: int) -> str | None:
        """The key this browser's failed tries at ``account_id`` are counted under, or None: not known here."""
        return f"device:{self.device_id}:{int(account_id)}" if int(account_id) in self.accounts else None


def _serializer(store: Database) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(server_secret(store.data_dir), salt=_SALT)


def known_device(store: Database, token: object) -> KnownDevice | None:
    """The device a token names while it holds, else None."""
    if not isinstance(token, str) or not token or len(token) > 2000:
        return None
    try:
        data = _serializer(store).loads(token, max_age=DEVICE_MAX_AGE_S)
        device_id, accounts = str(data["d"]), tuple(int(a) for a in data["a"])
    except (BadSignature, KeyError, TypeError, ValueError):  # SignatureExpired is a BadSignature
        return None
    return KnownDevice(device_id, accounts) if len(device_id) == 22 else None


def remember_device(store: Database, token: object, account_id: int) -> str:
    """The device token after ``account_id`` signed in on the browser that holds ``token`` (a new browser id when
    it holds none that is valid)."""
    known = known_device(store, token)
    device_id = known.device_id if known else secrets.token_urlsafe(16)
    accounts = [a for a in (known.accounts if known else ()) if a != int(account_id)] + [int(account_id)]
    return _serializer(store).dumps({"d": device_id, "a": accounts[-MAX_ACCOUNTS:]})

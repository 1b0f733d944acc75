"""Signing in with a school's own accounts (OIDC through Streamlit's ``st.login``): which member of a class a
verified e-mail address is.

The school's identity provider says who someone is (the claims of its ID token, as ``st.user`` gives them); the
teacher says who belongs here, in one of two ways:

- a member's own address (``python -m core class add-student 7B Ana --email ana@school.org``, or ``class set-email``
  for someone already in the class, the teacher included): that address signs in as that account, with its own
  projects and the same ownership checks as a password;
- a whole e-mail domain (``class allow-domain 7B school.org``): every address of it joins the class as a student at
  its first sign-in, named as the provider names them (their address when that name is taken or unusable).

Only an address the provider says it verified (``email_verified`` true) counts, compared in lower case; an address
neither listed nor of an allowed domain is nobody here. A provider sign-in older than ``SESSION_MAX_AGE_S`` (its
``iat``) counts as signed out, as a password session's cookie does. Deleting the student deletes the address with
the account (an allowed domain lets the person join again, with nothing of before).
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass

from core.classes.access import Viewer
from core.classes.names import check_name
from core.classes.roster import _ACCOUNT_COLUMNS, Account, _account, _insert_account, account_row, class_row
from core.classes.session import SESSION_MAX_AGE_S
from core.data.sql.database import Database
from core.data.sql.schema import DuplicateNameError, NotFoundError, StoreError

MAX_EMAIL_CHARS = 254  # RFC 5321's longest path
NO_PASSWORD = "!school-account"  # a password column no password matches (not a scrypt hash: verify says False)
_DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}")


class IdentityError(StoreError):
    """An e-mail address or domain that cannot be listed; the message names it."""


@dataclass(frozen=True)
class Identity:
    """What the school's identity provider says of the person signed in with it."""

    email: str  # verified by the provider, lower case
    name: str  # the provider's display name, '' when it gives none
    signed_in_at: float  # Unix seconds: the ID token's ``iat``


def clean_domain(value: object) -> str:
    """A domain as stored (lower case, a leading '@' dropped); ``IdentityError`` naming it when it is not one."""
    domain = str(value).strip().lower().removeprefix("@") if isinstance(value, str) else ""
    if not _DOMAIN.fullmatch(domain):
        raise IdentityError(f"{value!r} is not an e-mail domain such as school.org")
    return domain


def clean_email(value: object) -> str:
    """An address as stored (lower case); ``IdentityError`` naming it when it is not one."""
    email = value.strip().lower() if isinstance(value, str) else ""
    local, at, domain = email.rpartition("@")
    ok = at and local and len(email) <= MAX_EMAIL_CHARS and not re.search(r"[\s\x00-\x1f\x7f]", local)
    try:
        ok = ok and clean_domain(domain) == domain
    except IdentityError:
        ok = False
    if not ok:
        raise IdentityError(f"{value!r} is not an e-mail address such as ana@school.org")
    return email


def identity_from_claims(claims: Mapping[str, object]) -> Identity | None:
    """The identity in a provider's claims; None without a verified address or a sign-in time (``iat``)."""
    issued = claims.get("iat")
    if claims.get("email_verified") is not True or not isinstance(issued, int | float) or isinstance(issued, bool):
        return None
    try:
        email = clean_email(claims.get("email"))
    except IdentityError:
        return None
    name = claims.get("name")
    return Identity(email, name.strip() if isinstance(name, str) else "", float(issued))


def too_old(identity: Identity, now: float | None = None, max_age_s: float = SESSION_MAX_AGE_S) -> bool:
    """Whether the provider's sign-in is older than a session may last (or dated ahead, past clock skew)."""
    now = time.time() if now is None else now
    return not now - max_age_s <= identity.signed_in_at <= now + 300  # five minutes of skew between the servers


def set_email(store: Database, class_name: str, name: str, email: str) -> Account:
    """Let ``email`` sign in as the member ``name`` of the class; ``DuplicateNameError`` when another has it."""
    email = clean_email(email)
    with store.write_transaction() as conn:
        account = account_row(conn, class_row(conn, class_name).id, check_name(name, "name"))
        if account is None:
            raise NotFoundError(f"class {class_name!r} has nobody named {name!r}")
        if conn.execute("SELECT 1 FROM accounts WHERE email = ? AND id != ?", (email, account.id)).fetchone():
            raise DuplicateNameError(f"{email!r} already signs in as someone on this server")
        conn.execute("UPDATE accounts SET email = ? WHERE id = ?", (email, account.id))
        return account


def add_email_student(store: Database, class_name: str, name: str, email: str) -> Account:
    """A new student who signs in with the school's account ``email`` only (no password until one is reset)."""
    name, email = check_name(name, "student's name"), clean_email(email)
    with store.write_transaction() as conn:
        cid = class_row(conn, class_name).id
        if conn.execute("SELECT 1 FROM accounts WHERE email = ?", (email,)).fetchone():
            raise DuplicateNameError(f"{email!r} already signs in as someone on this server")
        aid = _insert_account(conn, cid, "student", name, NO_PASSWORD)
        conn.execute("UPDATE accounts SET email = ? WHERE id = ?", (email, aid))
        return _account(conn.execute(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE id = ?", (aid,)).fetchone())


def allow_domain(store: Database, class_name: str, domain: str) -> str:
    """Let every verified address at ``domain`` join the class; ``DuplicateNameError`` when another class has it."""
    domain = clean_domain(domain)
    with store.write_transaction() as conn:
        cid = class_row(conn, class_name).id
        row = conn.execute("SELECT school_class_id FROM class_domains WHERE domain = ?", (domain,)).fetchone()
        if row is not None and row[0] != cid:
            raise DuplicateNameError(f"addresses at {domain!r} already join another class on this server")
        conn.execute("INSERT OR IGNORE INTO class_domains (domain, school_class_id) VALUES (?, ?)", (domain, cid))
    return domain


def remove_domain(store: Database, class_name: str, domain: str) -> str:
    """New addresses at ``domain`` no longer join the class (those who joined stay members)."""
    domain = clean_domain(domain)
    with store.write_transaction() as conn:
        cid = class_row(conn, class_name).id
        if not conn.execute(
            "DELETE FROM class_domains WHERE domain = ? AND school_class_id = ?", (domain, cid)
        ).rowcount:
            raise NotFoundError(f"class {class_name!r} does not let addresses at {domain!r} join")
    return domain


def address_of(store: Database, account_id: int) -> str | None:
    """The school account's address that signs in as ``account_id`` now (None: none, or the account is gone)."""
    with store.read_connection() as conn:
        row = conn.execute("SELECT email FROM accounts WHERE id = ?", (int(account_id),)).fetchone()
    return None if row is None else row[0]


def school_accounts(store: Database) -> dict[int, str]:
    """Account id -> the school account's address, for every member who has one."""
    with store.read_connection() as conn:
        return dict(conn.execute("SELECT id, email FROM accounts WHERE email IS NOT NULL"))


def class_domains(store: Database, class_name: str) -> list[str]:
    with store.read_connection() as conn:
        cid = class_row(conn, class_name).id
        return [r[0] for r in conn.execute("SELECT domain FROM class_domains WHERE school_class_id = ? "
                                           "ORDER BY domain", (cid,))]  # fmt: skip


def viewer_for_identity(store: Database, identity: Identity, now: float | None = None) -> Viewer | None:
    """The member ``identity``'s address is, made a student when its domain is allowed; None: nobody here.
    Each call counts as a sign-in (``last_seen``): call it once a session, not on every page."""
    now = time.time() if now is None else now
    columns = "id, school_class_id, role, name"
    with store.write_transaction() as conn:
        row = conn.execute(f"SELECT {columns} FROM accounts WHERE email = ?", (identity.email,)).fetchone()
        if row is None:
            joins = conn.execute("SELECT school_class_id FROM class_domains WHERE domain = ?",
                                 (identity.email.rpartition("@")[2],)).fetchone()  # fmt: skip
            if joins is None:
                return None
            aid = _join(conn, int(joins[0]), identity)
            if aid is None:
                return None
            row = conn.execute(f"SELECT {columns} FROM accounts WHERE id = ?", (aid,)).fetchone()
        conn.execute("UPDATE accounts SET last_seen = ? WHERE id = ?", (now, row[0]))
    return Viewer(int(row[0]), int(row[1]), row[2], row[3])


def _join(conn: sqlite3.Connection, class_id: int, identity: Identity) -> int | None:
    """A new student account of the class for ``identity``: named as the provider names them, else by address."""
    for name in (identity.name, identity.email[:100]):
        try:
            aid = _insert_account(conn, class_id, "student", check_name(name, "name"), NO_PASSWORD)
        except StoreError:  # empty, too long or taken: the next name
            continue
        conn.execute("UPDATE accounts SET email = ? WHERE id = ?", (identity.email, aid))
        return aid
    return None

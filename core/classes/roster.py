"""Classes and their accounts in the store's database: a class (name, join code, retention, crops allowed), its
teacher and its students (a name and a password the teacher set; no email).

Every function takes the ``Store`` (or any ``Database``) of the server's data directory and is one read or one
transaction. Names are kept as typed (``core.classes.names``); passwords only as scrypt hashes.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from core.classes.access import Role
from core.classes.names import LookAlikeError, check_name, check_new_name, clash, new_name, same_name_key
from core.classes.passwords import hash_password, new_join_code
from core.data.sql.database import Database
from core.data.sql.schema import DuplicateNameError, NotFoundError, StoreError

DEFAULT_RETENTION_DAYS = 30
MAX_RETENTION_DAYS = 3650
_CLASS_COLUMNS = "id, name, code, retention_days, crops_allowed, created_at"
_ACCOUNT_COLUMNS = "id, school_class_id, role, name, created_at, last_seen"


@dataclass(frozen=True)
class SchoolClass:
    """One class on this server."""

    id: int
    name: str  # as the teacher typed it
    code: str  # the 6-character join code students type
    retention_days: int  # crops older than this are deleted
    crops_allowed: bool  # False: the class's projects keep keypoints only
    created_at: float  # Unix seconds


@dataclass(frozen=True)
class Account:
    """A teacher or a student of a class (the password hash never leaves ``core.classes``)."""

    id: int
    class_id: int
    role: Role
    name: str  # as typed
    created_at: float  # Unix seconds
    last_seen: float | None  # the last sign-in, None before the first


def _school_class(row: tuple) -> SchoolClass:
    return SchoolClass(row[0], row[1], row[2], int(row[3]), bool(row[4]), float(row[5]))


def _account(row: tuple) -> Account:
    return Account(row[0], row[1], row[2], row[3], float(row[4]), row[5])


def check_retention(days: object) -> int:
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_RETENTION_DAYS:
        raise StoreError(f"retention must be a whole number of days from 1 to {MAX_RETENTION_DAYS}, got {days!r}")
    return days


CLASS_SERVER = "class_server"  # server_settings' key: set by the first class, cleared only by ``leave_class_mode``


def class_mode(store: Database) -> bool:
    """Whether this server serves classes (then everyone signs in): from the first class created until
    ``leave_class_mode``, also while no class is open; False on a store that never had one."""
    with store.read_connection() as conn:
        return conn.execute("SELECT 1 FROM server_settings WHERE key = ?", (CLASS_SERVER,)).fetchone() is not None


def any_class(store: Database) -> bool:
    with store.read_connection() as conn:
        return conn.execute("SELECT 1 FROM school_classes LIMIT 1").fetchone() is not None


def leave_class_mode(store: Database) -> None:
    """Back to one person's app (no sign-in; every project open to whoever opens the page); refused while a class
    is open, so a class is never left without its sign-in."""
    with store.write_transaction() as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM school_classes ORDER BY name")]
        if names:
            raise StoreError(f"classes are still open on this server ({', '.join(map(repr, names))}): end them "
                             "first, so no class is left without signing in")  # fmt: skip
        conn.execute("DELETE FROM server_settings WHERE key = ?", (CLASS_SERVER,))


def create_class(store: Database, name: str, teacher: str, teacher_password: str,
                 retention_days: int = DEFAULT_RETENTION_DAYS, crops_allowed: bool = False) -> SchoolClass:  # fmt: skip
    """A new class with its teacher's account and a new join code; ``DuplicateNameError`` for a taken class name."""
    name, teacher = new_name(name, "class name"), new_name(teacher, "teacher's name")
    secret, days = hash_password(teacher_password), check_retention(retention_days)
    with store.write_transaction() as conn:
        found = clash(name, [r[0] for r in conn.execute("SELECT name FROM school_classes")])
        if found is not None and found[1]:
            raise DuplicateNameError(f"a class named {name!r} already exists on this server")
        if found is not None:
            raise LookAlikeError(f"{name!r} looks just like the class {found[0]!r} on this server: choose a name "
                                 "that can be told apart")  # fmt: skip
        code = new_join_code()
        while conn.execute("SELECT 1 FROM school_classes WHERE code = ?", (code,)).fetchone():
            code = new_join_code()
        cur = conn.execute(
            "INSERT INTO school_classes (name, name_key, code, retention_days, crops_allowed, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (name, same_name_key(name), code, days, int(bool(crops_allowed)), time.time()),
        )
        _insert_account(conn, int(cur.lastrowid), "teacher", teacher, secret)
        conn.execute("INSERT INTO server_settings (key, value) VALUES (?, '1') ON CONFLICT (key) DO UPDATE SET value = "
                     "excluded.value", (CLASS_SERVER,))  # fmt: skip
        return _school_class(conn.execute(f"SELECT {_CLASS_COLUMNS} FROM school_classes WHERE id = ?",
                                          (cur.lastrowid,)).fetchone())  # fmt: skip


def _insert_account(conn: sqlite3.Connection, class_id: int, role: Role, name: str, secret: str) -> int:
    """A new account of the class, its name checked against everyone's in the class (``check_new_name``: the same
    name, or one that looks like it) and stored as that rule returns it; the one insert of every account."""
    members = [r[0] for r in conn.execute("SELECT name FROM accounts WHERE school_class_id = ?", (class_id,))]
    name = check_new_name(name, members, "teacher's name" if role == "teacher" else "student's name")
    key = same_name_key(name)
    cur = conn.execute(
        "INSERT INTO accounts (school_class_id, role, name, name_key, password, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (class_id, role, name, key, secret, time.time()),
    )
    return int(cur.lastrowid)


def list_classes(store: Database) -> list[SchoolClass]:
    with store.read_connection() as conn:
        return [_school_class(r) for r in conn.execute(f"SELECT {_CLASS_COLUMNS} FROM school_classes ORDER BY id")]


def class_row(conn: sqlite3.Connection, name: str) -> SchoolClass:
    """The class named ``name`` (regardless of case), on a connection of the store; ``NotFoundError``."""
    row = conn.execute(f"SELECT {_CLASS_COLUMNS} FROM school_classes WHERE name_key = ?",
                       (same_name_key(check_name(name, "class name")),)).fetchone()  # fmt: skip
    if row is None:
        raise NotFoundError(f"no class named {name!r} on this server")
    return _school_class(row)


def get_class(store: Database, name: str) -> SchoolClass:
    with store.read_connection() as conn:
        return class_row(conn, name)


def class_by_id(store: Database, class_id: int) -> SchoolClass:
    """The class with row id ``class_id`` (a signed-in viewer's); ``NotFoundError`` once it has ended."""
    with store.read_connection() as conn:
        row = conn.execute(f"SELECT {_CLASS_COLUMNS} FROM school_classes WHERE id = ?", (int(class_id),)).fetchone()
    if row is None:
        raise NotFoundError("this class has ended")
    return _school_class(row)


def students_of(conn: sqlite3.Connection, class_id: int) -> list[Account]:
    """The class's students by name (not its teacher), on a connection of the store."""
    rows = conn.execute(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE school_class_id = ? AND role = 'student' "
                        "ORDER BY name_key", (int(class_id),))  # fmt: skip
    return [_account(r) for r in rows]


def class_by_code(conn: sqlite3.Connection, code: str) -> SchoolClass | None:
    row = conn.execute(f"SELECT {_CLASS_COLUMNS} FROM school_classes WHERE code = ?", (code,)).fetchone()
    return None if row is None else _school_class(row)


def account_row(conn: sqlite3.Connection, class_id: int, name: str) -> Account | None:
    row = conn.execute(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE school_class_id = ? AND name_key = ?",
                       (class_id, same_name_key(name))).fetchone()  # fmt: skip
    return None if row is None else _account(row)


def accounts(store: Database, class_name: str) -> list[Account]:
    """The class's teacher first, then its students by name."""
    with store.read_connection() as conn:
        cid = class_row(conn, class_name).id
        rows = conn.execute(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE school_class_id = ? "
                            "ORDER BY role = 'student', name_key", (cid,))  # fmt: skip
        return [_account(r) for r in rows]


def add_student(store: Database, class_name: str, name: str, password: str) -> Account:
    """A new student of the class with the password their teacher chose; ``DuplicateNameError`` for a taken name."""
    name, secret = new_name(name, "student's name"), hash_password(password)
    with store.write_transaction() as conn:
        cid = class_row(conn, class_name).id
        aid = _insert_account(conn, cid, "student", name, secret)
        return _account(conn.execute(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE id = ?", (aid,)).fetchone())


def reset_password(store: Database, class_name: str, name: str, password: str) -> Account:
    """Give a member of the class (a student, or the teacher) a new password; the old one stops working at once."""
    secret = hash_password(password)
    with store.write_transaction() as conn:
        cid = class_row(conn, class_name).id
        account = account_row(conn, cid, check_name(name, "name"))
        if account is None:
            raise NotFoundError(f"class {class_name!r} has nobody named {name!r}")
        conn.execute("UPDATE accounts SET password = ? WHERE id = ?", (secret, account.id))
        conn.execute("DELETE FROM sessions WHERE account_id = ?", (account.id,))  # signed out everywhere, at once
        return account

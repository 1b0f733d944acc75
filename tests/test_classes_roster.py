"""Classes and accounts (core.classes.roster) in a real store (SQLite; the marked tests on PostgreSQL too), migrated
from the schema before classes."""

from __future__ import annotations

import sqlite3

import pytest
from pgcluster import both_databases

from core.classes import passwords
from core.classes.names import BadNameError, LookAlikeError
from core.classes.removal import end_class
from core.classes.roster import (
    accounts,
    add_student,
    any_class,
    class_mode,
    create_class,
    get_class,
    leave_class_mode,
    list_classes,
    reset_password,
)
from core.data.sql.schema import DB_NAME, DuplicateNameError, NotFoundError, StoreError
from core.data.store import Store
from tests.storemaker import old_schema


@both_databases
def test_a_class_with_its_teacher_and_students(store_database, tmp_path) -> None:
    store = Store(tmp_path)
    assert not class_mode(store) and list_classes(store) == []
    made = create_class(store, "7B 🌱", "Ms Ng", "teacher-pass")
    assert class_mode(store)
    assert (made.name, made.retention_days, made.crops_allowed, len(made.code)) == ("7B 🌱", 30, False, 6)
    assert get_class(store, "7b 🌱") == made  # regardless of case
    add_student(store, "7B 🌱", "Zoë <b>", "zoe-pass")
    add_student(store, "7B 🌱", "ana", "ana-pass")
    people = accounts(store, "7B 🌱")
    assert [(a.role, a.name) for a in people] == [("teacher", "Ms Ng"), ("student", "ana"), ("student", "Zoë <b>")]
    with store.read_connection() as conn:  # only the scrypt hash is stored
        stored = [r[0] for r in conn.execute("SELECT password FROM accounts")]
    assert all(s.startswith(f"scrypt${passwords.SCRYPT_N}$8$1$") for s in stored) and "zoe-pass" not in str(stored)


@both_databases
def test_taken_and_bad_names_are_refused_and_nothing_is_stored(store_database, tmp_path) -> None:
    store = Store(tmp_path)
    create_class(store, "7B", "Ms Ng", "teacher-pass")
    with pytest.raises(DuplicateNameError, match="a class named '7b' already exists"):
        create_class(store, "7b", "Mr X", "teacher-pass")
    add_student(store, "7B", "Ana", "ana-pass")
    with pytest.raises(DuplicateNameError, match="the class already has someone named 'Ana' .'ANA' is the same name"):
        add_student(store, "7B", "ANA", "other-pass")
    with pytest.raises(BadNameError, match="10,000 characters long"):
        add_student(store, "7B", "x" * 10_000, "other-pass")
    with pytest.raises(BadNameError, match="is empty"):
        create_class(store, "", "Mr X", "teacher-pass")
    with pytest.raises(NotFoundError, match="no class named '8C'"):
        add_student(store, "8C", "Ben", "ben-pass")
    with pytest.raises(StoreError, match="retention must be a whole number of days from 1 to 3650"):
        create_class(store, "8C", "Mr X", "teacher-pass", retention_days=0)
    assert [len(accounts(store, c.name)) for c in list_classes(store)] == [2]


@both_databases
def test_reset_password(store_database, tmp_path) -> None:
    from core.classes.signin import SignInError, sign_in

    store = Store(tmp_path)
    code = create_class(store, "7B", "Ms Ng", "teacher-pass").code
    add_student(store, "7B", "Ana", "ana-pass")
    reset_password(store, "7B", "ana", "new-pass-9")
    assert sign_in(store, code, "Ana", "new-pass-9", "10.0.0.1").name == "Ana"
    with pytest.raises(SignInError):
        sign_in(store, code, "Ana", "ana-pass", "10.0.0.1")
    with pytest.raises(NotFoundError, match="class '7B' has nobody named 'Cy'"):
        reset_password(store, "7B", "Cy", "new-pass-9")


def test_an_older_store_is_migrated_and_its_projects_belong_to_nobody(tmp_path) -> None:
    with sqlite3.connect(tmp_path / DB_NAME) as conn:
        old_schema(conn, 5)  # the schema before classes, with a project in it
        conn.execute("INSERT INTO projects (name, created_at, uid) VALUES ('mine', 0, 'abc')")
    migrated = Store(tmp_path)
    assert migrated.list_projects() == ["mine"] and not class_mode(migrated)
    with sqlite3.connect(tmp_path / DB_NAME) as conn:
        assert conn.execute("SELECT owner, shared FROM projects WHERE name = 'mine'").fetchone() == (None, 0)


@both_databases
def test_the_server_stays_a_class_server_after_its_last_class_ends(store_database, tmp_path) -> None:
    store = Store(tmp_path)
    create_class(store, "7B", "Ms Ng", "teacher-pass")
    with pytest.raises(StoreError, match=r"classes are still open on this server \('7B'\): end them first"):
        leave_class_mode(store)
    assert class_mode(store)
    end_class(store, "7B")
    assert class_mode(store) and not any_class(store)  # still asks everyone to sign in: nobody can, until a class
    leave_class_mode(store)
    assert not class_mode(store)


def test_a_store_that_had_a_class_before_the_setting_stays_a_class_server(tmp_path) -> None:
    with sqlite3.connect(tmp_path / DB_NAME) as conn:
        old_schema(conn, 7)  # classes, before the server's settings
        conn.execute("INSERT INTO school_classes (name, name_key, code, created_at) VALUES ('7B', '7b', 'ABC123', 0)")
    assert class_mode(Store(tmp_path))
    with sqlite3.connect(tmp_path / "other.sqlite") as conn:
        old_schema(conn, 7)
    (tmp_path / "none").mkdir()
    (tmp_path / "other.sqlite").rename(tmp_path / "none" / DB_NAME)
    assert not class_mode(Store(tmp_path / "none"))


def test_a_classmates_look_alike_or_an_invisible_name_is_refused_and_nothing_is_stored(tmp_path) -> None:
    """Issue 63 item 15: a classmate's name with a Cyrillic "А", or with a zero-width space inside, was added and
    looked identical on the teacher's roster and delete list; item 11: a right-to-left override broke every page."""
    store = Store(tmp_path)
    create_class(store, "7B", "Ms Ng", "teacher-pass")
    add_student(store, "7B", "Ana", "ana-pass")
    for name, refused in (("\u0410na", LookAlikeError), ("An\u200ba", BadNameError), ("\u202eanA", BadNameError),
                          ("MS NG", DuplicateNameError), ("M\u0455 Ng", LookAlikeError)):  # fmt: skip
        with pytest.raises(refused) as caught:
            add_student(store, "7B", name, "other-pass")
        assert "\n" not in str(caught.value)
    with pytest.raises(LookAlikeError, match="looks just like the class '7B'"):
        create_class(store, "7\u0412", "Mr X", "teacher-pass")  # a Cyrillic "В"
    assert add_student(store, "7B", "  Ana\u00a0 Lee ", "lee-pass").name == "Ana Lee"  # a pasted no-break space
    assert [a.name for a in accounts(store, "7B")] == ["Ms Ng", "Ana", "Ana Lee"]
    assert [c.name for c in list_classes(store)] == ["7B"]

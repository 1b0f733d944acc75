"""A list of names becomes students all or nothing (core.classes.batch) on a real store: blanks skipped, the same
line merged, every bad line said in one line each and nothing added, ONE write transaction (a classmate added by
another thread while the list's passwords are hashed rolls the whole list back); new passwords for one or all; a
rename. Each handout signs in."""

from __future__ import annotations

import threading
import time

import pytest
from pgcluster import both_databases

from core.classes.batch import MAX_NAMES, BatchError, add_students, new_passwords, read_names, rename_student
from core.classes.passwords import hash_password
from core.classes.roster import _insert_account, accounts, add_student, class_row, create_class
from core.classes.signin import SignInError, sign_in
from core.data.sql.schema import DuplicateNameError, NotFoundError
from core.data.store import Store

NOTHING = "Nothing was added: change these lines and add the list again."


@pytest.fixture
def store(store_database: str, tmp_path) -> Store:
    """Ms Ng's class 7B with Ana, on SQLite (and on PostgreSQL too for the tests marked ``both_databases``)."""
    made = Store(tmp_path)
    create_class(made, "7B", "Ms Ng", "teacher-pass")
    add_student(made, "7B", "Ana", "ana-pass-1")
    return made


def _code(store: Store) -> str:
    with store.read_connection() as conn:
        return conn.execute("SELECT code FROM school_classes").fetchone()[0]


def _names(store: Store) -> list[str]:
    return [a.name for a in accounts(store, "7B")]


@both_databases
def test_a_list_with_blanks_and_a_repeated_line_adds_each_name_once_and_each_signs_in(store: Store) -> None:
    pasted = "Ben\n\n   \n  Zoë  \r\n<b>Cy</b>\n**Dee** [x](https://evil.test)\nBen\n"
    added = add_students(store, "7B", pasted)
    assert [h.name for h in added.handouts] == ["Ben", "Zoë", "<b>Cy</b>", "**Dee** [x](https://evil.test)"]
    assert [a.name for a in added.accounts] == [h.name for h in added.handouts]  # as typed, in the list's order
    assert added.merged == ["line 7: 'Ben' is on line 1 too: added once"]
    assert _names(store) == ["Ms Ng", "**Dee** [x](https://evil.test)", "<b>Cy</b>", "Ana", "Ben", "Zoë"]
    code = _code(store)
    for handout in added.handouts[:2]:  # each handout is that student's password (two: scrypt is slow)
        assert sign_in(store, code, handout.name, handout.password, "10.0.0.1").name == handout.name

    pictured = add_students(store, "7B", "Eve", pictures=True).handouts[0]
    assert pictured.password == "" and len(pictured.pictures) >= 2
    assert sign_in(store, code, "Eve", pictured.secret, "10.0.0.2").name == "Eve"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("pasted", "lines"),
    [("Ben\nBEN", ["line 2: 'BEN' is the same name to sign in with as 'Ben' on line 1: tell them apart"]),
     ("Ben\nАna", ["line 2: 'Аna' looks just like 'Ana', already in the class"]),  # a Cyrillic А
     ("Ben\nana", ["line 2: 'ana' is the same name to sign in with as 'Ana', already in the class"]),
     ("Ben\nAna", ["line 2: the class already has someone named 'Ana'"]),
     ("Ben\n" + "x" * 101, ["line 2 ('xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'…): the name is 101 characters long"]),
     ("Ben\nBo\u200bb\nC\td", ["line 2 ('Bo\\u200bb'): the name holds an invisible", "line 3 ('C\\td'): the name holds"]),
     ("\n".join(f"kid {i}" for i in range(1000)), ["The list has 1,000 names: at most 100 at a time."]),
     ("\n \n\t\n", ["The list has no names"])],
)  # fmt: skip
def test_a_bad_list_is_said_one_line_a_name_and_nothing_is_added(store: Store, pasted: str, lines: list[str]) -> None:
    with pytest.raises(BatchError) as refused:
        add_students(store, "7B", pasted)
    said = refused.value.lines
    assert len(said) == len(lines) + (0 if lines[0].startswith("The list") else 1), said
    assert all(line.startswith(start) for line, start in zip(said, lines, strict=False)), said
    assert lines[0].startswith("The list") or said[-1] == NOTHING
    assert _names(store) == ["Ms Ng", "Ana"]  # Ben, the good name of each list, was not added either


@pytest.mark.slow
@both_databases
def test_the_list_goes_in_one_transaction_a_classmate_added_meanwhile_rolls_it_all_back(store: Store) -> None:
    """30 names, checked against the class while another writer's insert of the 30th name is not yet committed
    (so the check passes); their passwords take a second or more to hash; the list's insert then finds the name
    taken and none of the 29 before it stays."""
    names = [f"Kid {i:02d}" for i in range(30)]
    failed: list[BatchError] = []

    def add_all() -> None:
        try:
            add_students(store, "7B", "\n".join(names))
        except BatchError as exc:
            failed.append(exc)

    worker = threading.Thread(target=add_all)
    with store.write_transaction() as conn:  # the teacher's other tab, adding Kid 29 at the same moment
        _insert_account(conn, class_row(conn, "7B").id, "student", "Kid 29", hash_password("kid-pass-1"))
        worker.start()
        time.sleep(0.4)  # the list is checked in milliseconds, before this commit; its hashing takes >= 1 s
    worker.join(timeout=60)
    assert failed and failed[0].lines == ["line 30: the class already has someone named 'Kid 29'", NOTHING]
    assert _names(store) == ["Ms Ng", "Ana", "Kid 29"]


def test_read_names_counts_only_lines_with_a_name(store: Store) -> None:
    listed = read_names("\n" * 2000 + "\n".join(["Ana", "Ben"] * (MAX_NAMES // 2)))  # 2,000 blank lines, 100 names
    assert listed.names == ["Ana", "Ben"] and len(listed.merged) == MAX_NAMES - 2 and not listed.problems
    assert listed.merged[0] == "line 2003: 'Ana' is on line 2001 too: added once"


def test_new_passwords_for_one_or_every_student_and_the_old_ones_stop(store: Store) -> None:
    add_students(store, "7B", "Ben\nZoë")
    code = _code(store)
    (ana,) = new_passwords(store, "7B", ["ana"])
    assert ana.name == "Ana" and ana.password != "ana-pass-1"
    with pytest.raises(SignInError):
        sign_in(store, code, "Ana", "ana-pass-1", "10.0.0.3")
    assert sign_in(store, code, "Ana", ana.password, "10.0.0.3").name == "Ana"
    everyone = new_passwords(store, "7B", pictures=True)
    assert [h.name for h in everyone] == ["Ana", "Ben", "Zoë"] and all(h.pictures for h in everyone)
    assert sign_in(store, code, "Zoë", everyone[2].secret, "10.0.0.4").name == "Zoë"
    with pytest.raises(NotFoundError, match="no student named 'Nobody'"):
        new_passwords(store, "7B", ["Ben", "Nobody"])
    with pytest.raises(NotFoundError, match="no student named 'Ms Ng'"):  # the teacher's is `reset-password`
        new_passwords(store, "7B", ["Ms Ng"])
    assert sign_in(store, code, "Ben", everyone[1].secret, "10.0.0.5").name == "Ben"  # unchanged by the refusals


def test_a_renamed_student_signs_in_with_the_new_name_and_the_same_password(store: Store) -> None:
    code = _code(store)
    assert rename_student(store, "7B", "ana", "  Ana B. ").name == "Ana B."
    assert sign_in(store, code, "Ana B.", "ana-pass-1", "10.0.0.6").name == "Ana B."
    with pytest.raises(SignInError):
        sign_in(store, code, "Ana", "ana-pass-1", "10.0.0.6")
    add_students(store, "7B", "Ben")
    with pytest.raises(DuplicateNameError, match="someone named 'Ben'"):
        rename_student(store, "7B", "Ana B.", "BEN")
    with pytest.raises(DuplicateNameError, match="looks just like 'Ben'"):
        rename_student(store, "7B", "Ana B.", "Веn")  # Cyrillic В and е
    with pytest.raises(NotFoundError, match="no student named 'Ms Ng'"):
        rename_student(store, "7B", "Ms Ng", "Boss")
    assert rename_student(store, "7B", "Ana B.", "ANA B.").name == "ANA B."  # only the case: still her name
    assert _names(store) == ["Ms Ng", "ANA B.", "Ben"]

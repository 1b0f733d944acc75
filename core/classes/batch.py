"""A list of names (one a line, pasted on the Class page or read from a file by ``class add-students``) becomes
students of a class, all or nothing, each with a made-up password or pictures to hand out on a card.

``read_names`` reads the list: blank lines skipped, each name as the class keeps new names (``core.classes.names
.new_name``: spaces trimmed, composed), the same name twice merged (said in one line); a line that cannot be a name
(empty of letters, too long, invisible characters), two lines that are one name to sign in with or look alike
(``names.clash``: "Ana" and "ANA", a Cyrillic "А"), a name that clashes so with a classmate's, and a list longer
than ``MAX_NAMES`` are each one line of a ``BatchError``, all said at once. ``add_students`` then makes the
passwords (hashed before the write lock is taken: scrypt costs about 0.1 s each) and inserts every account in ONE
write transaction through the roster's own insert, which checks each name again: one refused name rolls every
other back, so a list is never half added. The passwords are known only here: the store keeps their hashes, so the cards are printed
right after adding (or after new passwords: ``new_passwords``). ``rename_student`` gives a student another name
under the same rules (their projects, password and sign-in stay theirs).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.classes.names import check_name, check_new_name, clash, new_name, same_name_key
from core.classes.passwords import hash_password, new_password
from core.classes.pictures import new_pictures, picture_secret
from core.classes.roster import Account, _insert_account, account_row, class_row, students_of
from core.data.sql.database import Database
from core.data.sql.schema import NotFoundError, StoreError

MAX_NAMES = 100  # one list: a class is about 30; a pasted file of thousands of lines is refused before any work
NOTHING_ADDED = "Nothing was added: change these lines and add the list again."
_SHOWN_CHARS = 40  # a name quoted in a line is cut here (a 101-character name is said by its length)


class BatchError(StoreError):
    """A list that was refused, with one line per problem (``lines``); nothing of it was stored."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


@dataclass(frozen=True)
class Handout:
    """A password as it is handed out on a card: typed text, or pictures in order (then ``password`` is "")."""

    name: str  # as stored
    password: str
    pictures: tuple[str, ...] = ()

    @property
    def secret(self) -> str:
        """What the store hashes (``core.classes.pictures.picture_secret`` spells pictures as text)."""
        return picture_secret(*self.pictures) if self.pictures else self.password


@dataclass(frozen=True)
class NameList:
    """A list as read: the names to add, each once, in the list's order, the line each came on, and what was
    merged and refused (one line each)."""

    names: list[str]
    lines: dict[str, int]
    merged: list[str]
    problems: list[tuple[int, str]]  # (line, what is wrong with it)


@dataclass(frozen=True)
class Added:
    """What ``add_students`` stored: the accounts, their handouts (same order) and the merge lines."""

    accounts: list[Account]
    handouts: list[Handout]
    merged: list[str]


def quoted(name: str) -> str:
    """A name inside a line of ours: its repr (invisible characters show as escapes), cut when long."""
    return repr(name) if len(name) <= _SHOWN_CHARS else repr(name[:_SHOWN_CHARS]) + "…"


def made_up(name: str, pictures: bool) -> Handout:
    """A new password for ``name``: 8 letters and digits, or pictures (``core.classes.pictures.new_pictures``)."""
    return Handout(name, "", tuple(new_pictures())) if pictures else Handout(name, new_password())


def read_names(text: str) -> NameList:
    """The names of a pasted list and its problems (see the module docstring); ``BatchError`` for an empty list or
    one too long to read further."""
    lines = [(number, line.strip()) for number, line in enumerate(str(text).splitlines(), 1)]
    filled = [(number, line) for number, line in lines if line]
    if len(filled) > MAX_NAMES:
        raise BatchError([f"The list has {len(filled):,} names: at most {MAX_NAMES} at a time. Nothing was added."])
    if not filled:
        raise BatchError(["The list has no names: type or paste one name a line. Nothing was added."])
    names: list[str] = []
    merged: list[str] = []
    problems: list[tuple[int, str]] = []
    first_line: dict[str, int] = {}  # a name's text -> the line it first came on
    for number, typed in filled:
        try:
            name = new_name(typed, "the name")
        except StoreError as exc:
            problems.append((number, f"line {number} ({quoted(typed)}): {exc}"))
            continue
        if name in first_line:
            merged.append(f"line {number}: {quoted(name)} is on line {first_line[name]} too: added once")
            continue
        found = clash(name, names)
        first_line[name] = number
        if found is not None:
            other, same = found
            problems.append((number, f"line {number}: {quoted(name)} {_clash_words(same)} {quoted(other)} on line "
                                     f"{first_line[other]}: tell them apart (a surname's first letter, say)"))  # fmt: skip
            continue
        names.append(name)
    return NameList(names, first_line, merged, problems)


def add_students(store: Database, class_name: str, text: str, pictures: bool = False) -> Added:
    """Every name of the list ``text`` a student of the class, with a made-up password (or pictures), or none of
    them (``BatchError``, one line per name refused; ``NotFoundError`` for an unknown class)."""
    listed = read_names(text)
    with store.read_connection() as conn:  # said before the passwords' hashing (seconds for a class)
        cid = class_row(conn, class_name).id
        members = [r[0] for r in conn.execute("SELECT name FROM accounts WHERE school_class_id = ?", (cid,))]
    taken = [(listed.lines[name], _taken_line(listed.lines[name], name, *found)) for name in listed.names
             if (found := clash(name, members)) is not None]  # fmt: skip
    if listed.problems or taken:
        raise BatchError([line for _, line in sorted([*listed.problems, *taken])] + [NOTHING_ADDED])
    handouts = [made_up(name, pictures) for name in listed.names]
    secrets = [hash_password(h.secret) for h in handouts]
    problems: list[str] = []
    with store.write_transaction() as conn:
        cid = class_row(conn, class_name).id
        for handout, secret in zip(handouts, secrets, strict=True):
            try:  # the roster's insert: its name rules hold for a list as for one student
                _insert_account(conn, cid, "student", handout.name, secret)
            except StoreError as exc:
                problems.append(f"line {listed.lines[handout.name]}: {exc}")
        if problems:  # raised inside the transaction: the names inserted before roll back with it
            raise BatchError([*problems, NOTHING_ADDED])
        added = [account_row(conn, cid, h.name) for h in handouts]
    return Added([a for a in added if a is not None], handouts, listed.merged)


def _clash_words(same: bool) -> str:
    return "is the same name to sign in with as" if same else "looks just like"


def _taken_line(number: int, name: str, taken: str, same: bool) -> str:
    if name == taken:
        return f"line {number}: the class already has someone named {quoted(taken)}"
    return f"line {number}: {quoted(name)} {_clash_words(same)} {quoted(taken)}, already in the class"


def new_passwords(store: Database, class_name: str, names: list[str] | None = None,
                  pictures: bool = False) -> list[Handout]:  # fmt: skip
    """New made-up passwords (or pictures) for the named students, or every student with ``names`` None, in one
    transaction: each old password stops working at once. The handouts carry the names as stored, by name."""
    with store.read_connection() as conn:
        cid = class_row(conn, class_name).id
        if names is None:
            found = list(students_of(conn, cid))
        else:
            found = [account_row(conn, cid, check_name(n, "the name")) for n in names]
            missing = [quoted(n) for n, a in zip(names, found, strict=True) if a is None or a.role != "student"]
            if missing:
                raise NotFoundError(f"the class has no student named {', '.join(missing)}")
    handouts = [made_up(a.name, pictures) for a in found if a is not None]
    secrets = [hash_password(h.secret) for h in handouts]
    with store.write_transaction() as conn:
        for handout, secret in zip(handouts, secrets, strict=True):
            cur = conn.execute("UPDATE accounts SET password = ? WHERE school_class_id = ? AND name_key = ?",
                               (secret, cid, same_name_key(handout.name)))  # fmt: skip
            if cur.rowcount != 1:  # renamed or deleted meanwhile: none of the new passwords is kept
                raise NotFoundError(f"the class has no student named {quoted(handout.name)} any more: nothing "
                                    "was changed")  # fmt: skip
            # the old password's sessions end at once (core.classes.session)
            conn.execute("DELETE FROM sessions WHERE account_id IN (SELECT id FROM accounts WHERE school_class_id = ? "
                         "AND name_key = ?)", (cid, same_name_key(handout.name)))  # fmt: skip
    return handouts


def rename_student(store: Database, class_name: str, name: str, new_name: str) -> Account:
    """The student ``name`` is called ``new_name`` from now on (they sign in with it; their projects, password and
    open pages stay theirs); ``DuplicateNameError`` when a classmate has that name to sign in with or one that looks
    just like it (``core.classes.names.check_new_name``)."""
    with store.write_transaction() as conn:
        cid = class_row(conn, class_name).id
        account = account_row(conn, cid, check_name(name, "the name"))
        if account is None or account.role != "student":
            raise NotFoundError(f"the class has no student named {quoted(name)}")
        others = [r[0] for r in conn.execute("SELECT name FROM accounts WHERE school_class_id = ? AND id != ?",
                                             (cid, account.id))]  # fmt: skip
        renamed_to = check_new_name(new_name, others, "the new name")  # the same rule as a new student's
        conn.execute("UPDATE accounts SET name = ?, name_key = ? WHERE id = ?",
                     (renamed_to, same_name_key(renamed_to), account.id))  # fmt: skip
        renamed = account_row(conn, cid, renamed_to)
    assert renamed is not None
    return renamed

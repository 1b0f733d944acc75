"""``python -m core class ...``: the teacher's tool on the server for a class (``core.classes``).

``class create`` makes a class and its teacher's account and prints the join code; ``add-student`` and
``reset-password`` print the password to hand out (made up, or typed with ``--ask``: never on the command line,
where other users of the server would see it in the process list); ``delete-student`` and ``end`` print what went.
Registered by ``core.cli.registry``; it imports only the store.
"""

from __future__ import annotations

import argparse
import getpass
import time

from core.data.schema import StoreError

ACTIONS = ("create", "list", "add-student", "reset-password", "delete-student", "end")


def _password(args: argparse.Namespace, whose: str) -> tuple[str, bool]:
    """(password, made up): typed twice at a hidden prompt with ``--ask``, else made up to be printed."""
    from core.classes.passwords import check_password, new_password

    if not args.ask:
        return new_password(), True
    first = getpass.getpass(f"Password for {whose}: ")
    if getpass.getpass("Again: ") != first:
        raise StoreError("the two passwords differ: nothing was changed")
    return check_password(first), False


def _needs(args: argparse.Namespace, count: int, usage: str) -> list[str]:
    if len(args.names) != count:
        raise StoreError(f"class {args.action} needs {usage}")
    return list(args.names)


def _create(store, args: argparse.Namespace) -> None:  # noqa: ANN001 - a Store
    from core.classes.roster import create_class

    (name,) = _needs(args, 1, "the class's name: class create NAME")
    password, made = _password(args, args.teacher)
    made_class = create_class(store, name, args.teacher, password, args.retention_days, args.allow_crops)
    print(f"Class {made_class.name!r} created. Join code: {made_class.code}")
    print(f"Teacher: {args.teacher!r}" + (f", password: {password}" if made else ""))
    print(f"Pictures of hands: {'kept' if made_class.crops_allowed else 'not kept (keypoints only)'}; "
          f"anything kept is deleted after {made_class.retention_days} days")  # fmt: skip


def _list(store, args: argparse.Namespace) -> None:  # noqa: ANN001 - a Store
    from core.classes.roster import accounts, list_classes

    if not args.names:
        for school_class in list_classes(store):
            people = accounts(store, school_class.name)
            print(f"{school_class.name!r}  code {school_class.code}  {len(people) - 1} student(s)  "
                  f"crops {'kept' if school_class.crops_allowed else 'off'}  {school_class.retention_days} days")  # fmt: skip
        return
    (name,) = _needs(args, 1, "at most one class name: class list [CLASS]")
    owned = _projects_per_account(store)
    for account in accounts(store, name):
        seen = "never signed in" if account.last_seen is None else time.strftime(
            "last signed in %Y-%m-%d %H:%M", time.localtime(account.last_seen))  # fmt: skip
        print(f"{account.role:8} {account.name!r}  {owned.get(account.id, 0)} project(s)  {seen}")


def _projects_per_account(store) -> dict[int, int]:  # noqa: ANN001 - a Store
    with store.read_connection() as conn:
        return dict(conn.execute("SELECT owner, COUNT(*) FROM projects WHERE owner IS NOT NULL GROUP BY owner"))


def _member(store, args: argparse.Namespace) -> None:  # noqa: ANN001 - a Store
    from core.classes.roster import add_student, reset_password

    class_name, name = _needs(args, 2, f"a class and a name: class {args.action} CLASS NAME")
    password, made = _password(args, name)
    if args.action == "add-student":
        add_student(store, class_name, name, password)
        print(f"Student {name!r} added to {class_name!r}" + (f", password: {password}" if made else ""))
    else:
        account = reset_password(store, class_name, name, password)
        print(f"New password for {account.name!r}" + (f": {password}" if made else " set"))


def _remove(store, args: argparse.Namespace) -> None:  # noqa: ANN001 - a Store
    from core.classes.removal import delete_student, end_class

    if args.action == "end":
        (class_name,) = _needs(args, 1, "the class's name: class end CLASS")
        receipt = end_class(store, class_name)
    else:
        class_name, name = _needs(args, 2, "a class and a student: class delete-student CLASS NAME")
        receipt = delete_student(store, class_name, name)
    print("\n".join(receipt.lines()))


def class_command(args: argparse.Namespace) -> int:
    from core.data.store import Store

    store = Store(args.data)  # no viewer: the server's own tool sees every class
    {"create": _create, "list": _list, "add-student": _member, "reset-password": _member,
     "delete-student": _remove, "end": _remove}[args.action](store, args)  # fmt: skip
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    help_text = "a class on this server: create, list, add-student, reset-password, delete-student, end"
    p = sub.add_parser("class", help=help_text, description=help_text)
    p.set_defaults(handler=class_command)
    p.add_argument("action", choices=ACTIONS)
    p.add_argument("names", nargs="*", metavar="NAME",
                   help="create NAME | list [CLASS] | add-student CLASS NAME | reset-password CLASS NAME | "
                   "delete-student CLASS NAME | end CLASS")  # fmt: skip
    p.add_argument("--teacher", default="Teacher", help="create: the teacher's name (default: Teacher)")
    p.add_argument("--ask", action="store_true",
                   help="type the password at a hidden prompt instead of printing a made-up one")  # fmt: skip
    p.add_argument("--retention-days", type=int, default=30, metavar="DAYS",
                   help="create: how long pictures of hands are kept (default 30)")  # fmt: skip
    p.add_argument("--allow-crops", action="store_true",
                   help="create: keep pictures of hands (crops), not only keypoints")  # fmt: skip

"""``class add-students``, ``class cards`` and ``class rename-student``: what the Class page's *Add students*,
*Sign-in cards* and *Rename* do, on the server's command line (``core.cli.classes`` dispatches here).

``add-students CLASS --from FILE`` reads one name a line (``-``: standard input) and adds them all or none
(``core.classes.batch``), printing each password (or pictures); ``--out cards.html`` writes their sign-in cards
too. ``cards CLASS --out cards.html [NAME ...]`` gives every student (or those named) a NEW password and writes
their cards: a card cannot be made from a stored password, which is only a hash. ``--address`` is what students
open (the cards leave a line to write it in without it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.data.sql.schema import StoreError

MAX_LIST_BYTES = 1_000_000  # a list of names: a hundred names are a few kilobytes


def _list_text(source: str) -> str:
    """The list of names in ``source`` (a file, or ``-`` for standard input), read as UTF-8."""
    if source == "-":
        text = sys.stdin.read(MAX_LIST_BYTES + 1)
        where = "standard input"
    else:
        path = Path(source)
        if path.is_dir():
            raise StoreError(f"{source}: a folder; --from names a text file with one name a line")
        with path.open("rb") as handle:
            data = handle.read(MAX_LIST_BYTES + 1)
        where = source
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise StoreError(f"{source}: not UTF-8 text; save the list as UTF-8 (one name a line)") from None
    if len(text) > MAX_LIST_BYTES:
        raise StoreError(f"{where}: more than {MAX_LIST_BYTES:,} bytes: a list of names is a few kilobytes")
    return text


def _shown(handout) -> str:  # noqa: ANN001 - a core.classes.batch.Handout
    from core.classes.pictures import spoken

    return f"pictures: {spoken(*handout.pictures)}" if handout.pictures else f"password: {handout.password}"


def _write_cards(store, args: argparse.Namespace, class_name: str, handouts: list) -> None:  # noqa: ANN001
    from core.classes.cards import cards_page, is_local
    from core.classes.roster import get_class
    from core.io.atomic import write_text

    school_class = get_class(store, class_name)
    write_text(args.out, cards_page(school_class.name, school_class.code, args.address or "", handouts))
    print(f"Sign-in cards: {args.out} ({len(handouts)} card(s), eight a sheet: open it in a browser and print it)")
    if not args.address:
        print("No --address: each card leaves a line to write in the address students open (docs/class.md)")
    elif is_local(args.address):
        print(f"{args.address} opens only this machine: students on other computers need the server's network "
              "address over HTTPS (docs/class.md)")  # fmt: skip


def add_students(store, args: argparse.Namespace) -> None:  # noqa: ANN001 - a Store
    from core.classes.batch import add_students as add_all

    if len(args.names) != 1 or not args.from_file:
        raise StoreError("class add-students needs a class and a list: class add-students CLASS --from FILE")
    (class_name,) = args.names
    added = add_all(store, class_name, _list_text(args.from_file), pictures=args.picture)
    for line in added.merged:
        print(line)
    print(f"Added {len(added.handouts)} student(s) to {class_name!r}:")
    for handout in added.handouts:
        print(f"  {handout.name!r}  {_shown(handout)}")
    if args.out:
        _write_cards(store, args, class_name, added.handouts)


def cards(store, args: argparse.Namespace) -> None:  # noqa: ANN001 - a Store
    from core.classes.batch import new_passwords

    if not args.names or not args.out:
        raise StoreError("class cards needs a class and a file: class cards CLASS [NAME ...] --out cards.html")
    class_name, *names = args.names
    handouts = new_passwords(store, class_name, names or None, pictures=args.picture)
    if not handouts:
        raise StoreError(f"class {class_name!r} has no students yet: class add-students {class_name!r} --from FILE")
    who = "every student" if not names else ", ".join(repr(h.name) for h in handouts)
    print(f"New {'pictures' if args.picture else 'passwords'} for {who} of {class_name!r}: the old ones no longer work")
    _write_cards(store, args, class_name, handouts)


def rename_student(store, args: argparse.Namespace) -> None:  # noqa: ANN001 - a Store
    from core.classes.batch import rename_student as rename

    if len(args.names) != 3:
        raise StoreError("class rename-student needs a class, a name and the new name: "
                         "class rename-student CLASS NAME NEW_NAME")  # fmt: skip
    class_name, name, new_name = args.names
    account = rename(store, class_name, name, new_name)
    print(f"{name!r} is {account.name!r} now: they sign in with that name; their projects and password stay")

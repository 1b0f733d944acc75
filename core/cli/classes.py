"""``python -m core class ...``: the teacher's tool on the server for a class (``core.classes``).

``class create`` makes a class and its teacher's account and prints the join code; ``add-student`` and
``reset-password`` print the password to hand out (made up, or typed with ``--ask``: never on the command line,
where other users of the server would see it in the process list); ``delete-student`` and ``end`` print what went.
Once a class was created the server asks everyone to sign in, also when the last class has ended; ``class off``
(refused while a class is open) makes it one person's app again. ``add-students``, ``rename-student`` and
``cards`` (a list of names at once, sign-in cards to print) are in ``core.cli.class_lists``.
Where the school signs in with its own accounts (docs/class-signin.md): ``add-student --email`` adds a student who signs
in with that address, ``set-email`` gives a member an address, ``allow-domain`` / ``remove-domain`` let every
address of a domain join (``core.classes.identity``). ``unlock CLASS NAME`` forgets a name's failed sign-ins
(``core.classes.signin``): its owner, slowed by someone else's guesses, signs in at once.
Registered by ``core.cli.registry``; it imports only the store.
"""

from __future__ import annotations

import argparse
import getpass
import time

from core.data.sql.schema import StoreError

ACTIONS = (
    "create",
    "list",
    "add-student",
    "add-students",
    "rename-student",
    "cards",
    "reset-password",
    "unlock",
    "delete-student",
    "end",
    "set-email",
    "allow-domain",
    "remove-domain",
    "set",
    "off",
)


def _password(args: argparse.Namespace, whose: str) -> tuple[str, bool]:
    """(password, made up): typed twice at a hidden prompt with ``--ask``, else made up to be printed."""
    from core.classes.passwords import check_password, new_password

    if args.picture:  # two pictures (core.classes.pictures), always made up: printed as the pictures
        from core.classes.pictures import new_pictures, picture_secret

        return picture_secret(*new_pictures()), True
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
    if args.no_crops:
        raise StoreError("class create keeps no pictures of hands unless --allow-crops: --no-crops is for class set")
    days = 30 if args.retention_days is None else args.retention_days
    made_class = create_class(store, name, args.teacher, password, days, args.allow_crops)
    print(f"Class {made_class.name!r} created. Join code: {made_class.code}")
    print(f"Teacher: {args.teacher!r}" + (f", password: {password}" if made else ""))
    print(_rules_line(made_class))
    if store.shared:  # which data folder was named does not matter: the class is the database's
        from core.data.sql.database import database_url
        from core.data.sql.postgres import shown

        print(f"Stored in the database {shown(database_url())}: every app server on it serves the class, whatever "
              "its data folder")  # fmt: skip


def _rules_line(school_class) -> str:  # noqa: ANN001 - a SchoolClass
    return (f"Pictures of hands: {'kept' if school_class.crops_allowed else 'not kept (keypoints only)'}; "
            f"anything kept is deleted after {school_class.retention_days} days")  # fmt: skip


def _set(store, args: argparse.Namespace) -> None:  # noqa: ANN001 - a Store
    from core.classes.quotas import OPTIONS, limits_text, set_limits
    from core.classes.retention import change_rules
    from core.classes.roster import get_class

    (class_name,) = _needs(args, 1, "the class's name: class set CLASS --retention-days DAYS | --allow-crops | "
                                    "--no-crops | a limit (--samples N, --megabytes N, ...)")  # fmt: skip
    if args.allow_crops and args.no_crops:
        raise StoreError("class set takes --allow-crops or --no-crops, not both")
    crops = True if args.allow_crops else False if args.no_crops else None
    limits = {name: getattr(args, name) for name in OPTIONS if getattr(args, name) is not None}
    if crops is None and args.retention_days is None and not limits:
        raise StoreError("class set needs --retention-days DAYS, --allow-crops or --no-crops, or a limit "
                         f"({', '.join(OPTIONS.values())})")  # fmt: skip
    if limits:  # a class's limits (core.classes.quotas): what each student may store, how big and long a job
        print(f"Class {class_name!r}: {limits_text(set_limits(store, get_class(store, class_name).id, **limits))}")
    if crops is None and args.retention_days is None:
        return
    changed, gone = change_rules(store, class_name, args.retention_days, crops)
    print(f"Class {changed.name!r}: " + _rules_line(changed))
    if gone:
        print(f"Deleted {gone:,} picture(s) of hands; their keypoints stay")


def _list(store, args: argparse.Namespace) -> None:  # noqa: ANN001 - a Store
    from core.classes.identity import class_domains, school_accounts
    from core.classes.roster import accounts, list_classes

    if not args.names:
        for school_class in list_classes(store):
            people = accounts(store, school_class.name)
            print(f"{school_class.name!r}  code {school_class.code}  {len(people) - 1} student(s)  "
                  f"crops {'kept' if school_class.crops_allowed else 'off'}  {school_class.retention_days} days")  # fmt: skip
        return
    (name,) = _needs(args, 1, "at most one class name: class list [CLASS]")
    owned, emails = _projects_per_account(store), school_accounts(store)
    for account in accounts(store, name):
        seen = "never signed in" if account.last_seen is None else time.strftime(
            "last signed in %Y-%m-%d %H:%M", time.localtime(account.last_seen))  # fmt: skip
        print(f"{account.role:8} {account.name!r}  {owned.get(account.id, 0)} project(s)  {seen}"
              + (f"  school account {emails[account.id]}" if account.id in emails else ""))  # fmt: skip
    domains = class_domains(store, name)
    if domains:
        print(f"Every verified address at {', '.join(domains)} may join")


def _projects_per_account(store) -> dict[int, int]:  # noqa: ANN001 - a Store
    with store.read_connection() as conn:
        return dict(conn.execute("SELECT owner, COUNT(*) FROM projects WHERE owner IS NOT NULL GROUP BY owner"))


def _member(store, args: argparse.Namespace) -> None:  # noqa: ANN001 - a Store
    from core.classes.roster import add_student, reset_password

    class_name, name = _needs(args, 2, f"a class and a name: class {args.action} CLASS NAME")
    if args.email is not None or args.action == "set-email":
        _school_account(store, args, class_name, name)
        return
    password, made = _password(args, name)
    what, shown = _shown(password)
    if args.action == "add-student":
        add_student(store, class_name, name, password)
        print(f"Student {name!r} added to {class_name!r}" + (f", {what}: {shown}" if made else ""))
    else:
        account = reset_password(store, class_name, name, password)
        print(f"New {what} for {account.name!r}" + (f": {shown}" if made else " set"))


def _shown(password: str) -> tuple[str, str]:
    """(what, how it is printed) of a password: ("password", its text) or ("pictures", the two pictures)."""
    from core.classes.pictures import PREFIX, spoken

    if password.startswith(PREFIX):
        return "pictures", spoken(*password.removeprefix(PREFIX).split())
    return "password", password


def _school_account(store, args: argparse.Namespace, class_name: str, name: str) -> None:  # noqa: ANN001 - a Store
    from core.classes.identity import add_email_student, clean_email, set_email

    if args.email is None:
        raise StoreError("class set-email needs the address: class set-email CLASS NAME --email ADDRESS")
    if args.action == "add-student":
        add_email_student(store, class_name, name, args.email)
        print(f"Student {name!r} added to {class_name!r}: signs in with the school's account {clean_email(args.email)}")
    elif args.action == "set-email":
        account = set_email(store, class_name, name, args.email)
        print(f"{account.name!r} signs in with the school's account {clean_email(args.email)} too")
    else:
        raise StoreError(f"class {args.action} takes no --email")


def _domain(store, args: argparse.Namespace) -> None:  # noqa: ANN001 - a Store
    from core.classes.identity import allow_domain, class_domains, remove_domain

    class_name, domain = _needs(args, 2, f"a class and a domain: class {args.action} CLASS DOMAIN")
    if args.action == "allow-domain":
        print(f"Every verified address at {allow_domain(store, class_name, domain)!r} may join {class_name!r}")
    else:
        print(f"New addresses at {remove_domain(store, class_name, domain)!r} no longer join {class_name!r}")
    print(f"Domains of {class_name!r}: {', '.join(class_domains(store, class_name)) or 'none'}")


def _remove(store, args: argparse.Namespace) -> None:  # noqa: ANN001 - a Store
    from core.classes.removal import delete_student, end_class
    from core.classes.roster import any_class

    if args.action == "end":
        (class_name,) = _needs(args, 1, "the class's name: class end CLASS")
        receipt = end_class(store, class_name)
        print("\n".join(receipt.lines()))
        if not any_class(store):
            print("No class is open now: the server still asks everyone to sign in, and nobody can until a teacher "
                  "creates a class. 'class off' makes it one person's app again (no sign-in).")  # fmt: skip
        return
    class_name, name = _needs(args, 2, "a class and a student: class delete-student CLASS NAME")
    print("\n".join(delete_student(store, class_name, name).lines()))


def _unlock(store, args: argparse.Namespace) -> None:  # noqa: ANN001 - a Store
    from core.classes.signin import unlock

    class_name, name = _needs(args, 2, "the class's name and a member's name: class unlock CLASS NAME")
    forgotten = unlock(store, class_name, name)
    print(f"{name!r} of {class_name!r} can sign in at once: {forgotten:,} failed sign-in(s) forgotten")


def _off(store, args: argparse.Namespace) -> None:  # noqa: ANN001 - a Store
    from core.classes.roster import class_mode, leave_class_mode

    _needs(args, 0, "nothing: class off")
    if not class_mode(store):
        print("This server serves one person already: nobody signs in.")
        return
    leave_class_mode(store)
    print("This server is one person's app again: nobody signs in, and whoever opens its page sees every project "
          "on it. Run it on this machine only (docs/https.md).")  # fmt: skip


def class_command(args: argparse.Namespace) -> int:
    from core.data.store import Store

    store = Store(args.data)  # no viewer: the server's own tool sees every class
    from core.cli import class_lists

    {"create": _create, "list": _list, "add-student": _member, "reset-password": _member, "unlock": _unlock,
     "add-students": class_lists.add_students, "rename-student": class_lists.rename_student,
     "cards": class_lists.cards,
     "delete-student": _remove, "end": _remove, "set-email": _member, "allow-domain": _domain,
     "remove-domain": _domain, "set": _set, "off": _off}[args.action](store, args)  # fmt: skip
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    help_text = (
        "a class on this server: create, list, add-student, add-students, rename-student, cards, reset-password, "
        "delete-student, end, "
        "set-email, allow-domain, remove-domain, set, unlock, off"
    )
    p = sub.add_parser("class", help=help_text, description=help_text)
    p.set_defaults(handler=class_command)
    p.add_argument("action", choices=ACTIONS)
    p.add_argument("names", nargs="*", metavar="NAME",
                   help="create NAME | list [CLASS] | add-student CLASS NAME | add-students CLASS --from FILE | "
                   "rename-student CLASS NAME NEW_NAME | cards CLASS [NAME ...] --out FILE | reset-password CLASS NAME | "
                   "unlock CLASS NAME | delete-student CLASS NAME | end CLASS | set-email CLASS NAME --email ADDRESS | "
                   "allow-domain CLASS DOMAIN | remove-domain CLASS DOMAIN | set CLASS [--retention-days DAYS] "
                   "[--allow-crops | --no-crops] | off")  # fmt: skip
    p.add_argument("--email", metavar="ADDRESS",
                   help="add-student, set-email: the school account (verified e-mail) they sign in with")  # fmt: skip
    p.add_argument("--teacher", default="Teacher", help="create: the teacher's name (default: Teacher)")
    p.add_argument("--picture", action="store_true",
                   help="add-student(s), reset-password, cards: pictures instead of a password (young students)")  # fmt: skip
    p.add_argument("--from", dest="from_file", metavar="FILE",
                   help="add-students: a text file with one name a line (- reads standard input)")  # fmt: skip
    p.add_argument("--out", metavar="FILE",
                   help="add-students, cards: write the sign-in cards to print (an HTML page, eight a sheet)")  # fmt: skip
    p.add_argument("--address", metavar="URL",
                   help="add-students, cards: the address students open, printed on each card")  # fmt: skip
    p.add_argument("--ask", action="store_true",
                   help="type the password at a hidden prompt instead of printing a made-up one")  # fmt: skip
    p.add_argument("--retention-days", type=int, metavar="DAYS",
                   help="create, set: how long pictures of hands are kept (default 30)")  # fmt: skip
    p.add_argument("--allow-crops", action="store_true",
                   help="create, set: keep pictures of hands (crops), not only keypoints")  # fmt: skip
    p.add_argument("--no-crops", action="store_true",
                   help="set: keep keypoints only, and delete the class's pictures of hands now")  # fmt: skip
    from core.classes.quotas import BOUNDS, DEFAULTS, OPTIONS  # the store's side only: no torch, no Streamlit

    limit_help = {"samples": "samples (and clips) each student may hold", "megabytes": "MB each student's samples "
                  "may take", "layers": "hidden layers of a student's gesture model", "width": "neurons of its widest "
                  "layer", "epochs": "passes over the samples of a training", "job_seconds": "seconds a student's "
                  "job may run before it is stopped", "projects": "projects each student may own", "gestures":
                  "gestures in one project of a student's"}  # fmt: skip
    for name, option in OPTIONS.items():
        low, high = BOUNDS[name]
        p.add_argument(option, dest=name, type=int, metavar="N", help=f"set: at most N {limit_help[name]} "
                       f"({low:,}-{high:,}; default {getattr(DEFAULTS, name):,})")  # fmt: skip

"""Names people type (class, teacher, student, project and gesture names): one rule for all of them.

* A new name (``new_name``) is composed (NFC), its spaces made plain single spaces and trimmed; it holds 1 to
  ``MAX_NAME_CHARS`` characters, no line break, and nothing invisible or that turns the text around
  (``core.classes.name_chars.hidden_char``: a zero-width space inside, a right-to-left override...). Project and
  gesture names follow the same characters' rule in ``core.gestures.catalog.validate_name`` (64 characters).
* Two names are the same name regardless of case and accents' composition (``same_name_key``, stored beside a
  person's or class's name, UNIQUE per class; ``name_key`` for projects and gestures).
  A new name of a class is also refused beside one that is the same typed without accents ("Zoe" beside "Zoë":
  sign-in takes "Zoe" for "Zoë", ``core.classes.name_typing``).
* A new name may not look like another of its class (``check_new_name``: a Cyrillic "А" for a Latin "A", "rn"
  for "m", in capitals or not; ``name_chars.look_alike``): on the teacher's roster the two would be one. The same
  ``clash`` keeps a gesture from looking like another of its project and a project from looking like any on the
  server (``core.data.projects``: ``check_gesture_free``, ``ProjectStore.reserve_name``).
* What is built from a person's name leaves room for it: their first project is named from its first characters
  (``core.classes.first_project``).

A name already stored is found by ``check_name`` as it was kept (older names may break today's rule), so nothing
stored becomes unreachable; names are stored as ``new_name`` returns them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from core.classes.name_chars import describe, hidden_char, look_alike, look_keys, shows_nothing, skeleton
from core.classes.name_typing import typed_key
from core.data.saved_models.project_folders import MAX_NAME_BYTES
from core.data.sql.schema import DuplicateNameError, StoreError
from core.gestures.catalog import MAX_NAME_LENGTH, InvalidNameError, validate_name

MAX_NAME_CHARS = 100
FIRST_PROJECT = "{}'s gestures"  # a person's first project, named for them
SUFFIX_CHARS = 7  # " " and 6 random letters and digits, where someone of the same name has the plain one


class BadNameError(StoreError):
    """A name that cannot be kept; the message says why in one line."""


class LookAlikeError(DuplicateNameError):
    """A new name that looks like one already there (the two could not be told apart on a list)."""


def check_name(value: object, what: str) -> str:
    """``value`` unchanged when it can name something stored; ``BadNameError`` saying why not (empty, too long, a
    line break). For looking a name up: a new name goes through ``new_name``."""
    if not isinstance(value, str):
        raise BadNameError(f"{what} must be text, got {type(value).__name__}")
    if not value.strip():
        raise BadNameError(f"{what} is empty: type 1 to {MAX_NAME_CHARS} characters")
    if len(value) > MAX_NAME_CHARS:
        raise BadNameError(f"{what} is {len(value):,} characters long: at most {MAX_NAME_CHARS}")
    if any(unicodedata.category(c) == "Cc" for c in value):  # a line break or terminal escape is never a name
        raise BadNameError(f"{what} holds a line break or control character: type it on one line")
    return value


def new_name(value: object, what: str) -> str:
    """A new name as it will be stored (see the module), or ``BadNameError`` saying in one line why it cannot be."""
    text = " ".join(unicodedata.normalize("NFC", check_name(value, what)).split())  # a pasted no-break space too
    hidden = hidden_char(text)
    if hidden:
        raise BadNameError(f"{what} holds an invisible or direction character ({describe(hidden)}): it would "
                           "look like another name or turn the line round; type it again without it")  # fmt: skip
    if shows_nothing(text):
        raise BadNameError(f"{what} shows no letter or digit: type 1 to {MAX_NAME_CHARS} characters")
    if len(text) > MAX_NAME_CHARS:  # NFC may compose fewer, never more; kept for clarity
        raise BadNameError(f"{what} is {len(text):,} characters long: at most {MAX_NAME_CHARS}")
    return text


def name_key(name: str) -> str:
    """What two names must share to be the same name: composed (NFC), then case-folded."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


def same_name_key(name: str) -> str:
    """What two names of one class must share to be the same name (stored beside the name, UNIQUE per class)."""
    return name_key(name.strip())


def clash(name: str, existing: Iterable[str]) -> tuple[str, bool] | None:
    """(the one of ``existing`` that ``name`` clashes with, whether it is the same name rather than a look-alike),
    or None when ``name`` may stand beside all of them."""
    names = list(existing)
    key, typed = same_name_key(name), typed_key(name)  # "Zoe" beside "Zoë": both sign in as "Zoe"
    same = next((n for n in names if same_name_key(n) == key or typed_key(n) == typed), None)
    if same is not None:
        return same, True
    alike = next((n for n in names if look_alike(n, name)), None)
    return None if alike is None else (alike, False)


def check_new_name(name: object, existing: Iterable[str], what: str = "student's name") -> str:
    """A new name of a class (``new_name``) checked against the names already in it (``existing``): the name as it
    will be stored; ``BadNameError``, ``DuplicateNameError`` (the same name) or ``LookAlikeError``, in one line.

    The one check for a person's new name: ``core.classes.roster`` inserts every account through it, and a list
    being added checks each of its names against the class and the list's earlier names."""
    cleaned = new_name(name, what)
    found = clash(cleaned, existing)
    if found is None:
        return cleaned
    other, same = found
    if same:
        note = "" if other == cleaned else f" ({cleaned!r} is the same name to sign in with)"
        raise DuplicateNameError(f"the class already has someone named {other!r}{note}")
    raise LookAlikeError(f"{cleaned!r} looks just like {other!r}, already in the class: add a letter or an initial "
                         "so that the two can be told apart")  # fmt: skip


def project_base(person: str) -> str:
    """The first characters of ``person``'s name that their first project's name can hold (``FIRST_PROJECT``, and
    room for a suffix): no slash, nothing invisible, at most 64 characters and 200 bytes in all ("my" if nothing
    is left). A 58-character name, or one kept from before today's rule, still gets a first project."""
    text = unicodedata.normalize("NFC", person).replace("/", "-").replace("\\", "-")
    text = " ".join("".join(c for c in text if not hidden_char(c)).split())
    while ".." in text:
        text = text.replace("..", ".")
    room = MAX_NAME_LENGTH - len(FIRST_PROJECT.format("")) - SUFFIX_CHARS
    longest = MAX_NAME_BYTES - len(FIRST_PROJECT.format("").encode()) - SUFFIX_CHARS
    text = text[:room]
    while len(text.encode()) > longest:
        text = text[:-1]
    text = text.rstrip("\ufe0f\u200d\u200c .")  # a joiner or an emoji's selector cut from what it joined
    try:
        validate_name(FIRST_PROJECT.format(text) + " x" * 3, "project name")
    except InvalidNameError:
        return "my"
    return text if text and not shows_nothing(text) else "my"


def _first_project_of(project: str) -> str | None:
    """Whose first project ``project``'s name says it is (the name before "'s gestures", as its look-alike key),
    or None for a name of another form ("Ana's gestures (remix)" is a remix, not a first project)."""
    text = skeleton(" ".join(unicodedata.normalize("NFKC", project).split()).casefold())
    marker = skeleton(FIRST_PROJECT.format("").casefold())
    at = text.rfind(marker)
    rest = text[at + len(marker) :]
    if at <= 0 or (rest and not (rest[0] == " " and rest[1:].isalnum())):
        return None
    return text[:at].strip()


def kept_for_another(project: str, person: str) -> bool:
    """Whether ``project`` is named as someone else's first project ("Ben's gestures", "Ben's gestures 4") when
    ``person`` would make it: refused, whether or not Ben has signed in, so nobody can take a classmate's first
    project nor learn from a refusal that it exists."""
    owner = _first_project_of(project)
    return owner is not None and owner not in look_keys(project_base(person))

"""The name rules of a project's gestures and of projects among each other: one gesture per name regardless of case
and none looking just like another (``core.classes.names.clash``), a project's name free of every other project's.

A gesture is compared as a person sees it (``core.classes.name_chars.shown_keys``): "thumbs up" beside the gesture
"thumbs_up" (shown "👍 thumbs up"), or "❔ unknоwn" with a Cyrillic "о" beside the model's own "❔ unknown", would be
two cards, list entries and screen-reader sayings nobody could tell apart; every way a gesture is made or renamed
(Record, a rename, a CSV or project-file import, motion classes and body poses) passes ``check_gesture_free``."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

from core.classes.name_chars import shown_alike, shown_words
from core.classes.names import LookAlikeError, clash, name_key
from core.data.sql.emoji import validate_emoji
from core.data.sql.schema import DuplicateNameError, NotFoundError
from core.gestures.catalog import GestureClass, InvalidNameError, validate_name
from core.types import UNKNOWN_LABEL

# what the app itself shows where a gesture's name would be: Live's and the outputs' label for a hand no gesture of
# the model matches, and the outputs' word for a frame with no hand
RESERVED_SHOWN = (UNKNOWN_LABEL, "no hand")


def same_name(name: str, names: Iterable[str]) -> str | None:
    """The one of ``names`` equal to ``name``, else equal regardless of case and of how its accents are composed
    (NFC; names are stored stripped, older ones perhaps not composed), or None."""
    names = list(names)
    name = name.strip()
    if name in names:
        return name
    key = name_key(name)
    return next((n for n in names if name_key(n) == key), None)


def same_gesture(name: str, names: Iterable[str]) -> str | None:
    """The gesture of ``names`` that ``name`` denotes: the same name (``same_name``), else the one shown with the
    same words ("Thumbs up" is the built-in "thumbs_up", as a card shows it); a look-alike denotes none."""
    names = list(names)
    found = same_name(name, names)
    if found is not None:
        return found
    key = name_key(shown_words(name))
    return next((n for n in names if name_key(shown_words(n)) == key), None)


def project_clash(conn: sqlite3.Connection, name: str, besides: int | None = None) -> tuple[int, str, bool] | None:
    """(id, name, whether the same name rather than a look-alike) of a project other than ``besides`` whose name is
    ``name`` regardless of case (the two would share a model folder on macOS or Windows), else one that looks just
    like it ("аna-signs" in Cyrillic "а" beside "ana-signs": ``core.classes.names.clash``); None when it is free."""
    rows = {str(n): int(i) for n, i in conn.execute("SELECT name, id FROM projects") if i != besides}
    exact = rows.get(name.strip())
    found = (name.strip(), True) if exact is not None else clash(name, rows)
    return None if found is None else (rows[found[0]], found[0], found[1])


def check_gesture_free(name: str, existing: Iterable[str]) -> None:
    """``DuplicateNameError`` when a gesture of the project has the name ``name`` regardless of case ("Peace" beside
    "peace"), ``LookAlikeError`` when one looks just like it (a Cyrillic "оk" beside "ok"): two gestures nobody could
    tell apart on the page (``core.classes.names.clash``, the rule of every typed name), or shows as it does
    ("thumbs up" beside "thumbs_up", "👍 fist" beside "fist": ``shown_alike``); ``InvalidNameError`` when it shows
    as a word the app says itself (``RESERVED_SHOWN``)."""
    reserved = next((word for word in RESERVED_SHOWN if shown_alike(name, word)), None)
    if reserved is not None:
        raise InvalidNameError(f"class name {name!r} shows as {reserved!r}, a word the app shows itself (for a hand no "
                               "gesture matches, or none in view): choose another name")  # fmt: skip
    names = list(existing)
    found = clash(name, names)
    if found is None:
        alike = next((other for other in names if shown_alike(name, other)), None)
        found = None if alike is None else (alike, False)
    if found is None:
        return
    other, same = found
    if same:
        raise DuplicateNameError(f"the project already has a class named {other!r}")
    raise LookAlikeError(f"{name!r} looks just like the class {other!r}: choose a name that looks different")


def class_rows(classes: Sequence[GestureClass]) -> list[tuple[str, str, str]]:
    """(name, emoji, mirror) of each class, checked as a set: valid and unique names, mirrors among them."""
    rows = [(validate_name(c.name, "class name"), validate_emoji(c.emoji), c.mirror) for c in classes]
    names: list[str] = []
    for name, _, _ in rows:
        check_gesture_free(name, names)
        names.append(name)
    for name, _, mirror in rows:
        if mirror and mirror not in names:
            raise NotFoundError(f"class {name!r}: its mirror {mirror!r} is not a class of the project")
    return [(name, emoji, "" if mirror == name else mirror) for name, emoji, mirror in rows]

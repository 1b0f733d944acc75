"""Names people type in a class (class, teacher and student names): any Unicode, 1 to 100 characters,
stored and returned exactly as typed; two names are the same name regardless of case and accents' composition."""

from __future__ import annotations

import unicodedata

from core.data.schema import StoreError

MAX_NAME_CHARS = 100


class BadNameError(StoreError):
    """A name that cannot be kept; the message says why in one line."""


def check_name(value: object, what: str) -> str:
    """``value`` unchanged when it is a usable name; ``BadNameError`` saying why not (empty, too long, a line break)."""
    if not isinstance(value, str):
        raise BadNameError(f"{what} must be text, got {type(value).__name__}")
    if not value.strip():
        raise BadNameError(f"{what} is empty: type 1 to {MAX_NAME_CHARS} characters")
    if len(value) > MAX_NAME_CHARS:
        raise BadNameError(f"{what} is {len(value):,} characters long: at most {MAX_NAME_CHARS}")
    if any(unicodedata.category(c) == "Cc" for c in value):  # a line break or terminal escape is never a name
        raise BadNameError(f"{what} holds a line break or control character: type it on one line")
    return value


def same_name_key(name: str) -> str:
    """What two names of one class must share to be the same name (stored beside the name, UNIQUE per class)."""
    from core.data.projects import name_key  # the one rule for projects' names too

    return name_key(name.strip())

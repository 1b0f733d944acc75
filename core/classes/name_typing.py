"""How a name may be typed at sign-in: without its accents and in any capitals ("Zoe" or "ZOË" for "Zoë").

A card prints "Zoë"; a child on an English keyboard types "Zoe". ``typed_key`` is what a typed name and a stored
name share when one is the other with accents left off (or added) and capitals changed: the accents of Latin and
Greek letters (é, ë, ễ, ά: Unicode's combining diacritical marks after such a letter) and the few letters an
English keyboard cannot type that are a plain letter with a stroke (đ, ø, ł, ı) or two joined (æ, œ; ß is "ss").
Everything else stays: a Cyrillic "о" is not a Latin "o" (a look-alike never signs in as a classmate), a Cyrillic
"й" is not "и", a Japanese "が" is not "か", a Devanagari vowel sign is part of its word.

``core.classes.signin`` finds a name by its stored key first (``core.classes.names.same_name_key``: case only), and
by ``typed_key`` only when that finds nobody and exactly one of the class has that key: "Zoe" in a class with both
a Zoe and a Zoë is Zoe, and "Zoé" there is nobody. ``plain_spelling`` is what a card suggests typing.
"""

from __future__ import annotations

import unicodedata

# the combining diacritical marks (U+0300-036F), their extended and supplement blocks
_MARKS = ((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF))
_SCRIPTS = ("LATIN ", "GREEK ")  # letters whose accents are left off on an English keyboard
_PLAIN = str.maketrans({"đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "ı": "i", "æ": "ae", "Æ": "AE",
                        "œ": "oe", "Œ": "OE", "ß": "ss", "ẞ": "SS"})  # fmt: skip


def _accent(char: str) -> bool:
    return any(lo <= ord(char) <= hi for lo, hi in _MARKS)


def plain_spelling(name: str) -> str:
    """``name`` as an English keyboard types it, capitals kept: "Nguyễn Văn Ân" → "Nguyen Van An", "Łukasz" →
    "Lukasz", "Андрей" unchanged."""
    kept: list[str] = []
    base = ""  # the letter the marks that follow belong to
    for char in unicodedata.normalize("NFD", name):
        if _accent(char) and unicodedata.name(base, "").startswith(_SCRIPTS):
            continue
        if not unicodedata.combining(char):
            base = char
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept).translate(_PLAIN))


def typed_key(name: str) -> str:
    """What a name typed at sign-in and a stored name share when they differ only by accents, capitals or spaces."""
    return unicodedata.normalize("NFC", " ".join(plain_spelling(name).split()).casefold())


def typing_hint(name: str) -> str:
    """How a card says ``name`` may be typed ("" when it has no accents to leave off)."""
    plain = plain_spelling(name)
    return "" if plain == unicodedata.normalize("NFC", name) else plain

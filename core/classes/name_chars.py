"""The characters of a typed name: which may be in it, and when two names look alike (``core.classes.names``).

One rule for every name a person types (class, teacher, student, project and gesture names). It lives in this
leaf module, importing nothing of ``core``, so that ``core.gestures.catalog`` (which ``core.data.sql.schema``
imports) applies it too without an import circle; ``core.classes.names`` is where the rule is told and used.

* ``hidden_char``: a character that shows as nothing, or as a space although it is not one, or turns the text
  around (zero-width space, the bidi overrides and isolates, soft hyphen, tag characters, private use, line
  separators, a no-break or other unusual space, a Hangul filler or a blank Braille cell...). A zero-width
  joiner or non-joiner is kept only where it does a joiner's work (an emoji sequence 👩‍🏫, after a virama, a
  Persian word), tag characters only in a flag. Such names would look like another, or turn a line round.
* ``look_keys``: what two names share when they look alike: Unicode's confusables (UTS #39's skeleton, from the
  data ``confusable-homoglyphs`` ships: Cyrillic "А" is Latin "A", "rn" is "m", "I" is "l"), regardless of case.
  Two names look alike when any of their keys is the same (``look_alike``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

_ZWJ, _ZWNJ = "\u200d", "\u200c"  # the zero-width joiner (👩‍🏫) and non-joiner (Persian words)
_JOINERS = (_ZWJ, _ZWNJ)
_VIRAMA = 9  # the canonical combining class of a virama, after which a joiner chooses a letter's form
_ARABIC = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
_TAGS = range(0xE0020, 0xE0080)  # a subdivision flag's letters, after U+1F3F4 and up to U+E007F
_BLACK_FLAG = "\U0001f3f4"
_REFUSED = ("Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp")
_SHOWN = ("L", "N", "S", "P")  # a name shows at least one letter, digit, symbol or punctuation mark
_LRM = "\u200e"  # confusable-homoglyphs' data wraps right-to-left characters in left-to-right marks
# Characters that show as nothing although they are not format characters: the combining grapheme joiner, the
# Hangul fillers (letters!), Mongolian variation selectors, the blank Braille cell, Khmer's two inherent vowels
# (marks that Unicode says never to use: "Ana" with U+17B4 after it was a second "Ana").
_BLANK = frozenset("\u034f\u115f\u1160\u3164\uffa0\u180b\u180c\u180d\u180f\u2800\u17b4\u17b5")
# What UTS #39 drops before comparing (default-ignorable): those, and the variation selectors (☝ is ☝️), the
# supplementary ones too (VS17-VS256: a Japanese name's ideographic variant, and nothing at all after "Ana").
_IGNORED = _BLANK | frozenset(map(chr, [*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)]))
_SOFT_DOT = re.compile("(?<=[ij])\u0307")  # a dot above on a letter with its own ("ı" and U+0307 is "i")


def _arabic(char: str) -> bool:
    return any(lo <= ord(char) <= hi for lo, hi in _ARABIC)


def _joins(before: str, joiner: str, after: str) -> bool:
    """Whether a zero-width (non-)joiner between ``before`` and ``after`` does a joiner's work (IDNA's CONTEXTJ,
    simplified): after a virama (Devanagari, Malayalam...), a non-joiner between two Arabic-script letters
    (Persian), a joiner inside an emoji sequence."""
    if unicodedata.combining(before) == _VIRAMA:
        return True
    if joiner == _ZWNJ:
        return _arabic(before) and _arabic(after)
    return _emoji(before) and _emoji(after)


def _emoji(char: str) -> bool:
    """Whether ``char`` can be part of an emoji sequence (a pictograph, a skin tone, VS16, a keycap)."""
    return unicodedata.category(char) in ("So", "Sk") or char in ("\ufe0f", "\u20e3")


def _in_flag(text: str, i: int) -> bool:
    """Whether ``text[i]`` is one of a flag's tag characters (🏴 then tags only)."""
    start = text.rfind(_BLACK_FLAG, 0, i)
    return start >= 0 and all(ord(c) in _TAGS for c in text[start + 1 : i])


def hidden_char(text: str) -> str:
    """The first character of ``text`` (NFC) that must not be in a name (see the module), or "" if none."""
    for i, char in enumerate(text):
        category = unicodedata.category(char)
        if char in _JOINERS and 0 < i < len(text) - 1 and _joins(text[i - 1], char, text[i + 1]):
            continue
        if ord(char) in _TAGS and _in_flag(text, i):
            continue
        if category in _REFUSED or (category == "Zs" and char != " ") or char in _BLANK:
            return char
    return ""


def describe(char: str) -> str:
    """``U+200B ZERO WIDTH SPACE``: a character named in a line, never the character itself."""
    return f"U+{ord(char):04X} {unicodedata.name(char, 'unnamed')}"


def shows_nothing(text: str) -> bool:
    """Whether ``text`` has no letter, digit, symbol or punctuation mark (only accents or spaces)."""
    return not any(unicodedata.category(c)[0] in _SHOWN for c in text)


@cache
def _prototypes() -> dict[str, str]:
    """Each confusable character → the text it is confused with (its UTS #39 prototype), built once.

    The package keeps confusables.txt's pairs both ways (a prototype lists its sources; a source lists its one
    prototype). A source is one code point with one neighbour; where a pair stands alone (neither has another
    neighbour) the direction is lost and the smaller of the two stands for both, which compares the same."""
    from confusable_homoglyphs.utils import load  # its data file alone: the package's module would keep 10 MB

    graph = {k.replace(_LRM, ""): [e["c"].replace(_LRM, "") for e in v] for k, v in load("confusables.json").items()}
    table = {}
    for char, near in graph.items():
        if len(char) != 1 or len(near) != 1 or near[0] == char:
            continue  # a sequence, or a prototype with several sources: it stands for itself
        other = near[0]
        alone = len(other) == 1 and len(graph.get(other, ())) == 1
        table[char] = min(char, other) if alone else other
    return table


def skeleton(text: str) -> str:
    """UTS #39's skeleton of ``text``: decomposed, default-ignorables dropped, each character its prototype; a dot
    above an "i" or "j" dropped (it shows as their own dot: "Alı̇" with a dotless "ı" looks like "Ali")."""
    table = _prototypes()
    out = unicodedata.normalize("NFD", text)
    for _ in range(2):  # a prototype's own characters are prototypes: twice reaches the fixed point
        kept = (c for c in out if unicodedata.category(c) != "Cf" and c not in _IGNORED)
        out = _SOFT_DOT.sub("", unicodedata.normalize("NFD", "".join(table.get(c, c) for c in kept)))
    return out


@cache
def _small_capitals() -> dict[int, str]:
    """Small capital letters (ᴀ, ɴ, ʀ: no confusable of UTS #39, and NFKC keeps them) → their letter: "ᴀɴᴀ" reads
    as "ANA", which is "Ana" in capitals."""
    table = {}
    for start, end in ((0x0250, 0x02B0), (0x1D00, 0x1D80), (0xA700, 0xA800)):
        for code in range(start, end):
            kind, _, letter = unicodedata.name(chr(code), "").rpartition(" ")
            if kind == "LATIN LETTER SMALL CAPITAL" and len(letter) == 1:
                table[code] = letter.lower()
    return table


@lru_cache(maxsize=4096)  # a list of 100 names checked against a class and each other: each name's keys once
def look_keys(name: str) -> frozenset[str]:
    """The keys ``name`` shares with every name that looks like it, in capitals or not: the skeleton of its
    case-folded form, and of the case-folded skeleton ("ALI" in Cyrillic "А" looks like "Ali"; "Ian" like "lan"),
    small capitals as capitals ("ᴀɴᴀ" like "Ana")."""
    text = " ".join(unicodedata.normalize("NFKC", name).translate(_small_capitals()).split())
    return frozenset((skeleton(text.casefold()), skeleton(skeleton(text).casefold())))


def look_alike(a: str, b: str) -> bool:
    return not look_keys(a).isdisjoint(look_keys(b))


def _decoration(char: str) -> bool:
    """An emoji or its parts (a pictograph, a skin tone, VS16, a keycap, a joiner, a flag's tags), or a space."""
    return _emoji(char) or unicodedata.category(char) in ("Cf", "Zs") or char in _IGNORED


def shown_words(name: str) -> str:
    """``name`` as a gesture's card, list and screen reader give it beside its emoji: NFKC, an underscore read as
    a space (the built-in "thumbs_up" shows as "thumbs up"), the emoji before and after its words left off (a
    gesture "👍 thumbs up" shows as "thumbs_up" with its emoji 👍 does), spaces single. A name of emoji alone
    keeps them: "👍" and "👎" are two names."""
    text = unicodedata.normalize("NFKC", name).replace("_", " ")
    start, end = 0, len(text)
    while start < end and _decoration(text[start]):
        start += 1
    while end > start and _decoration(text[end - 1]):
        end -= 1
    words = text[start:end]
    return " ".join((words if any(unicodedata.category(c)[0] in "LN" for c in words) else text).split())


def shown_keys(name: str) -> frozenset[str]:
    """What two gesture names share when a person sees the same thing for both (``shown_words``, then
    ``look_keys``: case, NFKC and look-alike characters): "thumbs up" and "thumbs_up", "❔ unknоwn" (Cyrillic "о")
    and "unknown"."""
    return look_keys(shown_words(name))


def shown_alike(a: str, b: str) -> bool:
    return not shown_keys(a).isdisjoint(shown_keys(b))

"""The default gesture classes, their mirror partners, and name rules for projects and classes.

Direction convention: 👉 ``pointing_right`` and 👈 ``pointing_left`` are named from the
**user's** point of view: 👉 means the finger points to the user's own right, which is
the right-hand side of the mirrored preview the user watches and the *left*-hand side
of the raw, unmirrored camera frame. Features are computed in the user view
(``core.gestures.features``), so recording and inference agree without special cases.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from core.classes.name_chars import describe, hidden_char, shows_nothing

VS16 = "\ufe0f"  # variation selector 16: "draw the preceding symbol as an emoji"

# Symbols that are emoji but drawn as small text glyphs unless VS16 follows them
# (Unicode emoji-data: Emoji=Yes, Emoji_Presentation=No). Browsers draw ☝ U+261D in
# the text font otherwise, beside full-colour 👍. Ranges, inclusive.
_TEXT_DEFAULT_EMOJI = (
    (0x00A9, 0x00A9), (0x00AE, 0x00AE), (0x203C, 0x203C), (0x2049, 0x2049), (0x2122, 0x2122),
    (0x2139, 0x2139), (0x2194, 0x2199), (0x21A9, 0x21AA), (0x2328, 0x2328), (0x23CF, 0x23CF),
    (0x23ED, 0x23EF), (0x23F1, 0x23F2), (0x23F8, 0x23FA), (0x24C2, 0x24C2), (0x25AA, 0x25AB),
    (0x25B6, 0x25B6), (0x25C0, 0x25C0), (0x25FB, 0x25FC), (0x2600, 0x2604), (0x260E, 0x260E),
    (0x2611, 0x2611), (0x2618, 0x2618), (0x261D, 0x261D), (0x2620, 0x2620), (0x2622, 0x2623),
    (0x2626, 0x2626), (0x262A, 0x262A), (0x262E, 0x262F), (0x2638, 0x263A), (0x2640, 0x2640),
    (0x2642, 0x2642), (0x265F, 0x2660), (0x2663, 0x2663), (0x2665, 0x2666), (0x2668, 0x2668),
    (0x267B, 0x267B), (0x267E, 0x267E), (0x2692, 0x2692), (0x2694, 0x2697), (0x2699, 0x2699),
    (0x269B, 0x269C), (0x26A0, 0x26A0), (0x26A7, 0x26A7), (0x26B0, 0x26B1), (0x26C8, 0x26C8),
    (0x26CF, 0x26CF), (0x26D1, 0x26D1), (0x26D3, 0x26D3), (0x26E9, 0x26E9), (0x26F0, 0x26F1),
    (0x26F4, 0x26F4), (0x26F7, 0x26F9), (0x2702, 0x2702), (0x2708, 0x2709), (0x270C, 0x270D),
    (0x270F, 0x270F), (0x2712, 0x2712), (0x2714, 0x2714), (0x2716, 0x2716), (0x271D, 0x271D),
    (0x2721, 0x2721), (0x2733, 0x2734), (0x2744, 0x2744), (0x2747, 0x2747), (0x2763, 0x2764),
    (0x27A1, 0x27A1), (0x2934, 0x2935), (0x2B05, 0x2B07), (0x3030, 0x3030), (0x303D, 0x303D),
    (0x3297, 0x3297), (0x3299, 0x3299), (0x1F170, 0x1F171), (0x1F17E, 0x1F17F), (0x1F202, 0x1F202),
    (0x1F237, 0x1F237), (0x1F321, 0x1F321), (0x1F324, 0x1F32C), (0x1F336, 0x1F336), (0x1F37D, 0x1F37D),
    (0x1F396, 0x1F397), (0x1F399, 0x1F39B), (0x1F39E, 0x1F39F), (0x1F3CB, 0x1F3CE), (0x1F3D4, 0x1F3DF),
    (0x1F3F3, 0x1F3F3), (0x1F3F5, 0x1F3F5), (0x1F3F7, 0x1F3F7), (0x1F43F, 0x1F43F), (0x1F441, 0x1F441),
    (0x1F4FD, 0x1F4FD), (0x1F549, 0x1F54A), (0x1F56F, 0x1F570), (0x1F573, 0x1F579), (0x1F587, 0x1F587),
    (0x1F58A, 0x1F58D), (0x1F590, 0x1F590), (0x1F5A5, 0x1F5A5), (0x1F5A8, 0x1F5A8), (0x1F5B1, 0x1F5B2),
    (0x1F5BC, 0x1F5BC), (0x1F5C2, 0x1F5C4), (0x1F5D1, 0x1F5D3), (0x1F5DC, 0x1F5DE), (0x1F5E1, 0x1F5E1),
    (0x1F5E3, 0x1F5E3), (0x1F5E8, 0x1F5E8), (0x1F5EF, 0x1F5EF), (0x1F5F3, 0x1F5F3), (0x1F5FA, 0x1F5FA),
    (0x1F6CB, 0x1F6CB), (0x1F6CD, 0x1F6CF), (0x1F6E0, 0x1F6E5), (0x1F6E9, 0x1F6E9), (0x1F6F0, 0x1F6F0),
    (0x1F6F3, 0x1F6F3),
)  # fmt: skip


_KEEPS_ITS_STYLE = (VS16, "\ufe0e")  # a variation selector the user chose


def emoji_style(text: str) -> str:
    """``text`` with VS16 after each symbol that would otherwise be drawn as a text glyph (☝ → ☝️).

    Symbols already followed by a variation selector, and emoji drawn in colour anyway
    (👍), are left as they are, so applying it twice changes nothing.
    """
    out = []
    for i, char in enumerate(text):
        out.append(char)
        following = text[i + 1 : i + 2]
        code = ord(char)
        if following and (following in _KEEPS_ITS_STYLE or "\U0001f3fb" <= following <= "\U0001f3ff"):  # skin tone
            continue
        if any(lo <= code <= hi for lo, hi in _TEXT_DEFAULT_EMOJI):
            out.append(VS16)
    return "".join(out)


MAX_NAME_LENGTH = 64


class InvalidNameError(ValueError):
    """A project or class name that cannot be used."""


@dataclass(frozen=True)
class GestureClass:
    """A class of a project.

    Attributes:
        name: unique within the project, see ``validate_name``.
        emoji: shown beside the name in the app (may be empty).
        mirror: the class a left-right mirrored sample of this class belongs to;
            the class itself for symmetric gestures (👍 mirrored is still 👍).
    """

    name: str
    emoji: str = ""
    mirror: str = ""

    def __post_init__(self) -> None:
        # Every class, stored or typed in (☝, ✌, ❤), shows as a colour emoji, not a text glyph.
        object.__setattr__(self, "emoji", emoji_style(self.emoji))

    @property
    def mirror_partner(self) -> str:
        return self.mirror or self.name

    @property
    def title(self) -> str:
        """What a person reads: "👍 thumbs up" (``shown_name``), the stored name "thumbs_up" unchanged."""
        return f"{self.emoji} {shown_name(self.name)}".strip()


def shown_name(name: str) -> str:
    """A gesture's name as a person reads it: the built-in gestures' with spaces ("open_palm" is "open palm"); a
    name someone typed as they typed it ("my_wave" stays "my_wave": every name a user typed shows as its
    characters)."""
    return name.replace("_", " ") if name in _BUILT_IN_NAMES else name


DEFAULT_CLASSES: tuple[GestureClass, ...] = (
    GestureClass("thumbs_up", "👍"),
    GestureClass("thumbs_down", "👎"),
    GestureClass("pointing_up", "☝\ufe0f"),
    GestureClass("ok", "👌"),
    GestureClass("fist", "👊"),
    GestureClass("pointing_right", "👉", mirror="pointing_left"),
    GestureClass("pointing_left", "👈", mirror="pointing_right"),
    GestureClass("open_palm", "✋"),
)
_BUILT_IN_NAMES = frozenset(c.name for c in DEFAULT_CLASSES)  # ours, not a user's: shown with spaces
STARTER_EMOJI = " ".join(c.emoji for c in DEFAULT_CLASSES)  # what Live knows before any training: "👍 👎 ☝️ …"

DEFAULT_PROJECT = "default"

_FORBIDDEN = re.compile(r"[/\\\x00-\x1f\x7f]")


def validate_name(name: str, what: str = "name") -> str:
    """Return ``name`` stripped of surrounding spaces, or raise ``InvalidNameError`` saying why.

    Names become folder names and CSV labels, so path separators, ``..``,
    control characters, empty names and names over ``MAX_NAME_LENGTH`` characters are refused.
    """
    if not isinstance(name, str):
        raise InvalidNameError(f"{what} must be text, got {type(name).__name__}")
    cleaned = unicodedata.normalize("NFC", name).strip()  # "Café" typed or pasted decomposed is one name
    if not cleaned:
        raise InvalidNameError(f"{what} is empty")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise InvalidNameError(
            f"{what} {cleaned[:20]!r}… is {len(cleaned)} characters long; the limit is {MAX_NAME_LENGTH}"
        )
    if _FORBIDDEN.search(cleaned):
        raise InvalidNameError(f"{what} {cleaned!r} contains '/', '\\' or a control character")
    hidden = hidden_char(cleaned)  # the one rule of every typed name's characters (core.classes.names)
    if hidden:
        raise InvalidNameError(f"{what} {cleaned!r} contains an invisible or unusual space character "
                               f"({describe(hidden)}): two names would look alike")  # fmt: skip
    if shows_nothing(cleaned):
        raise InvalidNameError(f"{what} {cleaned!r} shows no letter or digit")
    if cleaned in {".", ".."} or ".." in cleaned:
        raise InvalidNameError(f"{what} {cleaned!r} contains '..'")
    if cleaned.lower() == "unknown":
        raise InvalidNameError(f"{what} 'unknown' is reserved for hands the model does not recognise")
    return cleaned

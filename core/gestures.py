"""The default gesture classes, their mirror partners, and name rules for projects and classes.

Direction convention: 👉 ``pointing_right`` and 👈 ``pointing_left`` are named from the
**user's** point of view: 👉 means the finger points to the user's own right, which is
the right-hand side of the mirrored preview the user watches and the *left*-hand side
of the raw, unmirrored camera frame. Features are computed in the user view
(``core.features``), so recording and inference agree without special cases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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

    @property
    def mirror_partner(self) -> str:
        return self.mirror or self.name

    @property
    def title(self) -> str:
        return f"{self.emoji} {self.name}".strip()


DEFAULT_CLASSES: tuple[GestureClass, ...] = (
    GestureClass("thumbs_up", "👍"),
    GestureClass("thumbs_down", "👎"),
    GestureClass("pointing_up", "☝"),
    GestureClass("ok", "👌"),
    GestureClass("fist", "👊"),
    GestureClass("pointing_right", "👉", mirror="pointing_left"),
    GestureClass("pointing_left", "👈", mirror="pointing_right"),
    GestureClass("open_palm", "✋"),
)

DEFAULT_PROJECT = "default"

_FORBIDDEN = re.compile(r"[/\\\x00-\x1f\x7f]")


def validate_name(name: str, what: str = "name") -> str:
    """Return ``name`` stripped of surrounding spaces, or raise ``InvalidNameError`` saying why.

    Names become folder names and CSV labels, so path separators, ``..``,
    control characters, empty names and names over ``MAX_NAME_LENGTH`` characters are refused.
    """
    if not isinstance(name, str):
        raise InvalidNameError(f"{what} must be text, got {type(name).__name__}")
    cleaned = name.strip()
    if not cleaned:
        raise InvalidNameError(f"{what} is empty")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise InvalidNameError(
            f"{what} {cleaned[:20]!r}… is {len(cleaned)} characters long; the limit is {MAX_NAME_LENGTH}"
        )
    if _FORBIDDEN.search(cleaned):
        raise InvalidNameError(f"{what} {cleaned!r} contains '/', '\\' or a control character")
    if cleaned in {".", ".."} or ".." in cleaned:
        raise InvalidNameError(f"{what} {cleaned!r} contains '..'")
    if cleaned.lower() == "unknown":
        raise InvalidNameError(f"{what} 'unknown' is reserved for hands the model does not recognise")
    return cleaned

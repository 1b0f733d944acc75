"""Picture passwords for young students (as Code.org's sections have): two pictures, in order, out of ``PICTURES``.

The teacher's ``python -m core class add-student 7B Zoë --picture`` (or ``reset-password --picture``) prints the two
pictures to hand out; the sign-in form offers the pictures as buttons instead of a text box once the student turns
on "I sign in with pictures". The pair is a password like any other: ``picture_secret`` spells it as text, which
``core.classes.passwords`` stores as a scrypt hash and ``core.classes.signin`` checks with the same rate limits.
12 pictures, two in order: 144 pairs; at 5 tries per name each 15 minutes, trying them all takes about 7 hours, and
each wrong try is counted against the name and the address as a wrong password is.
"""

from __future__ import annotations

import secrets

from core.classes.passwords import PasswordError

# (name, emoji): names are what the secret spells and the teacher reads aloud; never change one (it is in hashes)
PICTURES: tuple[tuple[str, str], ...] = (
    ("dog", "🐶"), ("cat", "🐱"), ("fox", "🦊"), ("frog", "🐸"), ("owl", "🦉"), ("turtle", "🐢"),
    ("apple", "🍎"), ("cactus", "🌵"), ("star", "⭐"), ("rocket", "🚀"), ("ball", "⚽"), ("balloon", "🎈"),
)  # fmt: skip
EMOJI = dict(PICTURES)
PREFIX = "pictures:"  # a picture secret's text starts so: no typed password of a password student needs to


def picture_secret(first: str, second: str) -> str:
    """The password text of two pictures in order (``PasswordError`` for a name not in ``PICTURES``)."""
    for name in (first, second):
        if name not in EMOJI:
            raise PasswordError(f"{name!r} is not one of the pictures")
    return f"{PREFIX}{first} {second}"


def new_pictures() -> tuple[str, str]:
    """Two pictures for a student, drawn at random (the same one twice is allowed: 144 pairs)."""
    return secrets.choice(PICTURES)[0], secrets.choice(PICTURES)[0]


def spoken(first: str, second: str) -> str:
    """The pair as the teacher hands it out: "🐶 dog, then 🚀 rocket"."""
    return f"{EMOJI[first]} {first}, then {EMOJI[second]} {second}"

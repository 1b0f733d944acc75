"""Picture passwords for young students (as Code.org's sections have): three pictures, in order, out of ``PICTURES``.

The teacher's ``python -m core class add-student 7B Zoë --picture`` (or ``reset-password --picture``) prints the
three pictures to hand out; the sign-in form offers the pictures as buttons instead of a text box once the student
turns on "I sign in with pictures". The pictures are a password like any other: ``picture_secret`` spells them as
text, which ``core.classes.passwords`` stores as a scrypt hash and ``core.classes.signin`` checks with the same
limits. A student given two pictures before (issue 63) still signs in with those two: their hash spells two.

Why three of 16 (issue 63: two of 12, 144 pairs, were raced open in 4.2 s, and even at the old limit of 5 tries
a name each 15 minutes, 20 an hour, half of them fell in about 3.6 hours). ``core.classes.signin`` now lets a
guesser at one name 5 tries, then one after 2, 4, 8, ... s, at most one each 5 minutes: 13 tries in the first
8.5 minutes, then 12 an hour, about 300 a day (against the name, from any number of addresses):

| pictures | combinations | tries to a 50% chance | hours of non-stop guessing to 50% | to 100% |
| --- | --- | --- | --- | --- |
| two of 12 (before) | 144 | 72 | 5.1 h | 11 h |
| three of 12 | 1,728 | 864 | 71 h (3.0 days) | 6.0 days |
| three of 16 (now) | 4,096 | 2,048 | 170 h (7.1 days) | 14 days |

A guesser must keep a script at one name for days; a new pair for the student (``reset-password --picture``)
makes them start over. Typed passwords (``new_password``: 8 of 31 letters and digits, 8.5e11) are out of reach
at that rate. Three taps are still few for a 5-year-old; a name's own browser is not slowed by
anyone else's guesses (``core.classes.devices``).
"""

from __future__ import annotations

import secrets

from core.classes.passwords import PasswordError

# (name, emoji): names are what the secret spells and the teacher reads aloud; never change one (it is in hashes)
PICTURES: tuple[tuple[str, str], ...] = (
    ("dog", "🐶"), ("cat", "🐱"), ("fox", "🦊"), ("frog", "🐸"), ("owl", "🦉"), ("turtle", "🐢"),
    ("apple", "🍎"), ("cactus", "🌵"), ("star", "⭐"), ("rocket", "🚀"), ("ball", "⚽"), ("balloon", "🎈"),
    ("fish", "🐟"), ("tree", "🌳"), ("moon", "🌙"), ("car", "🚗"),
)  # fmt: skip
EMOJI = dict(PICTURES)
PREFIX = "pictures:"  # a picture secret's text starts so: no typed password of a password student needs to
HOW_MANY = 3  # pictures a new picture password has; a two-picture one made before still signs in


def picture_secret(*names: str) -> str:
    """The password text of two or three pictures in order (``PasswordError`` for a name not in ``PICTURES``)."""
    if not 2 <= len(names) <= HOW_MANY:
        raise PasswordError(f"a picture password is 2 to {HOW_MANY} pictures, got {len(names)}")
    for name in names:
        if name not in EMOJI:
            raise PasswordError(f"{name!r} is not one of the pictures")
    return PREFIX + " ".join(names)


def new_pictures() -> tuple[str, ...]:
    """Three pictures for a student, drawn at random (the same one twice is allowed: 16**3 = 4,096 orders)."""
    return tuple(secrets.choice(PICTURES)[0] for _ in range(HOW_MANY))


def spoken(*names: str) -> str:
    """The pictures as the teacher hands them out: "🐶 dog, then 🚀 rocket, then 🌙 moon"."""
    return ", then ".join(f"{EMOJI[name]} {name}" for name in names)

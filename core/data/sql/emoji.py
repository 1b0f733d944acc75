"""A gesture's emoji as stored: one emoji (a family or a flag joins several code points) or a short text, checked
where a class is made or changed (``core.data.project_names``, ``core.data.projects``)."""

from __future__ import annotations

import unicodedata

from core.data.sql.schema import StoreError

MAX_EMOJI_CHARS = 16  # a family or flag emoji joins up to about 10 code points; more is text, not an emoji
_EMOJI_FORMAT_CHARS = {"\u200d"} | {chr(c) for c in range(0xE0020, 0xE0080)}  # zero-width joiner, flag tags


def validate_emoji(value: object) -> str:
    """A class's emoji: one emoji or a short text, no line breaks, control or terminal escape characters."""
    text = str(value).strip()
    if len(text) > MAX_EMOJI_CHARS:
        raise StoreError(f"emoji {text[:20]!r}...: at most {MAX_EMOJI_CHARS} characters, got {len(text)}")
    bad = [c for c in text if unicodedata.category(c)[0] in "CZ" and c != " " and c not in _EMOJI_FORMAT_CHARS]
    if bad:
        raise StoreError(f"emoji {text!r}: holds a control or line-break character ({bad[0]!r})")
    return text

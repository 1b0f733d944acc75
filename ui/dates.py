"""Dates for people: stored times (ISO 8601 text or Unix seconds) as "21 Nov 2026, 22:26" in local time."""

from __future__ import annotations

from datetime import UTC, datetime


def readable_time(value: str | float | None) -> str:
    """``value`` in the server's local time, day first and to the minute; "" for None or "".

    Text that is not an ISO 8601 time (a model file from elsewhere) comes back as it is,
    so nothing stored is hidden.
    """
    if value is None or value == "":
        return ""
    try:
        moment = (
            datetime.fromtimestamp(float(value), UTC)
            if isinstance(value, int | float)
            else datetime.fromisoformat(str(value))
        )
    except (ValueError, OverflowError, OSError):
        return str(value)
    if moment.tzinfo is None:  # naive ISO text: taken as local time already
        return moment.strftime("%d %b %Y, %H:%M")
    return moment.astimezone().strftime("%d %b %Y, %H:%M")

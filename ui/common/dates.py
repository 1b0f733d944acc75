"""Dates for people: stored times (ISO 8601 text or Unix seconds) as "21 Nov 2026, 22:26" in local time.

The one date format of the pages (the Home page's model, the gallery's sample tooltips)."""

from __future__ import annotations

from datetime import UTC, datetime


def readable_time(value: str | float | None, seconds: bool = False) -> str:
    """``value`` in the server's local time, day first and to the minute (``seconds``: to the second,
    which tells apart the samples of one recording); "" for None or "".

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
    layout = "%d %b %Y, %H:%M:%S" if seconds else "%d %b %Y, %H:%M"
    if moment.tzinfo is None:  # naive ISO text: taken as local time already
        return moment.strftime(layout)
    return moment.astimezone().strftime(layout)


def brief_time(value: str | float | None, now: datetime | None = None) -> str:
    """``readable_time`` without what the reader knows: "today, 22:26" or "21 Nov, 22:26" in the current year,
    for a table's narrow column (the Class page's roster, whose six columns fit a 1280 px window only so)."""
    full = readable_time(value)
    if not full or full == str(value):  # none, or text that is not a time: as it is
        return full
    moment = datetime.strptime(full, "%d %b %Y, %H:%M")
    today = (now or datetime.now(UTC).astimezone()).date()
    if moment.date() == today:
        return f"today, {moment:%H:%M}"
    return f"{moment:%d %b, %H:%M}" if moment.year == today.year else full

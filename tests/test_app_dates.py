"""ui.common.dates: stored times shown to people."""

from __future__ import annotations

import time

import pytest

from ui.common.dates import brief_time, readable_time


@pytest.fixture(autouse=True)
def berlin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_iso_text_and_unix_seconds_read_as_local_day_month_year_and_minute() -> None:
    assert readable_time("2026-11-21T21:26:02+00:00") == "21 Nov 2026, 22:26"  # UTC+1 in November
    assert readable_time("2026-07-01T23:30:00+00:00") == "02 Jul 2026, 01:30"  # summer time, next day
    assert readable_time(1_779_398_762.0) == readable_time("2026-05-21T21:26:02+00:00") == "21 May 2026, 23:26"
    assert readable_time("2026-11-21T21:26:02") == "21 Nov 2026, 21:26"  # no zone: already local
    assert readable_time(1_779_398_762.0, seconds=True) == "21 May 2026, 23:26:02"  # the gallery's sample tooltips


def test_missing_or_foreign_values_are_not_hidden() -> None:
    assert readable_time(None) == readable_time("") == ""
    assert readable_time("last Tuesday") == "last Tuesday"
    assert readable_time(1e300) == "1e+300"


def test_a_brief_time_leaves_out_today_s_date_and_this_year() -> None:
    """The Class page's roster: six columns fit a 1280 px window with dates this short."""
    from datetime import datetime

    now = datetime(2026, 11, 21, 23, 0).astimezone()
    assert brief_time("2026-11-21T21:26:02+00:00", now) == "today, 22:26"
    assert brief_time("2026-05-21T21:26:02+00:00", now) == "21 May, 23:26"
    assert brief_time("2025-05-21T21:26:02+00:00", now) == "21 May 2025, 23:26"
    assert brief_time(None, now) == "" and brief_time("not a time", now) == "not a time"

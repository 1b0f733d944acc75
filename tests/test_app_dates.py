"""ui.common.dates: stored times shown to people."""

from __future__ import annotations

import time

import pytest

from ui.common.dates import readable_time


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

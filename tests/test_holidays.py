"""The holiday calendar against the State Council notices: each period's first day and its
length ("共N天"), and the make-up working days (调休上班), which are all weekend days."""

import datetime as dt

import pytest

from zhifa.rules.holidays import HOLIDAYS, WORKING_WEEKENDS, YEARS, is_working_day

# (first day, days) as printed in 国办发明电〔2024〕12号 (2025) and the 2025-11-04 notice (2026).
PUBLISHED = {
    2025: [
        ("2025-01-01", 1),
        ("2025-01-28", 8),
        ("2025-04-04", 3),
        ("2025-05-01", 5),
        ("2025-05-31", 3),
        ("2025-10-01", 8),
    ],
    2026: [
        ("2026-01-01", 3),
        ("2026-02-15", 9),
        ("2026-04-04", 3),
        ("2026-05-01", 5),
        ("2026-06-19", 3),
        ("2026-09-25", 3),
        ("2026-10-01", 7),
    ],
}
MAKE_UP_DAYS = {
    2025: ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"],
    2026: ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"],
}


def _periods(year: int) -> list[tuple[str, int]]:
    """The calendar's runs of consecutive holiday dates in `year`, as (first day, length)."""
    days = sorted(d for d in HOLIDAYS if d.year == year)
    runs: list[tuple[str, int]] = []
    for day in days:
        if runs and dt.date.fromisoformat(runs[-1][0]) + dt.timedelta(days=runs[-1][1]) == day:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((day.isoformat(), 1))
    return runs


@pytest.mark.parametrize("year", sorted(YEARS))
def test_holiday_periods_match_the_notice(year: int) -> None:
    assert _periods(year) == PUBLISHED[year]


@pytest.mark.parametrize("year", sorted(YEARS))
def test_make_up_days_are_weekend_working_days(year: int) -> None:
    days = sorted(d.isoformat() for d in WORKING_WEEKENDS if d.year == year)
    assert days == MAKE_UP_DAYS[year]
    for iso in days:
        day = dt.date.fromisoformat(iso)
        assert day.weekday() >= 5 and day not in HOLIDAYS and is_working_day(day)


def test_a_year_outside_the_calendar_knows_only_weekends_and_fixed_date_holidays() -> None:
    assert not is_working_day(dt.date(2027, 1, 1))  # 元旦, a Friday
    assert is_working_day(dt.date(2027, 5, 3))  # a Monday: no notice yet, so a working day
    assert not is_working_day(dt.date(2027, 10, 1)) and not is_working_day(dt.date(2027, 10, 3))
    assert is_working_day(dt.date(2027, 10, 4))  # Monday after 国庆 (the notice may add days later)
    assert not is_working_day(dt.date(2027, 1, 2))  # Saturday

"""China's official public holidays (法定节假日) and make-up working days (调休上班) as data.

Sources, checked day by day against the published texts on 2026-11-22:
国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号，2024年11月12日） and
国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日，新华社发布）. Add each year when the
State Council publishes it (usually in November). Outside `YEARS` the rest days are Saturdays,
Sundays and the fixed-date holidays of 《全国年节及纪念日放假办法》 (2024 revision, Art. 2: 元旦
1 January, 劳动节 1–2 May, 国庆节 1–3 October); the lunar-calendar holidays and 调休 are unknown
until the notice, so a deadline computed for such a year may be off by the days it moves.
`tests/test_holidays.py` checks each period's length (the notice's "共N天").
"""

from __future__ import annotations

import datetime as dt


def _span(first: str, last: str) -> set[dt.date]:
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return {start + dt.timedelta(days=i) for i in range((end - start).days + 1)}


YEARS = frozenset({2025, 2026})

HOLIDAYS: frozenset[dt.date] = frozenset(
    # 2025
    _span("2025-01-01", "2025-01-01")  # 元旦
    | _span("2025-01-28", "2025-02-04")  # 春节
    | _span("2025-04-04", "2025-04-06")  # 清明节
    | _span("2025-05-01", "2025-05-05")  # 劳动节
    | _span("2025-05-31", "2025-06-02")  # 端午节
    | _span("2025-10-01", "2025-10-08")  # 国庆节、中秋节
    # 2026
    | _span("2026-01-01", "2026-01-03")  # 元旦
    | _span("2026-02-15", "2026-02-23")  # 春节
    | _span("2026-04-04", "2026-04-06")  # 清明节
    | _span("2026-05-01", "2026-05-05")  # 劳动节
    | _span("2026-06-19", "2026-06-21")  # 端午节
    | _span("2026-09-25", "2026-09-27")  # 中秋节
    | _span("2026-10-01", "2026-10-07")  # 国庆节
)

# Weekend days that are working days (调休上班).
WORKING_WEEKENDS: frozenset[dt.date] = frozenset(
    dt.date.fromisoformat(d)
    for d in (
        "2025-01-26",
        "2025-02-08",
        "2025-04-27",
        "2025-09-28",
        "2025-10-11",
        "2026-01-04",
        "2026-02-14",
        "2026-02-28",
        "2026-05-09",
        "2026-09-20",
        "2026-10-10",
    )
)


# (month, day) of the fixed-date statutory holidays, used for years the calendar does not hold.
FIXED_DATE_HOLIDAYS = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})


def is_working_day(day: dt.date) -> bool:
    if day.year not in YEARS and (day.month, day.day) in FIXED_DATE_HOLIDAYS:
        return False
    if day in HOLIDAYS:
        return False
    if day in WORKING_WEEKENDS:
        return True
    return day.weekday() < 5


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The `days`-th working day after `start` (the start day itself is not counted)."""
    day = start
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def next_working_day(day: dt.date) -> dt.date:
    """`day` itself if it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day

"""The statutory clocks: pure date arithmetic over the rule catalogue.

Day counting (see docs/rules.md):

* the day an event happens is not counted; a period of N days ends on the N-th day after it
  (民法典第二百零一条, the general rule of Chinese law on periods);
* "二日""三日""五日""七日" are working days (行政处罚法第八十五条): weekends and 法定节假日
  do not count, 调休 working weekends do (`zhifa.rules.holidays`);
* the 90-day decision period, the 15-day payment period and the extension are calendar days; the
  payment deadline moves to the next working day when it falls on a rest day (民法典第二百零三条:
  the party must be able to pay at a bank), so the surcharge never starts early; the agency's own
  decision deadline does not move (the conservative reading for the agency);
* limitation periods are years from the day the violation ended, same month and day (29 Feb → 28 Feb).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from zhifa.rules.catalogue import rule, value
from zhifa.rules.holidays import add_working_days, next_working_day

if TYPE_CHECKING:
    from zhifa.core.models import Region

CENT = Decimal("0.01")


def _days(code: str, region: Region | str | None, on: dt.date) -> int:
    return int(value(code, region, on))


def period_end(start: dt.date, code: str, region: Region | str | None = None) -> dt.date:
    """The last day of the rule's period started on `start`, counted in the rule's unit."""
    days = _days(code, region, start)
    if rule(code).working_days:
        return add_working_days(start, days)
    return start + dt.timedelta(days=days)


def decision_deadline(
    filed_on: dt.date, extensions_days: int = 0, region: Region | str | None = None
) -> dt.date:
    """行政处罚法第六十条: 90 calendar days from filing (立案), plus approved extensions."""
    return period_end(filed_on, "decision_days", region) + dt.timedelta(days=extensions_days)


def service_deadline(decided_on: dt.date, region: Region | str | None = None) -> dt.date:
    """第六十一条: served within 7 working days when the party was not present."""
    return period_end(decided_on, "service_days", region)


def payment_deadline(received_on: dt.date, region: Region | str | None = None) -> dt.date:
    """第六十七条: 15 calendar days from receipt of the decision; a rest day moves it to the next
    working day."""
    return next_working_day(period_end(received_on, "payment_days", region))


def hearing_request_deadline(notice_received_on: dt.date, region: Region | str | None = None) -> dt.date:
    """第六十四条第（一）项: the party asks for a hearing within 5 working days of the notice."""
    return period_end(notice_received_on, "hearing_request_days", region)


def earliest_hearing_date(notice_sent_on: dt.date, region: Region | str | None = None) -> dt.date:
    """第六十四条第（二）项: the party is told 7 (working) days before the hearing; the notice day
    and the hearing day are not counted: seven full working days lie between them, so the earliest
    hearing is the first working day after the 7th working day after the notice."""
    return next_working_day(period_end(notice_sent_on, "hearing_notice_days", region) + dt.timedelta(days=1))


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def limitation_expires(
    violation_ended_on: dt.date, serious: bool, region: Region | str | None = None
) -> dt.date:
    """第三十六条: the last day on which the violation can still be discovered (2 years, 5 where
    life, health or financial safety was harmed), counted from the day the violation ended."""
    code = "limitation_years_serious" if serious else "limitation_years"
    return add_years(violation_ended_on, _days(code, region, violation_ended_on))


def surcharge(fine: Decimal, due_on: dt.date, on: dt.date, region: Region | str | None = None) -> Decimal:
    """第七十二条第（一）项: 3 % of the fine for each full day after `due_on` up to `on`, capped at the
    fine. Not overdue (on <= due_on): 0."""
    fine = Decimal(fine)
    overdue = (on - due_on).days
    if overdue <= 0 or fine <= 0:
        return Decimal("0.00")
    rate = value("surcharge_rate_per_day", region, on)
    return min(fine * rate * overdue, fine).quantize(CENT, rounding=ROUND_HALF_UP)


class ClockState(StrEnum):
    RUNNING = "running"
    OVERDUE = "overdue"
    MET = "met"


STATE_LABELS = {ClockState.RUNNING: "进行中", ClockState.OVERDUE: "已超期", ClockState.MET: "已按期完成"}


@dataclass(frozen=True)
class Clock:
    name_zh: str
    started_on: dt.date
    due_on: dt.date
    state: ClockState

    @property
    def state_zh(self) -> str:
        return STATE_LABELS[self.state]

    def days_left(self, today: dt.date) -> int:
        return (self.due_on - today).days


def clock_state(due_on: dt.date, met_on: dt.date | None, today: dt.date) -> ClockState:
    """met: done on or before the due day; overdue: done late, or not done and past the due day."""
    if met_on is not None:
        return ClockState.MET if met_on <= due_on else ClockState.OVERDUE
    return ClockState.OVERDUE if today > due_on else ClockState.RUNNING


def make_clock(
    name_zh: str, started_on: dt.date, due_on: dt.date, met_on: dt.date | None, today: dt.date
) -> Clock:
    return Clock(name_zh, started_on, due_on, clock_state(due_on, met_on, today))

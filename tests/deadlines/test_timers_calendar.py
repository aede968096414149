"""The calendar functions the deadline timers call to count back from a deadline: working days
and working hours before it, on the agency's calendar (weekends, public holidays, lunch break)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from documents.calendar.business import DEFAULT_CALENDAR, BusinessCalendar
from documents.calendar.functions import SANDBOX_FUNCTIONS, working_days_before, working_hours_before

VN = timezone(timedelta(hours=7))


def vn(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VN)


@pytest.mark.parametrize("deadline, days, expected", [
    (vn(2026, 12, 7, 10), 1, vn(2026, 12, 4, 10)),        # Monday → the Friday before
    (vn(2027, 1, 4, 10), 1, vn(2026, 12, 31, 10)),        # over a weekend and New Year's Day
    (vn(2026, 12, 8, 12), 1, vn(2026, 12, 7, 11, 30)),    # lunch break → the morning's end
    (vn(2026, 12, 8, 18), 1, vn(2026, 12, 7, 17)),        # after hours → the day's end
    (vn(2026, 12, 8, 6), 1, vn(2026, 12, 7, 7, 30)),      # before hours → the day's start
    (vn(2026, 11, 25, 9), 1, vn(2026, 11, 23, 9)),        # 24/11 is a day off (Culture Day)
    (vn(2026, 12, 10, 9), 3, vn(2026, 12, 7, 9)),
    (vn(2026, 12, 10, 9), 0, vn(2026, 12, 10, 9)),
])
def test_working_days_before(deadline, days, expected):
    assert DEFAULT_CALENDAR.working_days_before(deadline, days) == expected
    assert working_days_before(deadline.isoformat(), days) == expected.isoformat()


@pytest.mark.parametrize("deadline, hours, expected", [
    (vn(2026, 12, 7, 11, 30), 4, vn(2026, 12, 7, 7, 30)),   # a whole morning, not Friday 17:00
    (vn(2026, 12, 7, 9, 30), 4, vn(2026, 12, 4, 15)),       # 2 h on Monday, 2 h on Friday afternoon
    (vn(2026, 12, 8, 14, 0), 1, vn(2026, 12, 8, 11)),       # the lunch break does not count
    (vn(2027, 1, 4, 8, 30), 2, vn(2026, 12, 31, 16)),       # over New Year's Day and a weekend
    (vn(2026, 12, 8, 14, 0), 0.5, vn(2026, 12, 8, 13, 30)),
])
def test_working_hours_before(deadline, hours, expected):
    assert DEFAULT_CALENDAR.working_hours_before(deadline, hours) == expected
    assert working_hours_before(deadline.isoformat(), hours) == expected.isoformat()


def test_the_agencys_days_off_count_backwards_too():
    calendar = BusinessCalendar.of(days_off=[date(2026, 12, 4)])
    assert calendar.working_days_before(vn(2026, 12, 7, 10), 1) == vn(2026, 12, 3, 10)
    assert calendar.working_hours_before(vn(2026, 12, 7, 8, 30), 2) == vn(2026, 12, 3, 16)


@pytest.mark.parametrize("call", [lambda: working_days_before("2026-12-07T10:00:00+07:00", -1),
                                  lambda: working_hours_before("2026-12-07T10:00:00+07:00", float("nan")),
                                  lambda: working_days_before("2026-12-07T10:00:00", 1)])
def test_bad_arguments_are_refused(call):
    with pytest.raises((ValueError, TypeError)):
        call()


def test_diagrams_may_call_them():
    assert {"working_days_before", "working_hours_before"} <= set(SANDBOX_FUNCTIONS)

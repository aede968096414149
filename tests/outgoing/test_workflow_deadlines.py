"""The issue's deadline (NĐ 30/2020 Điều 16): an urgent document at once; any other by the end
of the working day it is signed, at the latest the end of the next working morning; the agency's
own calendar counts."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from documents.calendar.business import BusinessCalendar
from documents.outgoing.deadlines import due_after, issue_due

VN = timezone(timedelta(hours=7))


def vn(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=VN)


@pytest.mark.parametrize("signed, due", [
    (vn(23, 8), vn(23, 17)),              # Monday morning: the end of Monday
    (vn(23, 12), vn(23, 17)),             # during the lunch break: still Monday
    (vn(23, 6), vn(23, 17)),              # before the day starts: that day
    (vn(25, 17, 30), vn(26, 11, 30)),     # Wednesday after hours: Thursday's morning
    (vn(23, 17, 30), vn(25, 11, 30)),     # 24 November is a day off (Vietnamese Culture Day)
    (vn(27, 18), vn(30, 11, 30)),         # Friday evening: Monday's morning
    (vn(28, 10), vn(30, 11, 30)),         # Saturday: Monday's morning
])
def test_a_normal_document_is_issued_the_day_it_is_signed_or_the_next_morning(signed, due):
    assert due_after(BusinessCalendar.of(), signed) == due
    assert issue_due(signed.isoformat()) == due.isoformat()


def test_the_agencys_days_off_count():
    calendar = BusinessCalendar.of(days_off=[date(2026, 11, 26)])
    assert due_after(calendar, vn(25, 17, 30)) == vn(27, 11, 30)
    assert due_after(calendar, vn(26, 9)) == vn(27, 11, 30)


def test_the_agencys_hours_count():
    hours = {day: [(time(8), time(12)), (time(13), time(17, 30))] for day in range(5)}
    calendar = BusinessCalendar.of(hours)
    assert due_after(calendar, vn(23, 9)) == vn(23, 17, 30)
    assert due_after(calendar, vn(25, 18)) == vn(26, 12)


@pytest.mark.parametrize("urgency", [1, 2, 3])
def test_an_urgent_document_is_due_at_once(urgency):
    signed = vn(23, 16, 59)
    assert issue_due(signed.astimezone(timezone.utc).isoformat(), urgency) == signed.isoformat()

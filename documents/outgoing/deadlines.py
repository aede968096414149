"""When a signed document must be issued (NĐ 30/2020 Điều 16): an urgent one at once; any other
the day it is signed, at the latest the next working morning. Diagrams call ``issue_due`` (the
issue step's dueDate and its reminder timer); it reads the agency's calendar like the calendar's
own diagram functions."""
from __future__ import annotations

from datetime import datetime

from ..calendar.business import BusinessCalendar, to_local
from ..calendar.functions import _calendar as agency_calendar
from ..calendar.functions import as_moment
from ..vntime import VN_TZ


def issue_due(signed_at: str | datetime, urgency: int = 0) -> str:
    """ISO 8601 (+07:00) moment by which the clerk issues a document signed at ``signed_at``."""
    signed = as_moment(signed_at)
    if isinstance(urgency, int) and not isinstance(urgency, bool) and urgency > 0:
        return signed.astimezone(VN_TZ).isoformat()
    return due_after(agency_calendar(), signed).isoformat()


def due_after(calendar: BusinessCalendar, signed: datetime) -> datetime:
    """The end of the working day of signing; signed after it (or on a day off): the end of the
    next working day's first period, the "next working morning"."""
    local_day = to_local(signed).date()
    received = to_local(calendar.receipt_time(signed))
    periods = calendar.periods_on(received.date())
    _, ends = periods[-1] if received.date() == local_day else periods[0]
    return datetime.combine(received.date(), ends, tzinfo=VN_TZ)

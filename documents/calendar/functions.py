"""Calendar functions that BPMN diagrams may call (registered in documents/wiring.py), e.g. a
deadline in a script task ``due = add_working_days(received_at, 5)`` or a timer's timeDate
``add_working_hours(received_at, 8)``.

They take an ISO 8601 string or an aware datetime and return an ISO 8601 string in Vietnam time
(+07:00), so that process data stays JSON. They read no clock: the result depends only on the
arguments and the calendar of the instance's agency (its hours, days off and make-up days, read
in the step's transaction through engine.step); outside a running step, or for an agency that
never changed its calendar, the national default calendar.
"""
from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa

from engine import step as steps

from ..models import Agency
from ..vntime import VN_TZ
from .business import DEFAULT_CALENDAR, BusinessCalendar
from .service import calendar_for


# Diagram code passes the arguments (its numbers are bounded in BusinessCalendar): keep every call
# to a few milliseconds of holiday tables, however a diagram calls it.
MAX_TEXT = 64  # the longest ISO 8601 date-time is 32 characters
YEARS = range(1900, 2201)


def as_moment(value: str | datetime | date) -> datetime:
    """An aware datetime from an aware datetime or an ISO 8601 string with an offset ('Z' too).
    A bare date ("2026-11-20") is the start of that day in Vietnam; a time without an offset
    is refused, because which instant it names would be a guess. Years 1900–2200 only."""
    moment = _as_moment(value)
    if moment.year not in YEARS:
        raise ValueError(f"year {moment.year} is outside {YEARS.start}–{YEARS.stop - 1}")
    return moment


def _as_moment(value: str | datetime | date) -> datetime:
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise ValueError(f"not an ISO 8601 date-time: {value[:MAX_TEXT]!r}…")
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"not an ISO 8601 date-time: {value!r}") from None
        if len(text) == 10:  # YYYY-MM-DD
            return parsed.replace(tzinfo=VN_TZ)
        value = parsed
    elif isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time(0), tzinfo=VN_TZ)
    if not isinstance(value, datetime):
        raise TypeError(f"expected an ISO 8601 string or a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"time without an offset refused: {value.isoformat()} (add +07:00)")
    return value


def _iso(moment: datetime) -> str:
    # isoformat keeps seconds always and microseconds only when there are some: never rounds.
    return moment.astimezone(VN_TZ).isoformat()


def add_working_days(when: str | datetime | date, days: int) -> str:
    """BusinessCalendar.add_working_days on the instance's agency calendar, ISO 8601 with +07:00."""
    return _iso(_calendar().add_working_days(as_moment(when), days))


def add_working_hours(when: str | datetime | date, hours: float) -> str:
    """BusinessCalendar.add_working_hours on the instance's agency calendar, ISO 8601 with +07:00."""
    return _iso(_calendar().add_working_hours(as_moment(when), hours))


def working_days_before(deadline: str | datetime | date, days: int) -> str:
    """BusinessCalendar.working_days_before on the instance's agency calendar: a reminder
    ``days`` working days ahead of ``deadline``, ISO 8601 with +07:00."""
    return _iso(_calendar().working_days_before(as_moment(deadline), days))


def working_hours_before(deadline: str | datetime | date, hours: float) -> str:
    """BusinessCalendar.working_hours_before on the instance's agency calendar, ISO 8601 with +07:00."""
    return _iso(_calendar().working_hours_before(as_moment(deadline), hours))


def _calendar() -> BusinessCalendar:
    step = steps.current()
    if step is None or step.scope is None:
        return DEFAULT_CALENDAR
    if "calendar" not in step.memo:  # once per step: a diagram may call these many times
        with step.session.no_autoflush:  # mid-step: the engine's pending rows stay pending
            agency_id = step.session.scalar(sa.select(Agency.id).where(Agency.code == step.scope))
            step.memo["calendar"] = DEFAULT_CALENDAR if agency_id is None else calendar_for(step.session, agency_id)
    return step.memo["calendar"]


SANDBOX_FUNCTIONS = {"add_working_days": add_working_days, "add_working_hours": add_working_hours,
                     "working_days_before": working_days_before, "working_hours_before": working_hours_before}

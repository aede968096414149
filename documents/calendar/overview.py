"""What the agency admin reviews (API, page, console): a year of the agency's calendar — its
hours, its own special days, the national holidays and the State's weekend working days as they
apply to it — and what a deadline counted from a given moment would be."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

import holidays
from sqlalchemy.orm import Session

from .business import BusinessCalendar, Week, national_days
from .models import SpecialDay
from .service import calendar_for, special_days, working_hours

LANGUAGES = {"vi": "vi", "en": "en_US"}  # the app's locales → the holidays package's


@dataclass(frozen=True)
class NationalDay:
    day: date
    name: str
    kind: str        # "holiday" (nghỉ lễ, Tết) or "state_workday" (a weekend day the State made working)
    applied: bool    # False when the agency's own declaration overrides it


@dataclass(frozen=True)
class YearView:
    year: int
    hours: Week
    special_days: list[SpecialDay]
    national_days: list[NationalDay]


@dataclass(frozen=True)
class Preview:
    start: datetime
    receipt_time: datetime
    deadline: datetime


def year_view(session: Session, agency_id: int, year: int, language: str = "vi") -> YearView:
    calendar = calendar_for(session, agency_id)
    return YearView(year, working_hours(session, agency_id), special_days(session, agency_id, year),
                    national_view(calendar, year, language))


def national_view(calendar: BusinessCalendar, year: int, language: str = "vi") -> list[NationalDay]:
    """The year's public holidays and State working weekends, each saying whether it holds for
    this agency (a make-up day declared on a holiday, a day off on a State working Saturday)."""
    public_holidays, weekend_workdays = national_days(year)
    names = _names(year, LANGUAGES.get(language, "vi"))
    days = [NationalDay(day, names.get(day, ""), "holiday", day not in calendar.make_up_days)
            for day in public_holidays]
    days += [NationalDay(day, names.get(day, ""), "state_workday", day not in calendar.days_off)
             for day in weekend_workdays]
    return sorted(days, key=lambda d: d.day)


@lru_cache(maxsize=32)
def _names(year: int, language: str) -> dict[date, str]:
    return dict(holidays.country_holidays("VN", years=year, language=language).items())


def preview(session: Session, agency_id: int, start: datetime, days: int | None = None,
            hours: float | None = None) -> Preview:
    """The deadline ``days`` working days (or ``hours`` working hours) from ``start``, as the
    diagrams' add_working_days / add_working_hours count it for this agency."""
    calendar = calendar_for(session, agency_id)
    deadline = (calendar.add_working_hours(start, hours) if hours is not None
                else calendar.add_working_days(start, days or 0))
    return Preview(start, calendar.receipt_time(start), deadline)

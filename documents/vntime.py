"""Vietnam time: every time shown or exported is Asia/Ho_Chi_Minh, ISO 8601 with its offset."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from engine import clock

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# The years a date given by a person may fall in. Beyond them the moment in UTC, or the day
# after, leaves Python's calendar: 9999-12-31 + 1 day, 0001-01-01 00:00+07:00 in UTC.
FIRST_YEAR, LAST_YEAR = 1900, 2999
YEARS_MESSAGE = f"Ngày phải nằm trong các năm {FIRST_YEAR}–{LAST_YEAR}."


def within_years(moment: date) -> bool:
    """Whether a date (or a datetime, by its own calendar) falls in FIRST_YEAR…LAST_YEAR."""
    return FIRST_YEAR <= moment.year <= LAST_YEAR


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(VN_TZ).isoformat(timespec="seconds")


def today() -> date:
    """Today in Vietnam (the engine's clock): the day deadlines and reply dates are counted against."""
    return clock.now().astimezone(VN_TZ).date()

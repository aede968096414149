"""Bodies of the calendar API (/api/calendar): dates as YYYY-MM-DD, times of day as HH:MM in
Vietnam time, weekdays 0 = Monday … 6 = Sunday."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from documents.calendar.business import Week
from documents.calendar.models import SpecialDay
from documents.calendar.overview import NationalDay, Preview, YearView
from documents.calendar.service import NOTE_MAX
from documents.vntime import iso

HHMM = r"^\d{2}:\d{2}$"
Weekday = Literal["0", "1", "2", "3", "4", "5", "6"]


class PeriodIn(BaseModel):
    start: str = Field(pattern=HHMM, examples=["07:30"])
    end: str = Field(pattern=HHMM, examples=["11:30"])


class HoursIn(BaseModel):
    """The whole week: a weekday left out is not worked."""
    weekdays: dict[Weekday, list[PeriodIn]] = Field(
        max_length=7, examples=[{"0": [{"start": "07:30", "end": "11:30"}, {"start": "13:30", "end": "17:00"}]}])

    def as_hours(self) -> dict[int, list[tuple[str, str]]]:
        return {int(day): [(p.start, p.end) for p in periods] for day, periods in self.weekdays.items()}


class HoursOut(BaseModel):
    weekdays: dict[str, list[PeriodIn]]

    @classmethod
    def of(cls, week: Week) -> HoursOut:
        return cls(weekdays={str(day): [PeriodIn(start=f"{s:%H:%M}", end=f"{e:%H:%M}") for s, e in periods]
                             for day, periods in enumerate(week) if periods})


class SpecialDayIn(BaseModel):
    day: date
    kind: Literal["day_off", "make_up"]
    note: str | None = Field(default=None, max_length=NOTE_MAX)


class SpecialDayOut(BaseModel):
    day: date
    kind: str
    note: str | None

    @classmethod
    def of(cls, row: SpecialDay) -> SpecialDayOut:
        return cls(day=row.day, kind=row.kind, note=row.note)


class SwapIn(BaseModel):
    """One swap the Government announces: ``day_off`` is not worked, ``make_up`` is worked instead."""
    day_off: date = Field(examples=["2027-04-30"])
    make_up: date = Field(examples=["2027-05-08"])
    note: str | None = Field(default=None, max_length=NOTE_MAX)


class SwapOut(BaseModel):
    day_off: SpecialDayOut
    make_up: SpecialDayOut


class NationalDayOut(BaseModel):
    day: date
    name: str
    kind: str = Field(description="holiday, or state_workday (a weekend day the State made working)")
    applied: bool = Field(description="false when the agency's own declaration overrides it")

    @classmethod
    def of(cls, row: NationalDay) -> NationalDayOut:
        return cls(day=row.day, name=row.name, kind=row.kind, applied=row.applied)


class CalendarOut(BaseModel):
    year: int
    hours: HoursOut
    special_days: list[SpecialDayOut]
    national_days: list[NationalDayOut]

    @classmethod
    def of(cls, view: YearView) -> CalendarOut:
        return cls(year=view.year, hours=HoursOut.of(view.hours),
                   special_days=[SpecialDayOut.of(row) for row in view.special_days],
                   national_days=[NationalDayOut.of(row) for row in view.national_days])


class WorkingTimeOut(BaseModel):
    start: str
    receipt_time: str = Field(description="when a document arriving at `start` counts as received")
    deadline: str

    @classmethod
    def of(cls, preview: Preview) -> WorkingTimeOut:
        return cls(start=iso(preview.start), receipt_time=iso(preview.receipt_time), deadline=iso(preview.deadline))

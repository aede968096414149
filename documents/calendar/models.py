"""Tables of the business calendar: an agency's working hours and its special days.

An agency without working-period rows works the default hours (calendar.business.DEFAULT_HOURS);
once it sets its own, its rows are the whole week and a weekday without rows is not worked.
Rows are written only through calendar.service, which also renews the agency's revision token:
that token is what lets every process cache built calendars and still see a change at once.
"""
from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base

DAY_OFF, MAKE_UP = "day_off", "make_up"
SPECIAL_DAY_KINDS = (DAY_OFF, MAKE_UP)


class CalendarRevision(Base):
    """One row per agency that changed its calendar. ``token`` is a fresh random value on every
    change (not a counter: a counter reused after a rollback could name a stale cached calendar)."""

    __tablename__ = "calendar_revision"

    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(32))
    updated_at: Mapped[datetime]


class WorkingPeriod(Base):
    """One working period of a weekday (0 = Monday … 6 = Sunday), local Vietnam time, [starts, ends)."""

    __tablename__ = "calendar_working_period"
    __table_args__ = (
        sa.UniqueConstraint("agency_id", "weekday", "starts", name="uq_calendar_working_period"),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="ck_calendar_working_period_weekday"),
        sa.CheckConstraint("starts < ends", name="ck_calendar_working_period_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"))
    weekday: Mapped[int]
    starts: Mapped[time] = mapped_column(sa.Time)
    ends: Mapped[time] = mapped_column(sa.Time)


class SpecialDay(Base):
    """A day the agency declares off (nghỉ bù, its own holiday) or a make-up working day (làm bù).
    One row per agency and date, so a date cannot be both."""

    __tablename__ = "calendar_special_day"
    __table_args__ = (
        sa.UniqueConstraint("agency_id", "day", name="uq_calendar_special_day"),
        sa.CheckConstraint("kind IN ('day_off', 'make_up')", name="ck_calendar_special_day_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"))
    day: Mapped[date] = mapped_column(sa.Date)
    kind: Mapped[str] = mapped_column(sa.String(10))
    note: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime]

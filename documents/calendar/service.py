"""Calendar services: the agency's calendar (cached), its working hours and special days.
Changes need an agency admin, are audited, and only flush; the caller's unit of work commits.

Cache. ``calendar_for`` costs one primary-key query when nothing changed: every change renews
the agency's random revision token (in the same transaction as the rows), and a process-wide
dict maps agency → (token, calendar). Another process, or a rolled-back change, simply shows a
different token and the calendar is rebuilt, so no process ever serves a stale calendar after a
commit. Agencies that never changed anything have no token and get DEFAULT_CALENDAR.
"""
from __future__ import annotations

import unicodedata
import uuid
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from engine import clock
from engine.db import is_postgres

from .. import audit
from ..accounts import Identity
from ..errors import InvalidData, NotAllowed, NotFound
from .business import DEFAULT_CALENDAR, DEFAULT_HOURS, BusinessCalendar, HoursInput, Week, validate_week
from ..models import Agency, Role
from .models import DAY_OFF, MAKE_UP, SPECIAL_DAY_KINDS, CalendarRevision, SpecialDay, WorkingPeriod

CALENDAR_ADMINS = (Role.ADMIN,)
NOTE_MAX = 500
KIND_LABELS = {DAY_OFF: "ngày nghỉ", MAKE_UP: "ngày làm bù"}
# Refusals of a date, shown next to its field (translated by api/locales/domain.en.json).
DECLARED = {DAY_OFF: "Ngày này đã được khai báo là ngày nghỉ.", MAKE_UP: "Ngày này đã được khai báo là ngày làm bù."}
ONE_KIND = "Một ngày không thể vừa là ngày nghỉ vừa là ngày làm bù: hãy xóa khai báo cũ trước."
ALREADY_OFF = "Ngày này đã là ngày không làm việc: không cần nghỉ bù."
ALREADY_WORKING = "Ngày này đã là ngày làm việc: không cần làm bù."
SAME_DAY = "Ngày làm bù phải khác ngày nghỉ."

_cache: dict[int, tuple[str, BusinessCalendar]] = {}


# --- reading -------------------------------------------------------------------------------

def calendar_for(session: Session, agency_id: int) -> BusinessCalendar:
    """The agency's business calendar: national holidays, its hours, its special days."""
    token = session.scalar(sa.select(CalendarRevision.token).where(CalendarRevision.agency_id == agency_id))
    if token is None:
        return DEFAULT_CALENDAR
    cached = _cache.get(agency_id)
    if cached is not None and cached[0] == token:
        return cached[1]
    calendar = _built(session, agency_id)
    _cache[agency_id] = (token, calendar)
    return calendar


def _built(session: Session, agency_id: int) -> BusinessCalendar:
    """The calendar from the rows as this transaction sees them, never cached: a change checks
    against it after renewing the token, when caching would bind the new token to the old rows."""
    days = session.execute(sa.select(SpecialDay.day, SpecialDay.kind).where(SpecialDay.agency_id == agency_id)).all()
    return BusinessCalendar(week=working_hours(session, agency_id),
                            days_off=frozenset(d for d, kind in days if kind == DAY_OFF),
                            make_up_days=frozenset(d for d, kind in days if kind == MAKE_UP))


def working_hours(session: Session, agency_id: int) -> Week:
    """Weekday (0 = Monday) → periods; the default hours while the agency has set none."""
    rows = session.execute(sa.select(WorkingPeriod.weekday, WorkingPeriod.starts, WorkingPeriod.ends)
                           .where(WorkingPeriod.agency_id == agency_id)
                           .order_by(WorkingPeriod.weekday, WorkingPeriod.starts)).all()
    if not rows:
        return DEFAULT_HOURS
    week: list[list[tuple[time, time]]] = [[] for _ in range(7)]
    for weekday, starts, ends in rows:
        week[weekday].append((starts, ends))
    return tuple(tuple(day) for day in week)


def special_days(session: Session, agency_id: int, year: int | None = None) -> list[SpecialDay]:
    query = sa.select(SpecialDay).where(SpecialDay.agency_id == agency_id).order_by(SpecialDay.day)
    if year is not None:
        query = query.where(SpecialDay.day.between(date(year, 1, 1), date(year, 12, 31)))
    return list(session.scalars(query))


# --- changing ------------------------------------------------------------------------------

def set_working_hours(session: Session, who: Identity,
                      hours: HoursInput) -> Week:
    """Replace the agency's whole week: weekday (0 = Monday … 6 = Sunday) → [(start, end), …],
    times as ``time`` or "HH:MM"; a weekday left out is not worked."""
    _require_admin(who)
    week = validate_week(hours)
    _renew_revision(session, who.agency_id)
    before = working_hours(session, who.agency_id)
    session.execute(sa.delete(WorkingPeriod).where(WorkingPeriod.agency_id == who.agency_id))
    session.add_all(WorkingPeriod(agency_id=who.agency_id, weekday=weekday, starts=starts, ends=ends)
                    for weekday, day in enumerate(week) for starts, ends in day)
    session.flush()
    _audit(session, who, "calendar.hours_set", before={"hours": _week_json(before)},
           after={"hours": _week_json(week)})
    return week


def reset_working_hours(session: Session, who: Identity) -> Week:
    """Back to the default hours (Mon–Fri 07:30–11:30, 13:30–17:00)."""
    _require_admin(who)
    _renew_revision(session, who.agency_id)
    before = working_hours(session, who.agency_id)
    session.execute(sa.delete(WorkingPeriod).where(WorkingPeriod.agency_id == who.agency_id))
    session.flush()
    _audit(session, who, "calendar.hours_reset", before={"hours": _week_json(before)},
           after={"hours": _week_json(DEFAULT_HOURS)})
    return DEFAULT_HOURS


def add_special_day(session: Session, who: Identity, day: date | str, kind: str,
                    note: str | None = None) -> SpecialDay:
    """Declare a day off (``day_off``: nghỉ bù, the agency's own holiday) or a make-up working
    day (``make_up``: làm bù, e.g. a Saturday). A date holds one kind only."""
    _require_admin(who)
    day, note = _as_date(day), _note(note)
    if kind not in SPECIAL_DAY_KINDS:
        raise InvalidData(f"Loại ngày không hợp lệ: {kind!r} (chỉ nhận 'day_off' hoặc 'make_up').")
    # Renewing first takes the revision row's lock: two admins changing the calendar queue up,
    # so the check below sees the other's committed row.
    _renew_revision(session, who.agency_id)
    problem = _declared(session, who.agency_id, day, kind)
    if problem:
        raise InvalidData(f"Ngày {day:%d/%m/%Y}: {problem}", errors={"day": problem})
    row = _insert_day(session, who.agency_id, day, kind, note)
    _audit(session, who, "calendar.special_day_added", object_id=day.isoformat(),
           after={"day": day.isoformat(), "kind": kind, "note": note})
    return row


def add_swap(session: Session, who: Identity, day_off: date | str, make_up: date | str,
             note: str | None = None) -> tuple[SpecialDay, SpecialDay]:
    """A swap the Government announces ("làm bù thứ Bảy … để nghỉ thứ Sáu …"): a day off and a
    make-up working day, stored together or not at all. Refused when the day off is not a
    working day now (nothing to swap) or the make-up day already is one (nothing to make up)."""
    _require_admin(who)
    errors: dict[str, str] = {}
    days: dict[str, date] = {}
    for field, value in (("day_off", day_off), ("make_up", make_up)):
        try:
            days[field] = _as_date(value)
        except InvalidData as exc:
            errors[field] = exc.message
    note = _note(note)
    if errors:
        raise InvalidData(" ".join(errors.values()), errors=errors)
    off, work = days["day_off"], days["make_up"]
    if off == work:
        raise InvalidData(SAME_DAY, errors={"make_up": SAME_DAY})
    _renew_revision(session, who.agency_id)
    calendar = _built(session, who.agency_id)
    problems = []
    for field, day, kind in (("day_off", off, DAY_OFF), ("make_up", work, MAKE_UP)):
        problem = _declared(session, who.agency_id, day, kind)
        if problem is None and kind == DAY_OFF and not calendar.is_working_day(day):
            problem = ALREADY_OFF
        if problem is None and kind == MAKE_UP and calendar.is_working_day(day):
            problem = ALREADY_WORKING
        if problem:
            errors[field] = problem
            problems.append(f"Ngày {day:%d/%m/%Y}: {problem}")
    if errors:
        raise InvalidData(" ".join(problems), errors=errors)
    rows = (_insert_day(session, who.agency_id, off, DAY_OFF, note),
            _insert_day(session, who.agency_id, work, MAKE_UP, note))
    _audit(session, who, "calendar.swap_added", object_id=off.isoformat(),
           after={"day_off": off.isoformat(), "make_up": work.isoformat(), "note": note})
    return rows


def _declared(session: Session, agency_id: int, day: date, kind: str) -> str | None:
    """Why ``day`` cannot be declared ``kind``: it already holds a kind (one per date). Without
    the date, so that the page shows it next to its field in its own language."""
    existing = session.scalar(sa.select(SpecialDay.kind).where(SpecialDay.agency_id == agency_id,
                                                               SpecialDay.day == day))
    if existing is None:
        return None
    if existing == kind:
        return DECLARED[kind]
    return DECLARED[existing] + " " + ONE_KIND


def _insert_day(session: Session, agency_id: int, day: date, kind: str, note: str | None) -> SpecialDay:
    row = SpecialDay(agency_id=agency_id, day=day, kind=kind, note=note, created_at=clock.now())
    session.add(row)
    session.flush()
    return row


def remove_special_day(session: Session, who: Identity, day: date | str) -> None:
    _require_admin(who)
    day = _as_date(day)
    _renew_revision(session, who.agency_id)
    row = session.scalar(sa.select(SpecialDay).where(SpecialDay.agency_id == who.agency_id,
                                                     SpecialDay.day == day))
    if row is None:
        raise NotFound(f"Ngày {day:%d/%m/%Y} không có trong danh sách ngày nghỉ / làm bù của cơ quan.")
    session.delete(row)
    session.flush()
    _audit(session, who, "calendar.special_day_removed", object_id=day.isoformat(),
           before={"day": day.isoformat(), "kind": row.kind, "note": row.note})


def console_operator(session: Session, agency_code: str) -> Identity:
    """Who changes an agency's calendar from the console (qlvbdh calendar …): the system, with
    the agency admin's right and no user, so the audit trail records no person (actor_id NULL)."""
    agency = session.scalar(sa.select(Agency).where(Agency.code == agency_code.strip().upper()))
    if agency is None:
        raise NotFound(f"Không có cơ quan mã {agency_code!r}.")
    return Identity(user_id=None, username="system", full_name="Hệ thống", agency_id=agency.id,  # type: ignore[arg-type]
                    agency_code=agency.code, unit_id=None, roles=frozenset({Role.ADMIN}))


# --- helpers -------------------------------------------------------------------------------

def require_admin(who: Identity) -> None:
    """Only the agency's admin reads the calendar's settings or changes them."""
    _require_admin(who)


def _require_admin(who: Identity) -> None:
    if not who.has_any(*CALENDAR_ADMINS):
        raise NotAllowed("Chỉ quản trị của cơ quan mới được thay đổi lịch làm việc.")


def _renew_revision(session: Session, agency_id: int) -> None:
    """A fresh token for the agency (an upsert, so two first changes at once cannot collide)."""
    insert = (pg_insert if is_postgres(session) else sqlite_insert)(CalendarRevision)
    session.execute(insert.values(agency_id=agency_id, token=uuid.uuid4().hex, updated_at=clock.now())
                    .on_conflict_do_update(index_elements=[CalendarRevision.agency_id],
                                           set_={"token": insert.excluded.token,
                                                 "updated_at": insert.excluded.updated_at}))


def _as_date(value: date | str) -> date:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise InvalidData(f"Ngày không hợp lệ: {value!r} (dạng ISO 8601, ví dụ 2026-09-05).") from None
    # A datetime is a date too, but which day it names depends on its zone: refuse the guess.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise InvalidData(f"Ngày không hợp lệ: {value!r} (cần một ngày, không kèm giờ).")


def _note(note: str | None) -> str | None:
    if note is None:
        return None
    note = unicodedata.normalize("NFC", note).strip()  # TCVN 6909:2001: Vietnamese text stored NFC
    if len(note) > NOTE_MAX:
        raise InvalidData(f"Ghi chú dài tối đa {NOTE_MAX} ký tự.")
    return note or None


def _week_json(week: Week) -> dict[str, list[str]]:
    return {str(weekday): [f"{s:%H:%M}–{e:%H:%M}" for s, e in day] for weekday, day in enumerate(week) if day}


def _audit(session: Session, who: Identity, action: str, object_id: str | None = None, **change) -> None:
    audit.record(session, action, actor_id=who.user_id, agency_code=who.agency_code,
                 object_type="calendar", object_id=object_id if object_id is not None else who.agency_id,
                 **change)

"""`qlvbdh calendar …`: the console's way to review and change an agency's calendar, e.g. to enter
a swap the Government announces on the day it is announced. Changes go through the same
services as the API and the page, audited as the system (no person: console_operator)."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy.orm import Session

from engine import clock

from ..errors import InvalidData
from ..vntime import VN_TZ
from . import overview, service
from .business import WEEKDAY_NAMES, Week
from .models import DAY_OFF, MAKE_UP

KIND_NAMES = {DAY_OFF: "ngày nghỉ", MAKE_UP: "ngày làm bù"}
# "0-4=07:30-11:30,13:30-17:00": weekdays (0 = Monday; a range or a comma list) = periods
# (none after "=": not worked).
_WEEKDAYS = re.compile(r"^\s*([0-6](?:\s*-\s*[0-6])?(?:\s*,\s*[0-6](?:\s*-\s*[0-6])?)*)\s*=(.*)$")


def parse_day(text: str) -> date:
    """YYYY-MM-DD or dd/mm/yyyy, as people type it."""
    text = text.strip()
    found = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    try:
        return date(int(found[3]), int(found[2]), int(found[1])) if found else date.fromisoformat(text)
    except ValueError:
        raise InvalidData(f"Ngày không hợp lệ: {text!r} (dạng YYYY-MM-DD hoặc dd/mm/yyyy).") from None


def parse_week(specs: list[str]) -> dict[int, list[tuple[str, str]]]:
    """The whole week from ``--weekday`` values; a weekday named nowhere is not worked."""
    week: dict[int, list[tuple[str, str]]] = {}
    for spec in specs:
        found = _WEEKDAYS.match(spec)
        if not found:
            raise InvalidData(f"Không đọc được {spec!r}: cần dạng 0-4=07:30-11:30,13:30-17:00 "
                              "(0 = Thứ Hai … 6 = Chủ nhật).")
        periods = [tuple(p.strip() for p in period.split("-", 1)) for period in found[2].split(",") if period.strip()]
        if any(len(p) != 2 for p in periods):
            raise InvalidData(f"Không đọc được các buổi trong {spec!r}: mỗi buổi dạng HH:MM-HH:MM.")
        for weekday in _weekdays(found[1]):
            if weekday in week:
                raise InvalidData(f"{WEEKDAY_NAMES[weekday]} được khai báo hai lần.")
            week[weekday] = periods
    return {day: periods for day, periods in week.items() if periods}


def _weekdays(text: str) -> list[int]:
    days = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        days += range(int(first), int(last or first) + 1)
    return days


def show(session: Session, agency_code: str, year: int | None) -> str:
    who = service.console_operator(session, agency_code)
    view = overview.year_view(session, who.agency_id, year or clock.now().astimezone(VN_TZ).year)
    lines = [f"Lịch làm việc của {who.agency_code}, năm {view.year}", "Giờ làm việc:"]
    lines += [f"  {WEEKDAY_NAMES[day]:9} {_periods(view.hours, day)}" for day in range(7)]
    lines.append("Ngày nghỉ, ngày làm bù của cơ quan:")
    lines += [f"  {row.day:%d/%m/%Y} {KIND_NAMES[row.kind]}{' · ' + row.note if row.note else ''}"
              for row in view.special_days] or ["  (chưa khai báo)"]
    lines.append("Ngày lễ, Tết và ngày làm việc theo quy định của Nhà nước:")
    lines += [f"  {row.day:%d/%m/%Y} {row.name or 'Ngày làm việc theo quyết định của Nhà nước'}"
              f"{'' if row.applied else ' (cơ quan khai báo khác)'}" for row in view.national_days]
    return "\n".join(lines)


def _periods(week: Week, day: int) -> str:
    return ", ".join(f"{s:%H:%M}–{e:%H:%M}" for s, e in week[day]) or "nghỉ"


def add_day(session: Session, agency_code: str, day: str, kind: str, note: str | None) -> str:
    who = service.console_operator(session, agency_code)
    row = service.add_special_day(session, who, parse_day(day), kind, note)
    return f"{row.day:%d/%m/%Y}: {KIND_NAMES[kind]} ({who.agency_code})"


def add_swap(session: Session, agency_code: str, off: str, work: str, note: str | None) -> str:
    who = service.console_operator(session, agency_code)
    day_off, make_up = service.add_swap(session, who, parse_day(off), parse_day(work), note)
    return f"nghỉ {day_off.day:%d/%m/%Y}, làm bù {make_up.day:%d/%m/%Y} ({who.agency_code})"


def remove(session: Session, agency_code: str, day: str) -> str:
    who, removed = service.console_operator(session, agency_code), parse_day(day)
    service.remove_special_day(session, who, removed)
    return f"đã xoá khai báo ngày {removed:%d/%m/%Y} ({who.agency_code})"


def set_hours(session: Session, agency_code: str, specs: list[str] | None, reset: bool) -> str:
    who = service.console_operator(session, agency_code)
    if reset == bool(specs):
        raise InvalidData("Cần --weekday (một hoặc nhiều lần) hoặc --reset, không cả hai.")
    week = service.reset_working_hours(session, who) if reset else service.set_working_hours(session, who, parse_week(specs))
    return "\n".join(f"  {WEEKDAY_NAMES[day]:9} {_periods(week, day)}" for day in range(7))

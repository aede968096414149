"""The agency's settings (/admin/agency): its name and abbreviation (in outgoing notations), and its business calendar — the working hours
and the special days (days off, make-up working days, swaps) from which the workflows' deadlines
in working days and hours are counted (documents/calendar) — with the year's national holidays
and a check of what a deadline would be. Dates are typed dd/mm/yyyy (or picked)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlalchemy.orm import Session

from documents import administration
from documents.accounts import Identity
from documents.calendar import overview, service as calendar
from documents.calendar.business import MAX_WORKING_DAYS, WEEKDAY_NAMES
from documents.calendar.models import SPECIAL_DAY_KINDS
from documents.models import Agency
from documents.vntime import VN_TZ
from engine import clock

from ..deps import DB, CsrfUser, PageUser
from ..i18n import locale_of
from .formdata import END_OF_WORKING_DAY, FormText, Unreadable, typed_date
from .refusals import NOTHING_FAILED, Failed, attempt
from .render import page

router = APIRouter(include_in_schema=False)
CONFLICT = "admin.conflict"
HALVES = ("am", "pm")  # the form offers two working periods a day, as Vietnamese offices work
Times = Annotated[list[str], Form()]


@router.get("/admin/agency")
def agency_page(request: Request, who: PageUser, session: DB):
    return _agency_page(request, session, who)


@router.post("/admin/agency")
def rename(request: Request, who: CsrfUser, session: DB, name: FormText = ""):
    return _act(request, session, who, "name", {"name": name},
                lambda: administration.rename_agency(session, who, name), "#name")


@router.post("/admin/agency/abbreviation")
def set_abbreviation(request: Request, who: CsrfUser, session: DB, abbreviation: FormText = ""):
    return _act(request, session, who, "abbreviation", {"abbreviation": abbreviation},
                lambda: administration.set_agency_abbreviation(session, who, abbreviation), "#name")


@router.post("/admin/agency/hours")
def set_hours(request: Request, who: CsrfUser, session: DB, am_start: Times = [], am_end: Times = [],
              pm_start: Times = [], pm_end: Times = []):
    columns = {"am_start": am_start, "am_end": am_end, "pm_start": pm_start, "pm_end": pm_end}
    values = {f"{name}-{day}": (times[day] if day < len(times) else "") for name, times in columns.items()
              for day in range(7)}

    def action():
        administration.require_admin(who)
        return calendar.set_working_hours(session, who, _week(values))

    return _act(request, session, who, "hours", values, action, "#hours")


@router.post("/admin/agency/days")
def add_day(request: Request, who: CsrfUser, session: DB, day: FormText = "", kind: FormText = "",
            note: FormText = ""):
    def action():
        administration.require_admin(who)
        if kind not in SPECIAL_DAY_KINDS:
            raise Unreadable("kind", "admin.agency.kind_required")
        return calendar.add_special_day(session, who, _day(day), kind, note or None)

    return _act(request, session, who, "day", {"day": day, "kind": kind, "note": note}, action, "#days",
                year=_year_of(day))


@router.post("/admin/agency/swaps")
def add_swap(request: Request, who: CsrfUser, session: DB, day_off: FormText = "", make_up: FormText = "",
             note: FormText = ""):
    def action():
        administration.require_admin(who)
        return calendar.add_swap(session, who, _day(day_off, "day_off"), _day(make_up, "make_up"), note or None)

    return _act(request, session, who, "swap", {"day_off": day_off, "make_up": make_up, "note": note}, action,
                "#days", year=_year_of(day_off))


@router.post("/admin/agency/days/{day}/remove")
def remove_day(day: str, request: Request, who: CsrfUser, session: DB):
    def action():
        administration.require_admin(who)
        return calendar.remove_special_day(session, who, _day(day))

    return _act(request, session, who, f"remove-{day}", {}, action, "#days", year=_year_of(day))


def _week(values: dict[str, str]) -> dict[int, list[tuple[str, str]]]:
    """weekday → the periods filled in; a half left empty is not worked, a half filled in part
    is sent as it is for the calendar to refuse."""
    week: dict[int, list[tuple[str, str]]] = {}
    for day in range(7):
        for half in HALVES:
            start, end = values[f"{half}_start-{day}"].strip(), values[f"{half}_end-{day}"].strip()
            if start or end:
                week.setdefault(day, []).append((start, end))
    return week


def _day(text: str, field: str = "day") -> date:
    """dd/mm/yyyy as typed (or ISO, as the picker and the remove buttons send it)."""
    day = typed_date(text)
    if isinstance(day, datetime) or day is None:
        raise Unreadable(field, "admin.agency.bad_date")
    return day


def _year_of(text: str) -> int | None:
    day = typed_date(text)
    return day.year if day is not None else None


def _act(request: Request, session: Session, who: Identity, form: str, values: dict[str, str], action,
         anchor: str, year: int | None = None):
    # Back to the year of the day just changed, so the admin sees it in the year's list.
    shown = f"&year={year}" if year else ""
    return attempt(request, session, form, values, action, conflict=CONFLICT,
                   shown_again=lambda failed, status: _agency_page(request, session, who, failed, status),
                   then=lambda _: f"/admin/agency?saved=1{shown}{anchor}")


def _year(request: Request) -> int:
    text = request.query_params.get("year", "")
    year = int(text) if text.isdigit() else 0
    return year if 1900 <= year <= 2200 else clock.now().astimezone(VN_TZ).year


def _check(request: Request, session: Session, who: Identity) -> dict:
    """The deadline check (GET ?from=dd/mm/yyyy [HH:MM]&days=N): what was asked, and the
    result or the field that could not be read."""
    asked = {"from": request.query_params.get("from", ""), "days": request.query_params.get("days", "")}
    if not asked["from"] and not asked["days"]:
        return {"asked": asked}
    start, days = typed_date(asked["from"]), asked["days"].strip()
    if start is None:
        return {"asked": asked, "error": {"from": "calendar_admin.check.bad_from"}}
    if not days.isdigit() or int(days) > MAX_WORKING_DAYS:
        return {"asked": asked, "error": {"days": "calendar_admin.check.bad_days"}}
    if not isinstance(start, datetime):  # a date alone: 17:00, as the date picker fills it
        start = datetime.combine(start, END_OF_WORKING_DAY)
    moment = start if start.tzinfo else start.replace(tzinfo=VN_TZ)
    return {"asked": asked, "result": overview.preview(session, who.agency_id, moment, int(days))}


def _agency_page(request: Request, session: Session, who: Identity, failed: Failed = NOTHING_FAILED,
                 status: int = 200):
    administration.require_admin(who)
    week = calendar.working_hours(session, who.agency_id)
    hours = {}
    for day, periods in enumerate(week):
        for half, (start, end) in zip(HALVES, periods):
            hours[f"{half}_start-{day}"], hours[f"{half}_end-{day}"] = f"{start:%H:%M}", f"{end:%H:%M}"
    year = _year(request)
    view = overview.year_view(session, who.agency_id, year, locale_of(request))
    return page(request, "admin_agency.html", {
        "who": who, "agency": session.get(Agency, who.agency_id), "hours": hours, "weekdays": range(7),
        "weekday_names": WEEKDAY_NAMES, "year": year, "year_days": _year_days(view),
        "kinds": SPECIAL_DAY_KINDS, "failed": failed, "section": "agency", "check": _check(request, session, who),
        "saved": bool(request.query_params.get("saved"))}, status)


def _year_days(view: overview.YearView) -> list[dict]:
    """The agency's own days and the national ones of the year, in date order (a national day the
    agency overrides is listed too, marked as not applied)."""
    rows = [{"day": row.day, "kind": row.kind, "text": row.note, "own": True} for row in view.special_days]
    rows += [{"day": row.day, "kind": row.kind, "text": row.name, "own": False, "applied": row.applied}
             for row in view.national_days]
    return sorted(rows, key=lambda row: (row["day"], not row["own"]))

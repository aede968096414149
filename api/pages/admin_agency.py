"""The agency's settings (/admin/agency): its name, and its business calendar — the working hours
and the special days (days off, make-up working days) from which the workflows' deadlines in
working days and hours are counted (documents/calendar)."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlalchemy.orm import Session

from documents import administration
from documents.accounts import Identity
from documents.calendar import service as calendar
from documents.calendar.business import WEEKDAY_NAMES
from documents.calendar.models import SPECIAL_DAY_KINDS
from documents.models import Agency

from ..deps import DB, CsrfUser, PageUser
from .formdata import FormText, Unreadable
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

    return _act(request, session, who, "day", {"day": day, "kind": kind, "note": note}, action, "#days")


@router.post("/admin/agency/days/{day}/remove")
def remove_day(day: str, request: Request, who: CsrfUser, session: DB):
    def action():
        administration.require_admin(who)
        return calendar.remove_special_day(session, who, _day(day))

    return _act(request, session, who, f"remove-{day}", {}, action, "#days")


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


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Unreadable("day", "admin.agency.bad_date") from None


def _act(request: Request, session: Session, who: Identity, form: str, values: dict[str, str], action,
         anchor: str):
    return attempt(request, session, form, values, action, conflict=CONFLICT,
                   shown_again=lambda failed, status: _agency_page(request, session, who, failed, status),
                   then=lambda _: "/admin/agency?saved=1" + anchor)


def _agency_page(request: Request, session: Session, who: Identity, failed: Failed = NOTHING_FAILED,
                 status: int = 200):
    administration.require_admin(who)
    week = calendar.working_hours(session, who.agency_id)
    hours = {}
    for day, periods in enumerate(week):
        for half, (start, end) in zip(HALVES, periods):
            hours[f"{half}_start-{day}"], hours[f"{half}_end-{day}"] = f"{start:%H:%M}", f"{end:%H:%M}"
    return page(request, "admin_agency.html", {
        "who": who, "agency": session.get(Agency, who.agency_id), "hours": hours, "weekdays": range(7),
        "weekday_names": WEEKDAY_NAMES, "special_days": calendar.special_days(session, who.agency_id),
        "kinds": SPECIAL_DAY_KINDS, "failed": failed, "section": "agency",
        "saved": bool(request.query_params.get("saved"))}, status)

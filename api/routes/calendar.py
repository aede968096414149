"""JSON API: the agency's business calendar (working hours, days off, make-up working days,
swaps), for the agency admin only. Every route works on the caller's own agency: there is no
agency in the path, so another agency's calendar cannot even be named."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from documents.calendar import overview, service
from documents.calendar.business import MAX_WORKING_DAYS, MAX_WORKING_HOURS
from documents.calendar.functions import as_moment
from documents.errors import InvalidData
from documents.vntime import VN_TZ
from engine import clock

from ..calendar_schemas import CalendarOut, HoursIn, HoursOut, SpecialDayIn, SpecialDayOut, SwapIn, SwapOut, WorkingTimeOut
from ..deps import DB, ApiUser
from ..schemas import ERRORS

router = APIRouter(prefix="/api/calendar", tags=["business calendar"], responses=ERRORS)
Year = Annotated[int | None, Query(ge=1900, le=2200, description="the year shown; this year when left out")]


@router.get("", response_model=CalendarOut,
            summary="The agency's hours, its special days of a year and the national holidays as they apply")
def shown(who: ApiUser, session: DB, year: Year = None,
          language: Annotated[str, Query(pattern="^(vi|en)$")] = "vi") -> CalendarOut:
    service.require_admin(who)
    return CalendarOut.of(overview.year_view(session, who.agency_id, year or clock.now().astimezone(VN_TZ).year, language))


@router.put("/hours", response_model=HoursOut, summary="Replace the working hours of the whole week")
def set_hours(body: HoursIn, who: ApiUser, session: DB) -> HoursOut:
    return HoursOut.of(service.set_working_hours(session, who, body.as_hours()))


@router.post("/days", response_model=SpecialDayOut, status_code=201,
             summary="Declare a day off (day_off) or a make-up working day (make_up)")
def add_day(body: SpecialDayIn, who: ApiUser, session: DB) -> SpecialDayOut:
    return SpecialDayOut.of(service.add_special_day(session, who, body.day, body.kind, body.note))


@router.delete("/days/{day}", status_code=204, response_class=Response,
               summary="Remove a declared day off or make-up day (YYYY-MM-DD)")
def remove_day(day: date, who: ApiUser, session: DB) -> Response:
    service.remove_special_day(session, who, day)
    return Response(status_code=204)


@router.post("/swaps", response_model=SwapOut, status_code=201,
             summary="A swap: a working day off and a make-up working day, stored together or not at all")
def add_swap(body: SwapIn, who: ApiUser, session: DB) -> SwapOut:
    off, work = service.add_swap(session, who, body.day_off, body.make_up, body.note)
    return SwapOut(day_off=SpecialDayOut.of(off), make_up=SpecialDayOut.of(work))


@router.get("/working-time", response_model=WorkingTimeOut,
            summary="When a document arriving at `from` counts as received, and its deadline `days` "
                    "working days (or `hours` working hours) later")
def working_time(who: ApiUser, session: DB,
                 start: Annotated[str, Query(alias="from", max_length=64,
                                             description="YYYY-MM-DD or an ISO 8601 time with its offset")],
                 days: Annotated[int | None, Query(ge=0, le=MAX_WORKING_DAYS)] = None,
                 hours: Annotated[float | None, Query(ge=0, le=MAX_WORKING_HOURS)] = None) -> WorkingTimeOut:
    service.require_admin(who)
    if days is not None and hours is not None:
        raise InvalidData("Chỉ chọn một: số ngày làm việc hoặc số giờ làm việc.", errors={"hours": "Bỏ số giờ hoặc số ngày."})
    try:
        moment = as_moment(start)
    except (TypeError, ValueError) as exc:
        raise InvalidData("Thời điểm không hợp lệ (YYYY-MM-DD hoặc ISO 8601 kèm múi giờ, ví dụ "
                          "2027-04-29T10:00:00+07:00).", errors={"from": str(exc)}) from None
    return WorkingTimeOut.of(overview.preview(session, who.agency_id, moment, days, hours))

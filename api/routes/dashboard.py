"""JSON API: the leader's dashboard figures and drill-down lists (issue 11 item 4). Every route
counts the caller's own agency (or, for the province, the agencies below it): no agency is named
in the request. Who sees what: documents/dashboard/access.py."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from documents.dashboard import access, periods, queries
from documents.dashboard.overview import overview
from documents.vntime import iso
from engine import clock

from ..dashboard_schemas import DashboardOut, FiguresOut, GroupOut, ItemsOut, NamedOut, PointOut, ProvinceOut, ScopeOut
from ..deps import DB, ApiUser
from ..schemas import ERRORS

router = APIRouter(prefix="/api/dashboard", tags=["dashboard"], responses=ERRORS)
Id = Annotated[int | None, Query(ge=1, le=2**31 - 1)]
Status = Literal["open", "due_soon", "overdue", "completed_on_time", "completed_late"]
# The series' periods; the completed figures (and their lists) count from the first of them.
Period = Annotated[Literal["week", "month"], Query(description="Monday-start weeks or months, Vietnam time")]
Periods = Annotated[int, Query(alias="periods", ge=1, le=periods.MAX_PERIODS, description="how many, up to now")]


@router.get("", response_model=DashboardOut,
            summary="Open, due soon, overdue, completed on time and late, average handling time of the agency, "
                    "a unit or a person; by unit, by person, and a week or month series")
def dashboard(who: ApiUser, session: DB, unit_id: Id = None, user_id: Id = None, period: Period = "week",
              periods_: Periods = 12) -> DashboardOut:
    scope = access.scope_for(session, who, unit_id, user_id)
    shown = overview(session, scope, clock.now(), period, periods_)
    return DashboardOut(
        scope=ScopeOut(agency=NamedOut(id=shown.agency.id, name=shown.agency.name),
                       unit=NamedOut(id=shown.unit.id, name=shown.unit.name) if shown.unit else None,
                       person=NamedOut(id=shown.person.id, name=shown.person.name) if shown.person else None),
        at=iso(shown.at), period=shown.period, since=iso(shown.since), totals=FiguresOut.of(shown.totals),
        by_unit=[GroupOut.of_group(row) for row in shown.by_unit],
        by_person=[GroupOut.of_group(row) for row in shown.by_person],
        series=[PointOut.of(point) for point in shown.series])


@router.get("/items", response_model=ItemsOut,
            summary="The documents behind a figure, the most overdue first, a page of 20 at a time "
                    "(completed ones: within the periods, as the figures count them)")
def listed(who: ApiUser, session: DB, status: Status, unit_id: Id = None, user_id: Id = None,
           page: Annotated[int, Query(ge=1, le=100_000)] = 1, period: Period = "week",
           periods_: Periods = 12) -> ItemsOut:
    scope = access.scope_for(session, who, unit_id, user_id)
    at = clock.now()
    since = periods.window_start(period, periods_, at)
    return ItemsOut.of(status, iso(at), queries.items(session, scope, at, status, page, since=since))


@router.get("/province", response_model=ProvinceOut,
            summary="The figures of the caller's agency and of every agency below it, side by side (seed 002 Đ15)")
def province(who: ApiUser, session: DB, period: Period = "week", periods_: Periods = 12) -> ProvinceOut:
    agency_ids = access.province_scope(session, who)
    at = clock.now()
    since = periods.window_start(period, periods_, at)
    return ProvinceOut.of(iso(at), iso(since), queries.province(session, agency_ids, at, since))

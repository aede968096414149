"""The whole dashboard of a scope at once — what the page and GET /api/dashboard both show.

    overview(session, scope, at, kind="week", count=12) -> Overview
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from ..models import Agency, OrgUnit, User
from . import periods, queries
from .access import Scope


@dataclass(frozen=True)
class Named:
    id: int
    name: str


@dataclass(frozen=True)
class Overview:
    agency: Named
    unit: Named | None
    person: Named | None
    at: datetime
    period: str
    since: datetime  # the completed figures count from here: the first period of the series
    totals: queries.Figures
    by_unit: list[queries.Group]
    by_person: list[queries.Group]
    series: list[queries.Point]


def _named(session: Session, model, row_id: int | None, field: str = "name") -> Named | None:
    row = None if row_id is None else session.get(model, row_id)
    return None if row is None else Named(row.id, getattr(row, field))


def overview(session: Session, scope: Scope, at: datetime, kind: str = periods.WEEK, count: int = 12) -> Overview:
    """Open, due soon and overdue now; completed (on time, late, handling time) within the
    ``count`` periods of ``kind`` the series shows."""
    since = periods.window_start(kind, count, at)
    return Overview(
        agency=_named(session, Agency, scope.agency_id), unit=_named(session, OrgUnit, scope.unit_id),
        person=_named(session, User, scope.user_id, "full_name"), at=at, period=kind, since=since,
        totals=queries.totals(session, scope, at, since), by_unit=queries.by_unit(session, scope, at, since),
        by_person=queries.by_person(session, scope, at, since), series=queries.series(session, scope, at, kind, count))

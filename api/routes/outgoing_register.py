"""The outgoing documents over JSON: the list of a tab (the register, one's drafts, what waits
for one, every document), searched and filtered, and the register as XLSX or PDF. Included
before api/routes/outgoing.py: "/api/outgoing/register.xlsx" must not reach a "/{id}" route."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from documents.accounts import Identity
from documents.incoming.exports import WRITERS, Period
from documents.outgoing import exports, register
from documents.outgoing.models import STATES
from documents.outgoing.register import Filters, Tab
from documents.vntime import FIRST_YEAR, LAST_YEAR, VN_TZ
from engine import clock

from ..deps import DB, ApiUser
from ..downloads import attachment
from ..outgoing_register_schemas import OutgoingList, OutgoingListItem
from ..params import Offset
from ..schemas import ERRORS

router = APIRouter(prefix="/api/outgoing", tags=["outgoing documents"], responses=ERRORS)


def period_query(issued_from: date | None = None, issued_to: date | None = None,
                 year: Annotated[int | None, Query(ge=FIRST_YEAR, le=LAST_YEAR,
                                                   description="instead of a date range")] = None) -> Period:
    """A year, a range of issue dates, or by default this year (Vietnam time)."""
    return Period.of(issued_from, issued_to, year, clock.now().astimezone(VN_TZ).date())


PeriodQuery = Annotated[Period, Depends(period_query)]


def register_export(session: Session, who: Identity, kind: str, file_format: str, period: Period) -> Response:
    """The file the API and the page send alike: a snapshot, never cached."""
    exported = exports.export(session, who, kind, file_format, period)
    return attachment(exported.data, exported.media_type, exported.file_name)


@router.get("", response_model=OutgoingList,
            summary="Outgoing documents of a tab: issued (the register), mine (my drafts), waiting (my open steps), "
                    "all (clerks, leaders); searched accent-insensitively, filtered, paged")
def search(who: ApiUser, session: DB, tab: Tab = Tab.ISSUED,
           q: Annotated[str | None, Query(max_length=200, description="words of subject, notation, type, "
                                                                      "recipients, summary")] = None,
           doc_type: Annotated[str | None, Query(max_length=100)] = None,
           urgency: Annotated[str | None, Query(pattern="^(normal|urgent|very_urgent|flash)$")] = None,
           state: Annotated[str | None, Query(pattern="^(" + "|".join(STATES) + ")$")] = None,
           date_from: Annotated[date | None, Query(description="issued (register) or created (other tabs) from")] = None,
           date_to: date | None = None, limit: Annotated[int, Query(ge=1, le=register.MAX_PAGE)] = 50,
           offset: Offset = 0) -> OutgoingList:
    filters = Filters(tab=tab, text=q, doc_type=doc_type, urgency=urgency, state=state, date_from=date_from,
                      date_to=date_to, limit=limit, offset=offset)
    total, rows = register.search(session, who, filters)
    return OutgoingList(total=total, items=[OutgoingListItem.of(row) for row in rows])


def _export_route(kind: str, file_format: str) -> None:
    """One download route a register and format: /register.xlsx, /register/normative.pdf …"""
    path = f"/register.{file_format}" if kind == "register" else f"/register/{kind}.{file_format}"

    def export(who: ApiUser, session: DB, period: PeriodQuery) -> Response:
        return register_export(session, who, kind, file_format, period)

    title = exports.KINDS[kind].file_name
    router.get(path, summary=f"{title} (NĐ 30 Phụ lục IV) of a year or date range, as {file_format.upper()}",
               response_class=Response, name=f"outgoing_{kind}_{file_format}",
               operation_id=f"export_outgoing_{kind}_{file_format}",
               responses={200: {"content": {WRITERS[file_format].media_type: {}}}})(export)


for _kind in exports.KINDS:
    for _format in WRITERS:
        _export_route(_kind, _format)

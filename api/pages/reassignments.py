"""The re-assignment requests waiting for a unit head (their unit's) or a leader (the agency's):
/incoming/requests, open ones by default, and on each open one "Giao lại" (re-assign the
handling to a person of the unit, which grants the request) or "Từ chối" (decline it with a
reason). Of two people deciding the same request, the second gets 409: someone decided first."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session

from documents.accounts import Identity
from documents.errors import InvalidData
from documents.incoming import handling, people, queries, reassignment
from documents.incoming.handling_view import Choice, choices
from documents.incoming.casework_models import REQUEST_STATES, ReassignmentRequest
from documents.incoming.reassignment import OPEN
from documents.models import User

from ..deps import DB, CsrfUser, PageUser, Runtime
from .formdata import FormText, optional_int
from .refusals import NOTHING_FAILED, Failed, attempt
from .render import page

router = APIRouter(include_in_schema=False)
ALL = "all"
FILTERS = (*REQUEST_STATES, ALL)


@router.get("/incoming/requests")
def request_list(request: Request, who: PageUser, session: DB,
                 state: Annotated[str, Query(max_length=20)] = OPEN):
    return _list_page(request, session, who, state)


@router.post("/incoming/{document_id:int}/reassignment-requests/{request_id:int}/grant")
def grant(document_id: int, request_id: int, request: Request, who: CsrfUser, session: DB, runtime: Runtime,
          lead_user_id: FormText = "", lead_unit_id: FormText = "", reason: FormText = ""):
    return _on_the_list(
        request, session, who, f"grant-{request_id}", {"lead_user_id": lead_user_id, "reason": reason},
        lambda: handling.reassign(session, runtime, who, document_id, request_id=request_id, reason=reason,
                                  lead_user_id=optional_int("lead_user_id", lead_user_id),
                                  lead_unit_id=optional_int("lead_unit_id", lead_unit_id)))


@router.post("/incoming/{document_id:int}/reassignment-requests/{request_id:int}/decline")
def decline(document_id: int, request_id: int, request: Request, who: CsrfUser, session: DB,
            reason: FormText = ""):
    return _on_the_list(request, session, who, f"decline-{request_id}", {"reason": reason},
                        lambda: reassignment.decline(session, who, document_id, request_id, reason))


def _on_the_list(request: Request, session: Session, who: Identity, form: str, values: Mapping[str, str],
                 action: Callable[[], Any]):
    return attempt(request, session, form, values, action, conflict="requests.decided_first",
                   shown_again=lambda failed, status: _list_page(request, session, who, OPEN, failed, status),
                   then=lambda _: "/incoming/requests")


def _list_page(request: Request, session: Session, who: Identity, state: str, failed: Failed = NOTHING_FAILED,
               status: int = 200):
    errors = {}
    try:
        found = reassignment.pending(session, who, None if state == ALL else state)
    except InvalidData:
        errors, state = {"state": "requests.unknown_state"}, OPEN
        found = reassignment.pending(session, who, OPEN)
    return page(request, "requests.html", {
        "who": who, "state": state, "states": FILTERS, "errors": errors, "failed": failed, "requests": found,
        "documents": queries.by_ids(session, who, (r.document_id for r in found)),
        "names": queries.names_of(session, who, _actors(found)), "candidates": _candidates(session, who, found),
    }, status)


def _candidates(session: Session, who: Identity, requests: list[ReassignmentRequest]) -> dict[int, list[Choice]]:
    """For each open request, whom the handling may go to: the people of its unit but the asker."""
    of_unit: dict[int | None, list[User]] = {}
    offered = {}
    for r in requests:
        if r.state != OPEN:
            continue
        if r.unit_id not in of_unit:
            of_unit[r.unit_id] = people.staff_of(session, who, unit_id=r.unit_id)
        offered[r.id] = choices(person for person in of_unit[r.unit_id] if person.id != r.requested_by)
    return offered


def _actors(requests: list[ReassignmentRequest]):
    for r in requests:
        yield from (r.requested_by, r.resolved_by, r.new_handler_id)

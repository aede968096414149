"""The process admin's incidents page: /incidents lists the agency's failed work (open by
default) with what failed, where and why, and on each open one the three decisions: retry
(after fixing the cause), skip, or cancel the instance with a reason. Of two admins deciding
the same incident, the second sees that someone decided first."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session

from documents import incidents
from documents.accounts import Identity

from ..deps import DB, CsrfUser, PageUser, Runtime
from .formdata import FormText
from .refusals import NOTHING_FAILED, Failed, attempt
from .render import page

router = APIRouter(include_in_schema=False)


@router.get("/incidents")
def incident_list(request: Request, who: PageUser, session: DB, runtime: Runtime,
                  state: Annotated[str, Query(max_length=20)] = "open"):
    return _list_page(request, session, runtime, who, state if state in incidents.STATES else "open")


@router.post("/incidents/{incident_id:int}/retry")
def retry(incident_id: int, request: Request, who: CsrfUser, session: DB, runtime: Runtime):
    return _decide(request, session, runtime, who, f"retry-{incident_id}", {},
                   lambda: incidents.retry(session, runtime, who, incident_id))


@router.post("/incidents/{incident_id:int}/skip")
def skip(incident_id: int, request: Request, who: CsrfUser, session: DB, runtime: Runtime):
    return _decide(request, session, runtime, who, f"skip-{incident_id}", {},
                   lambda: incidents.skip(session, runtime, who, incident_id))


@router.post("/incidents/{incident_id:int}/cancel")
def cancel(incident_id: int, request: Request, who: CsrfUser, session: DB, runtime: Runtime, reason: FormText = ""):
    return _decide(request, session, runtime, who, f"cancel-{incident_id}", {"reason": reason},
                   lambda: incidents.cancel(session, runtime, who, incident_id, reason))


def _decide(request: Request, session: Session, runtime, who: Identity, form: str, values, action):
    return attempt(request, session, form, values, action, conflict="incidents.decided_first",
                   shown_again=lambda failed, status: _list_page(request, session, runtime, who, "open", failed,
                                                                 status),
                   then=lambda _: "/incidents")


def _list_page(request: Request, session: Session, runtime, who: Identity, state: str,
               failed: Failed = NOTHING_FAILED, status: int = 200):
    found = incidents.listed(session, runtime, who, state)
    return page(request, "incidents.html", {"who": who, "state": state, "states": incidents.STATES,
                                            "incidents": found, "failed": failed}, status)

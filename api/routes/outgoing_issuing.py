"""JSON API: the clerk's issue of an outgoing document — the preview of its number and notation,
and the issue itself (number, agency signature, delivery), which completes the issue step."""
from __future__ import annotations

from fastapi import APIRouter, Request

from documents.outgoing import issuing

from ..deps import DB, ApiUser, Runtime, get_system
from ..outgoing_issuing_schemas import IssuedOut, IssuePreviewOut
from ..params import Id
from ..schemas import ERRORS

router = APIRouter(prefix="/api/outgoing", tags=["outgoing documents"], responses=ERRORS)


@router.get("/{document_id}/issue", response_model=IssuePreviewOut,
            summary="The number and notation the document would get if issued now (clerks; not a reservation)")
def previewed(document_id: Id, who: ApiUser, session: DB) -> IssuePreviewOut:
    return IssuePreviewOut.of(issuing.preview(session, who, issuing.own_document(session, who, document_id)))


@router.post("/{document_id}/issue", response_model=IssuedOut,
             summary="Number, stamp, sign for the agency and issue a signed document; completes the issue step "
                     "(clerks of the step; audited as outgoing.issued)")
def issued(document_id: Id, request: Request, who: ApiUser, session: DB, runtime: Runtime) -> IssuedOut:
    system = get_system(request)
    return IssuedOut.of(issuing.issue(session, runtime, system.files, system.keystore, who, document_id))

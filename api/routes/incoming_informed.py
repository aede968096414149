"""JSON API: the incoming documents the caller was told of for information (để biết), and the
mark that they read one (the document's page sets it when opened)."""
from __future__ import annotations

from fastapi import APIRouter

from documents.errors import NotFound
from documents.incoming import informed, service

from ..deps import DB, ApiUser
from ..informed_schemas import InformedOut
from ..params import Id
from ..schemas import ERRORS

router = APIRouter(prefix="/api/incoming/informed", tags=["incoming documents"], responses=ERRORS)


@router.get("", response_model=list[InformedOut],
            summary="The documents the caller (or their unit) was told of for information, unread first")
def informed_list(who: ApiUser, session: DB) -> list[InformedOut]:
    return [InformedOut.of(item) for item in informed.of(session, who)]


@router.post("/{document_id}/seen", response_model=InformedOut,
             summary="Mark a document the caller was told of for information as read (once)")
def seen(document_id: Id, who: ApiUser, session: DB) -> InformedOut:
    document = service.get(session, who, document_id)
    entry = informed.opened(session, who, document)
    if entry is None:
        raise NotFound(f"incoming document {document_id} was not sent to you for information")
    return InformedOut.of(entry)

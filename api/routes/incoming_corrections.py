"""JSON API: corrections of a registered incoming document's metadata (NĐ 30 Đ24.3) — clerks
correct, whoever may read the document reads them."""
from __future__ import annotations

from fastapi import APIRouter

from documents.incoming import corrections, service

from ..correction_schemas import CorrectionList, CorrectionOut, CorrectionRequest
from ..deps import DB, ApiUser
from ..params import Id
from ..schemas import ERRORS

router = APIRouter(prefix="/api/incoming", tags=["incoming documents"], responses=ERRORS)


@router.post("/{document_id}/corrections", response_model=CorrectionOut, status_code=201,
             summary="Correct a registered document's metadata (clerks); the incoming number never changes")
def correct(document_id: Id, body: CorrectionRequest, who: ApiUser, session: DB) -> CorrectionOut:
    made = corrections.correct(session, who, document_id, body.changes, body.reason, body.version)
    return next(CorrectionOut.of(e) for e in corrections.history(session, document_id) if e.correction.id == made.id)


@router.get("/{document_id}/corrections", response_model=CorrectionList,
            summary="A document's corrections, oldest first, and its version to correct it again")
def listed(document_id: Id, who: ApiUser, session: DB) -> CorrectionList:
    document = service.get(session, who, document_id)
    return CorrectionList(version=corrections.version(session, document.id), incoming_number=document.incoming_number,
                          metadata=corrections.metadata(document),
                          corrections=[CorrectionOut.of(e) for e in corrections.history(session, document.id)])

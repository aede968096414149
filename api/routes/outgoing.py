from __future__ import annotations

from fastapi import APIRouter

from documents.outgoing import drafts

from ..deps import DB, ApiUser
from ..params import Id
from ..schemas import ERRORS, DraftOut

router = APIRouter(prefix="/api/outgoing", tags=["outgoing documents"], responses=ERRORS)


@router.get("/drafts/{draft_id}", response_model=DraftOut, summary="An outgoing draft (its author, leaders)")
def show_draft(draft_id: Id, who: ApiUser, session: DB) -> DraftOut:
    return DraftOut.of(drafts.get(session, who, draft_id))

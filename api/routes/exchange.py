from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from documents.exchange import statuses

from ..deps import DB, ApiUser
from ..schemas import ERRORS, DeliveryStatusOut

router = APIRouter(prefix="/api/sent", tags=["exchange"], responses=ERRORS)


@router.get("/{reference:path}/statuses", response_model=list[DeliveryStatusOut],
            summary="What each recipient reported about a document this agency sent (01–06)")
def sent_statuses(reference: Annotated[str, Path(max_length=200)], who: ApiUser, session: DB) -> list[DeliveryStatusOut]:
    return [DeliveryStatusOut.of(s) for s in statuses.of_reference(session, who, reference)]

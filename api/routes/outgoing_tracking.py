"""Following an issued document at its recipients (JSON): each recipient's state, the paper
copies to send and their sending, the interchange messages waiting, the units' internal list."""
from __future__ import annotations

from fastapi import APIRouter

from documents.outgoing import tracking

from ..deps import DB, ApiUser
from ..outgoing_tracking_schemas import InterchangeOut, PaperCopyOut, RecipientOut, UnitCopyOut
from ..params import Id
from ..schemas import ERRORS

router = APIRouter(prefix="/api/outgoing", tags=["outgoing documents"], responses=ERRORS)


@router.get("/{document_id}/recipients", response_model=list[RecipientOut],
            summary="Each recipient's status (01–06, 02 with its reason, recall answers), reply, paper copy "
                    "(the drafter, the signer, clerks, leaders)")
def recipients(document_id: Id, who: ApiUser, session: DB) -> list[RecipientOut]:
    return [RecipientOut.of(state) for state in tracking.of_document(session, who, document_id).recipients]


@router.post("/{document_id}/recipients/{recipient_id}/paper-sent", response_model=RecipientOut,
             summary="The clerk sent the paper copy to this recipient (409 once recorded)")
def paper_sent(document_id: Id, recipient_id: Id, who: ApiUser, session: DB) -> RecipientOut:
    tracking.mark_paper_sent(session, who, document_id, recipient_id)
    view = tracking.of_document(session, who, document_id)
    return next(RecipientOut.of(s) for s in view.recipients if s.recipient.id == recipient_id)


@router.get("/paper", response_model=list[PaperCopyOut], summary="Paper copies still to send (clerk)")
def paper_copies(who: ApiUser, session: DB) -> list[PaperCopyOut]:
    return [PaperCopyOut.of(d, r) for d, r in tracking.paper_to_send(session, who)]


@router.get("/interchange", response_model=list[InterchangeOut],
            summary="Messages for recipients outside the deployment, waiting for the interchange (clerk)")
def interchange(who: ApiUser, session: DB) -> list[InterchangeOut]:
    return [InterchangeOut.of(m) for m in tracking.interchange_waiting(session, who)]


@router.get("/internal", response_model=list[UnitCopyOut], summary="Issued documents sent to my unit")
def internal(who: ApiUser, session: DB) -> list[UnitCopyOut]:
    return [UnitCopyOut.of(d) for d in tracking.for_units(session, who)]

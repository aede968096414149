"""JSON API: recall, update and replace (002 Đ9.2, 004 Đ6.3, Đ8.5). The sender's clerk or a
leader asks; the recipient's clerk answers (15 agreed, 16 refused with a reason)."""
from __future__ import annotations

from fastapi import APIRouter, Query

from documents.errors import NotFound
from documents.incoming import recalls as received
from documents.incoming import service as incoming
from documents.outgoing import recalls

from ..deps import DB, ApiUser, Runtime
from ..outgoing_recall_schemas import (AnswerRequest, ReceivedRecallOut, RecallRequest, ReplacementOut,
                                       ReplacementRequest, SentRecallOut, SentRecallsOut)
from ..params import Id
from ..schemas import ERRORS

router = APIRouter(tags=["recalls"], responses=ERRORS)


@router.post("/api/outgoing/{document_id}/recall", response_model=SentRecallOut, status_code=201,
             summary="Recall an issued document (its agency's clerk or a leader): frozen, each recipient asked (13)")
def recall(document_id: Id, body: RecallRequest, who: ApiUser, session: DB) -> SentRecallOut:
    return SentRecallOut.of(recalls.request_recall(session, who, document_id, body.reason))


@router.post("/api/outgoing/{document_id}/replacements", response_model=ReplacementOut, status_code=201,
             summary="Start the draft that updates or replaces an issued document; asked of the recipients at its issue")
def replacement(document_id: Id, body: ReplacementRequest, who: ApiUser, session: DB,
                runtime: Runtime) -> ReplacementOut:
    draft = recalls.start_replacement(session, runtime, who, document_id, body.kind, body.reason)
    return ReplacementOut(draft_id=draft.id, business_type=draft.business_type, supersedes_id=draft.supersedes_id)


@router.get("/api/outgoing/{document_id}/recalls", response_model=SentRecallsOut,
            summary="The requests made of a sent document and each recipient's answer (13, 15, 16)")
def sent(document_id: Id, who: ApiUser, session: DB) -> SentRecallsOut:
    document = recalls.get(session, who, document_id)
    return SentRecallsOut.of(document, recalls.history(session, document))


@router.get("/api/incoming/{document_id}/recall", response_model=list[ReceivedRecallOut],
            summary="The sender's requests on a received document, newest first (clerks, leaders)")
def received_on(document_id: Id, who: ApiUser, session: DB) -> list[ReceivedRecallOut]:
    document = incoming.get(session, who, document_id)
    return [ReceivedRecallOut.of(r) for r in received.of_document(session, who, document)]


@router.post("/api/incoming/{document_id}/recall", response_model=ReceivedRecallOut,
             summary="The clerk agrees (15: withdrawn, or the new document taken in) or refuses (16, with a reason)")
def answer(document_id: Id, body: AnswerRequest, who: ApiUser, session: DB, runtime: Runtime) -> ReceivedRecallOut:
    received.require_answerer(who)
    recall_id = body.recall_id or received.waiting_on(session, who, document_id)
    if received.get(session, who, recall_id).document.id != document_id:
        raise NotFound(f"recall request {recall_id} not found on incoming document {document_id}")
    received.answer(session, runtime, who, recall_id, body.decision, body.reason)
    return ReceivedRecallOut.of(received.get(session, who, recall_id))


@router.get("/api/recall-requests", response_model=list[ReceivedRecallOut],
            summary="The senders' requests received by the caller's agency, waiting ones first")
def requests(who: ApiUser, session: DB, pending: bool = Query(False, description="only those waiting")) -> list[ReceivedRecallOut]:
    return [ReceivedRecallOut.of(r) for r in received.requests(session, who, pending_only=pending)]

"""Request and response bodies of the recall, update and replace API (api/routes/outgoing_recalls.py)."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from documents.incoming.recalls import Request
from documents.outgoing.models import OutgoingDocument, OutgoingRecall, OutgoingRecipient
from documents.vntime import iso

from .params import MAX_ID
from .schemas import TEXT_BOUND

Reason = Annotated[str | None, Field(default=None, max_length=TEXT_BOUND)]


class RecallRequest(BaseModel):
    reason: Annotated[str, Field(max_length=TEXT_BOUND, description="why the document is recalled (required)")]


class ReplacementRequest(BaseModel):
    kind: Annotated[str, Field(max_length=20, description="update (edXML business type 2) or replace (3)",
                               examples=["replace"])]
    reason: Annotated[str, Field(max_length=TEXT_BOUND, description="why (required)")]


class AnswerRequest(BaseModel):
    decision: Annotated[str, Field(max_length=20, description="accept (15) or refuse (16)", examples=["accept"])]
    reason: Reason = Field(default=None, max_length=TEXT_BOUND, description="required to refuse")
    recall_id: Annotated[int | None, Field(default=None, ge=1, le=MAX_ID,
                                           description="the request answered; default: the document's waiting one")]


class SentRecallOut(BaseModel):
    id: int
    kind: Literal["recall", "update", "replace"]
    reason: str
    requested_by: int
    requested_at: str
    replacement_id: int | None

    @classmethod
    def of(cls, r: OutgoingRecall) -> SentRecallOut:
        return cls(id=r.id, kind=r.kind, reason=r.reason, requested_by=r.requested_by,
                   requested_at=iso(r.requested_at), replacement_id=r.replacement_id)


class RecipientAnswerOut(BaseModel):
    recipient_id: int
    kind: str
    name: str
    code: str | None
    recall_status: str | None = Field(description="13 asked, 15 done, 16 refused")
    recall_reason: str | None
    recall_answered_at: str | None

    @classmethod
    def of(cls, r: OutgoingRecipient) -> RecipientAnswerOut:
        return cls(recipient_id=r.id, kind=r.kind, name=r.name, code=r.code, recall_status=r.recall_status,
                   recall_reason=r.recall_reason,
                   recall_answered_at=iso(r.recall_answered_at) if r.recall_answered_at else None)


class SentRecallsOut(BaseModel):
    document_id: int
    state: str
    frozen_at: str | None
    recalls: list[SentRecallOut]
    recipients: list[RecipientAnswerOut]

    @classmethod
    def of(cls, document: OutgoingDocument, recalls: list[OutgoingRecall]) -> SentRecallsOut:
        return cls(document_id=document.id, state=document.state,
                   frozen_at=iso(document.frozen_at) if document.frozen_at else None,
                   recalls=[SentRecallOut.of(r) for r in recalls],
                   recipients=[RecipientAnswerOut.of(r) for r in document.recipients])


class ReplacementOut(BaseModel):
    draft_id: int = Field(description="the new draft, going through the outgoing workflow")
    business_type: str
    supersedes_id: int


class ReceivedRecallOut(BaseModel):
    id: int
    document_id: int
    kind: Literal["recall", "update", "replace"]
    reason: str
    requested_at: str
    replacement_id: int | None
    answer: str | None = Field(description="15 agreed, 16 refused, null waiting")
    answer_reason: str | None
    answered_by: int | None
    answered_at: str | None
    withdrawn_at: str | None = Field(description="the document's withdrawal (a recall or replacement agreed)")

    @classmethod
    def of(cls, found: Request) -> ReceivedRecallOut:
        r, d = found.recall, found.document
        return cls(id=r.id, document_id=d.id, kind=r.kind, reason=r.reason, requested_at=iso(r.requested_at),
                   replacement_id=r.replacement_id, answer=r.answer, answer_reason=r.answer_reason,
                   answered_by=r.answered_by, answered_at=iso(r.answered_at) if r.answered_at else None,
                   withdrawn_at=iso(d.withdrawn_at) if d.withdrawn_at else None)

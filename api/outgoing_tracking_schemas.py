"""The tracking's JSON: each recipient of an outgoing document with what it reported, its reply,
its paper copy and its interchange message; the clerk's paper copies and waiting messages."""
from __future__ import annotations

from pydantic import BaseModel, Field

from documents.outgoing.models import InterchangeMessage, OutgoingDocument, OutgoingRecipient
from documents.outgoing.tracking import STATUS_NAMES, RecipientState, Reported
from documents.vntime import iso


class ReportedOut(BaseModel):
    code: str
    name: str
    at: str
    reason: str | None

    @classmethod
    def of(cls, r: Reported) -> "ReportedOut":
        return cls(code=r.code, name=STATUS_NAMES.get(r.code, r.code), at=iso(r.at), reason=r.reason)


class ReplyOut(BaseModel):
    state: str = Field(description="replied, waiting, overdue (after the document's reply_by)")
    replied_at: str | None
    notation: str | None
    identifier: str | None


class RecipientOut(BaseModel):
    id: int
    position: int
    kind: str = Field(description="agency (of this deployment), external, unit")
    code: str | None
    name: str
    sent_at: str | None
    delivered_document_id: int | None = Field(description="the recipient's incoming document (its own id)")
    status: str | None = Field(description="the latest reported: 01 arrived … 06 completed, 02 refused")
    status_name: str | None
    status_at: str | None
    status_reason: str | None
    recall_status: str | None = Field(description="13 asked, 15 accepted, 16 refused")
    recall_reason: str | None
    recall_answered_at: str | None
    paper: bool
    paper_sent_at: str | None
    paper_sent_by: int | None
    interchange_state: str | None = Field(description="an external recipient's message: pending, sent …")
    reply: ReplyOut | None = Field(description="asked to reply by the document's reply_by")
    history: list[ReportedOut]

    @classmethod
    def of(cls, state: RecipientState) -> "RecipientOut":
        r = state.recipient
        reply = state.reply
        return cls(
            id=r.id, position=r.position, kind=r.kind, code=r.code, name=r.name, sent_at=iso(r.sent_at),
            delivered_document_id=r.delivered_document_id, status=r.status,
            status_name=STATUS_NAMES.get(r.status) if r.status else None, status_at=iso(r.status_at),
            status_reason=r.status_reason, recall_status=r.recall_status, recall_reason=r.recall_reason,
            recall_answered_at=iso(r.recall_answered_at), paper=r.paper, paper_sent_at=iso(r.paper_sent_at),
            paper_sent_by=r.paper_sent_by,
            interchange_state=state.interchange.state if state.interchange else None,
            reply=ReplyOut(state=reply.state, replied_at=iso(reply.replied_at), notation=reply.reply_notation,
                           identifier=r.reply_identifier) if reply else None,
            history=[ReportedOut.of(h) for h in state.history])


class PaperCopyOut(BaseModel):
    document_id: int
    notation: str | None
    subject: str
    issued_at: str | None
    recipient_id: int
    recipient: str

    @classmethod
    def of(cls, document: OutgoingDocument, recipient: OutgoingRecipient) -> "PaperCopyOut":
        return cls(document_id=document.id, notation=document.notation, subject=document.subject,
                   issued_at=iso(document.issued_at), recipient_id=recipient.id, recipient=recipient.name)


class InterchangeOut(BaseModel):
    id: int
    document_id: int
    recipient_id: int
    business_type: str = Field(description="edXML: 0 new, 1 recall, 2 update, 3 replace")
    state: str
    created_at: str
    payload: dict | None

    @classmethod
    def of(cls, m: InterchangeMessage) -> "InterchangeOut":
        return cls(id=m.id, document_id=m.document_id, recipient_id=m.recipient_id, business_type=m.business_type,
                   state=m.state, created_at=iso(m.created_at), payload=m.payload)


class UnitCopyOut(BaseModel):
    id: int
    notation: str | None
    subject: str
    doc_type: str
    issued_at: str | None

    @classmethod
    def of(cls, d: OutgoingDocument) -> "UnitCopyOut":
        return cls(id=d.id, notation=d.notation, subject=d.subject, doc_type=d.doc_type, issued_at=iso(d.issued_at))

"""The outgoing list's JSON: one row a document (the register's columns and, in the waiting tab,
the step to open), and a page of them with the total."""
from __future__ import annotations

from pydantic import BaseModel, Field

from documents.outgoing.register import Row
from documents.vntime import iso


class OutgoingRecipientOut(BaseModel):
    kind: str = Field(description="agency (of this deployment), external, unit")
    code: str | None
    name: str
    paper: bool


class OutgoingListItem(BaseModel):
    id: int
    subject: str
    doc_type: str
    urgency: str
    state: str
    number: int | None
    notation: str | None = Field(description='"123/UBND-VX", once issued')
    identifier: str | None
    issued_at: str | None
    author_id: int
    unit_id: int | None
    signer_id: int | None
    reply_by: str | None
    in_reply_to: int | None
    recipients: list[OutgoingRecipientOut]
    created_at: str
    updated_at: str
    task_id: int | None = Field(None, description="the waiting tab: the open step to go to")
    step: str | None = None

    @classmethod
    def of(cls, row: Row) -> "OutgoingListItem":
        d = row.document
        return cls(id=d.id, subject=d.subject, doc_type=d.doc_type, urgency=d.urgency, state=d.state, number=d.number,
                   notation=d.notation, identifier=d.identifier, issued_at=iso(d.issued_at),
                   author_id=d.author_id, unit_id=d.unit_id, signer_id=d.signer_id,
                   reply_by=d.reply_by.isoformat() if d.reply_by else None, in_reply_to=d.in_reply_to,
                   recipients=[OutgoingRecipientOut(kind=r.kind, code=r.code, name=r.name, paper=r.paper)
                               for r in d.recipients],
                   created_at=iso(d.created_at), updated_at=iso(d.updated_at), task_id=row.task_id, step=row.step)


class OutgoingList(BaseModel):
    total: int
    items: list[OutgoingListItem]

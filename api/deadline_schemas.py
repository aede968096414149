"""Response bodies of the handling deadlines of incoming documents: the deadline overdue is
counted against (documents/incoming/deadlines.py) beside the sender's requested reply date,
which is only shown."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from documents.incoming import deadlines
from documents.incoming.models import IncomingDocument
from documents.vntime import iso


class DeadlineOut(BaseModel):
    id: int
    incoming_number: int | None
    subject: str
    status: str
    handling_deadline: str | None = Field(
        description="the current assignment's deadline (the distribution's, moved by extensions; else the "
                    "diagram's default): overdue is counted against it")
    reply_requested_by: str | None = Field(
        description="the sender's requested reply date (edXML DueDate, the document's due_date): not counted")
    lead_unit_id: int | None
    lead_user_id: int | None
    state: str | None = Field(description="overdue, due_soon (within 24 hours) or null")

    @classmethod
    def of(cls, d: IncomingDocument, at: datetime) -> "DeadlineOut":
        return cls(id=d.id, incoming_number=d.incoming_number, subject=d.subject, status=d.status,
                   handling_deadline=iso(d.handling_deadline) if d.handling_deadline else None,
                   reply_requested_by=d.due_date.isoformat() if d.due_date else None,
                   lead_unit_id=d.lead_unit_id, lead_user_id=d.lead_user_id, state=deadlines.state(d, at))


class DeadlineList(BaseModel):
    total: int
    items: list[DeadlineOut]

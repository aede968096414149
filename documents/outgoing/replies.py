"""Replies (issue 10 item 7): an issued document that answers an incoming one gives that
document its reply number (the tracking register's column); delivered to the agency that sent
the incoming document, it closes that agency's obligation at the original sender
(OutgoingRecipient.replied_at, reply_notation, reply_identifier). A document that asks for a
reply by a date shows its sender who has replied, who has not yet, and who is overdue."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .. import audit
from ..incoming.models import IncomingDocument
from ..models import Agency
from .models import OutgoingDocument, OutgoingRecipient

OBJECT_TYPE = "outgoing_document"
REPLIED, WAITING, OVERDUE = "replied", "waiting", "overdue"


def on_issued(session: Session, document: OutgoingDocument) -> None:
    """Called by the issue, in its transaction: when ``document`` answers an incoming document of
    its agency, that document gets the reply's number and notation. Its sender (when an agency of
    this deployment) learns of the reply when the reply is delivered to it (``reply_arrived``)."""
    answered = _answered(session, document)
    if answered is None or not document.notation:
        return
    answered.reply_number = document.notation
    audit.record(session, "incoming.replied", actor_id=document.issued_by,
                 agency_code=session.get(Agency, document.agency_id).code, object_type="incoming_document",
                 object_id=answered.id, after={"reply": document.notation, "outgoing_document": document.id})


def answered_reference(session: Session, document: OutgoingDocument) -> dict[str, Any] | None:
    """The document ``document`` answers, as its own sender knows it: that agency and the
    identifier it sent it under. None when it answers nothing sent from this deployment."""
    answered = _answered(session, document)
    if answered is None or answered.sender_agency_id is None or not answered.sender_reference:
        return None
    return {"agency_id": answered.sender_agency_id, "identifier": answered.sender_reference}


def reply_arrived(session: Session, reply: OutgoingDocument, recipient_agency: Agency,
                  payload: dict[str, Any]) -> OutgoingRecipient | None:
    """The reply was delivered to ``recipient_agency``: when it answers a document that agency
    sent, that agency's own recipient row for us records the reply (once: a later reply to the
    same document does not overwrite the first)."""
    answers = payload.get("answers")
    if not answers or answers["agency_id"] != recipient_agency.id:
        return None
    row = session.scalar(
        sa.select(OutgoingRecipient).join(OutgoingDocument, OutgoingDocument.id == OutgoingRecipient.document_id)
        .where(OutgoingDocument.agency_id == recipient_agency.id, OutgoingDocument.identifier == answers["identifier"],
               OutgoingRecipient.agency_id == reply.agency_id)
        .order_by(OutgoingRecipient.position).limit(1).with_for_update(of=OutgoingRecipient))
    if row is None or row.replied_at is not None:
        return None
    row.replied_at, row.reply_notation, row.reply_identifier = reply.issued_at, reply.notation, reply.identifier
    audit.record(session, "outgoing.reply_received", actor_id=None, agency_code=recipient_agency.code,
                 object_type=OBJECT_TYPE, object_id=row.document_id,
                 after={"from": payload["sender"]["code"], "reply": reply.notation, "identifier": reply.identifier})
    return row


@dataclass(frozen=True)
class Obligation:
    """One recipient asked to reply: whether it has, and by when it should."""

    recipient: OutgoingRecipient
    state: str                      # REPLIED, WAITING, OVERDUE
    replied_at: datetime | None
    reply_notation: str | None


def obligations(document: OutgoingDocument, today: date) -> list[Obligation]:
    """Each recipient outside the agency that is asked to reply (``reply_by``), with its state on
    ``today`` (a Vietnam date): replied, waiting, or overdue once ``reply_by`` has passed."""
    if document.reply_by is None or document.issued_at is None:
        return []
    rows = []
    for recipient in document.recipients:
        if recipient.kind == "unit":
            continue
        if recipient.replied_at is not None:
            state = REPLIED
        else:
            state = OVERDUE if today > document.reply_by else WAITING
        rows.append(Obligation(recipient, state, recipient.replied_at, recipient.reply_notation))
    return rows


def _answered(session: Session, document: OutgoingDocument) -> IncomingDocument | None:
    if document.in_reply_to is None:
        return None
    answered = session.get(IncomingDocument, document.in_reply_to)
    return answered if answered is not None and answered.agency_id == document.agency_id else None

"""Statuses travel from the recipient's incoming document to the sender through the outbox:
written in the recipient's transaction, delivered after it commits, recorded exactly once."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine import outbox

from .. import audit
from ..accounts import Identity
from ..errors import NotAllowed
from ..models import Agency, Role
from ..outgoing import tracking as outgoing_tracking
from .models import DeliveryStatus

TOPIC = "exchange.status"
TRACKERS = (Role.CLERK, Role.LEADER, Role.UNIT_HEAD, Role.STAFF)


def send(session: Session, *, sender_agency_id: int, sender_reference: str, recipient_agency_id: int,
         recipient_document_id: int, code: str, at: datetime, reason: str | None) -> None:
    outbox.enqueue(session, TOPIC, {
        "sender_agency_id": sender_agency_id, "sender_reference": sender_reference,
        "recipient_agency_id": recipient_agency_id, "recipient_document_id": recipient_document_id,
        "code": code, "at": at.isoformat(), "reason": reason,
    }, scope=session.get(Agency, recipient_agency_id).code)  # its failures are the recipient's incidents


def deliver(session: Session, outbox_id: int) -> bool:
    """Handle one outbox row; False when it was handled before (idempotent)."""
    row = session.get(outbox.Outbox, outbox_id)
    if row is None or row.topic != TOPIC or not outbox.mark_handled(session, outbox_id):
        return False
    body: dict[str, Any] = row.payload
    status = DeliveryStatus(
        sender_agency_id=body["sender_agency_id"], sender_reference=body["sender_reference"],
        recipient_agency_id=body["recipient_agency_id"], recipient_document_id=body["recipient_document_id"],
        code=body["code"], at=datetime.fromisoformat(body["at"]), reason=body.get("reason"), outbox_id=outbox_id,
    )
    session.add(status)
    # The sender's outgoing document, when it was one, follows its recipient (outgoing tracking).
    outgoing_tracking.record_status(session, status)
    return True


def of_reference(session: Session, who: Identity, reference: str) -> list[DeliveryStatus]:
    """What the recipients reported about something ``who``'s agency sent."""
    if not who.has_any(*TRACKERS):
        raise NotAllowed("your roles may not follow sent documents")
    audit.record(session, "exchange.statuses_viewed", actor_id=who.user_id, agency_code=who.agency_code,
                 object_type="sent_document", object_id=reference)
    query = (sa.select(DeliveryStatus)
             .where(DeliveryStatus.sender_agency_id == who.agency_id, DeliveryStatus.sender_reference == reference)
             .order_by(DeliveryStatus.at, DeliveryStatus.id))
    return list(session.scalars(query))

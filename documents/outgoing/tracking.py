"""Following an issued document at its recipients (002 Đ10.3): what each reported (01–06, 02 with
its reason; 13/15/16 for a recall, update or replacement), when, and the history; the paper
copies the clerk still has to send; the messages waiting for the interchange; the internal
units' list of what was sent to them.

Statuses reach the sender through documents/exchange/statuses.py (a DeliveryStatus row each);
``record_status`` keeps the recipient's row in step: its status is always the latest reported,
by time then arrival, so statuses handled out of order by parallel workers end the same."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine import clock

from .. import audit
from ..accounts import Identity
from ..errors import Conflict, NotAllowed, NotFound
from ..exchange.models import DeliveryStatus
from ..incoming.models import STATUSES
from ..vntime import today
from ..models import Role
from . import replies
from .models import InterchangeMessage, OutgoingDocument, OutgoingRecipient

OBJECT_TYPE = "outgoing_document"
TRACKERS = (Role.CLERK, Role.LEADER)        # besides the drafter and the signer
PAPER_CLERKS = (Role.CLERK,)
HANDLING = tuple(STATUSES)  # 01–06
RECALL_ASKED, RECALL_ACCEPTED, RECALL_REFUSED = "13", "15", "16"
RECALL = (RECALL_ASKED, RECALL_ACCEPTED, RECALL_REFUSED)
# code -> its name (the API's, and the pages' locale keys "tracking.status.<name>")
STATUS_NAMES = {**STATUSES, RECALL_ASKED: "recall_asked", RECALL_ACCEPTED: "recall_accepted",
                RECALL_REFUSED: "recall_refused"}


# --------------------------------------------------------------------------- statuses from recipients

def record_status(session: Session, status: DeliveryStatus) -> OutgoingRecipient | None:
    """Bring the sender's recipient row in step with a status just recorded: found by the sender
    agency, the identifier it sent (or the recipient's own copy) and the recipient agency."""
    recipient = session.scalar(
        sa.select(OutgoingRecipient).join(OutgoingDocument, OutgoingDocument.id == OutgoingRecipient.document_id)
        .where(OutgoingDocument.agency_id == status.sender_agency_id,
               OutgoingRecipient.agency_id == status.recipient_agency_id,
               sa.or_(OutgoingDocument.identifier == status.sender_reference,
                      OutgoingRecipient.delivered_document_id == status.recipient_document_id))
        .order_by(OutgoingRecipient.id).limit(1)
        .with_for_update(of=OutgoingRecipient))  # parallel statuses of one recipient take turns
    if recipient is None:
        return None
    session.flush()
    codes = RECALL if status.code in RECALL else HANDLING
    latest = session.scalar(
        sa.select(DeliveryStatus)
        .where(DeliveryStatus.sender_agency_id == status.sender_agency_id,
               DeliveryStatus.recipient_agency_id == status.recipient_agency_id,
               DeliveryStatus.recipient_document_id == status.recipient_document_id,
               DeliveryStatus.code.in_(codes))
        .order_by(DeliveryStatus.at.desc(), DeliveryStatus.id.desc()).limit(1))
    if status.code in RECALL:
        recipient.recall_status, recipient.recall_reason = latest.code, latest.reason
        recipient.recall_answered_at = latest.at if latest.code != RECALL_ASKED else None
    else:
        recipient.status, recipient.status_at, recipient.status_reason = latest.code, latest.at, latest.reason
    return recipient


# --------------------------------------------------------------------------- the sender's view

@dataclass(frozen=True)
class Reported:
    code: str
    at: datetime
    reason: str | None


@dataclass(frozen=True)
class RecipientState:
    recipient: OutgoingRecipient
    history: list[Reported]
    interchange: InterchangeMessage | None      # an external recipient's message
    reply: replies.Obligation | None            # asked to reply by a date


@dataclass(frozen=True)
class Tracking:
    document: OutgoingDocument
    recipients: list[RecipientState]
    may_mark_paper: bool


def readable(session: Session, who: Identity, document_id: int) -> OutgoingDocument:
    """The document, for its drafter, its signer, and the agency's clerks and leaders (403 for
    the others); another agency's document does not exist for ``who`` (404)."""
    document = session.get(OutgoingDocument, document_id)
    if document is None or document.agency_id != who.agency_id:
        raise NotFound(f"outgoing document {document_id} not found")
    if who.user_id not in (document.author_id, document.signer_id) and not who.has_any(*TRACKERS):
        raise NotAllowed(f"the recipients of outgoing document {document_id} are followed by its drafter, "
                         "its signer, the clerks and the leaders")
    return document


def of_document(session: Session, who: Identity, document_id: int) -> Tracking:
    """Each recipient's state, its history and reply, as the tracking panel and the API show them."""
    document = readable(session, who, document_id)
    return tracking(session, who, document)


def tracking(session: Session, who: Identity, document: OutgoingDocument) -> Tracking:
    """``of_document`` for a document already read (and checked) by the caller."""
    history: dict[int, list[Reported]] = {}
    delivered = [r.delivered_document_id for r in document.recipients if r.delivered_document_id is not None]
    if document.identifier:
        # By the identifier sent, or by the recipient's copy (a recall's answers name the copy).
        rows = session.scalars(
            sa.select(DeliveryStatus)
            .where(DeliveryStatus.sender_agency_id == document.agency_id,
                   sa.or_(DeliveryStatus.sender_reference == document.identifier,
                          DeliveryStatus.recipient_document_id.in_(delivered)))
            .order_by(DeliveryStatus.at, DeliveryStatus.id))
        for row in rows:
            history.setdefault(row.recipient_agency_id, []).append(Reported(row.code, row.at, row.reason))
    messages = {m.recipient_id: m for m in session.scalars(
        sa.select(InterchangeMessage).where(InterchangeMessage.document_id == document.id))}
    obligations = {o.recipient.id: o for o in replies.obligations(document, today())}
    states = [RecipientState(r, history.get(r.agency_id, []) if r.kind == "agency" else [],
                             messages.get(r.id), obligations.get(r.id))
              for r in document.recipients]
    audit.record(session, "outgoing.tracking_viewed", actor_id=who.user_id, agency_code=who.agency_code,
                 object_type=OBJECT_TYPE, object_id=document.id)
    return Tracking(document, states, who.has_any(*PAPER_CLERKS) and document.issued_at is not None)


# --------------------------------------------------------------------------- paper copies

def paper_to_send(session: Session, who: Identity, limit: int = 200) -> list[tuple[OutgoingDocument, OutgoingRecipient]]:
    """The agency's paper copies of issued documents not yet sent, oldest issue first."""
    _require_clerk(who)
    rows = session.execute(
        sa.select(OutgoingDocument, OutgoingRecipient)
        .join(OutgoingRecipient, OutgoingRecipient.document_id == OutgoingDocument.id)
        .where(OutgoingDocument.agency_id == who.agency_id, OutgoingDocument.issued_at.is_not(None),
               OutgoingRecipient.paper.is_(True), OutgoingRecipient.paper_sent_at.is_(None))
        .order_by(OutgoingDocument.issued_at, OutgoingDocument.id, OutgoingRecipient.position)
        .limit(min(max(limit, 1), 500)))
    return [(d, r) for d, r in rows]


def mark_paper_sent(session: Session, who: Identity, document_id: int, recipient_id: int) -> OutgoingRecipient:
    """The clerk sent the paper copy of an issued document to one recipient (recorded once: the
    second clerk marking the same copy gets a conflict)."""
    _require_clerk(who)
    document = session.get(OutgoingDocument, document_id)
    if document is None or document.agency_id != who.agency_id:
        raise NotFound(f"outgoing document {document_id} not found")
    recipient = session.scalar(sa.select(OutgoingRecipient)
                               .where(OutgoingRecipient.id == recipient_id, OutgoingRecipient.document_id == document.id)
                               .with_for_update().execution_options(populate_existing=True))
    if recipient is None:
        raise NotFound(f"recipient {recipient_id} of outgoing document {document_id} not found")
    if document.issued_at is None:
        raise Conflict("Văn bản chưa phát hành: chưa gửi được bản giấy.")
    if not recipient.paper:
        raise Conflict(f"Nơi nhận «{recipient.name}» không nhận bản giấy.")
    if recipient.paper_sent_at is not None:
        raise Conflict(f"Bản giấy gửi «{recipient.name}» đã được ghi nhận là đã gửi.")
    recipient.paper_sent_at, recipient.paper_sent_by = clock.now(), who.user_id
    audit.record(session, "outgoing.paper_sent", actor_id=who.user_id, agency_code=who.agency_code,
                 object_type=OBJECT_TYPE, object_id=document.id,
                 after={"recipient": recipient.id, "name": recipient.name})
    return recipient


# --------------------------------------------------------------------------- interchange and units

def interchange_waiting(session: Session, who: Identity, limit: int = 200) -> list[InterchangeMessage]:
    """The agency's messages for recipients outside the deployment still waiting to be sent."""
    _require_clerk(who)
    query = (sa.select(InterchangeMessage)
             .where(InterchangeMessage.agency_id == who.agency_id, InterchangeMessage.state == "pending")
             .order_by(InterchangeMessage.created_at, InterchangeMessage.id).limit(min(max(limit, 1), 500)))
    return list(session.scalars(query))


def for_units(session: Session, who: Identity, limit: int = 200) -> list[OutgoingDocument]:
    """Issued documents of ``who``'s agency sent to ``who``'s unit (the internal distribution:
    a unit recipient gets no incoming registration, the document is its agency's own)."""
    if who.unit_id is None:
        return []
    query = (sa.select(OutgoingDocument)
             .join(OutgoingRecipient, OutgoingRecipient.document_id == OutgoingDocument.id)
             .where(OutgoingDocument.agency_id == who.agency_id, OutgoingDocument.issued_at.is_not(None),
                    OutgoingRecipient.kind == "unit", OutgoingRecipient.unit_id == who.unit_id)
             .distinct().order_by(OutgoingDocument.issued_at.desc(), OutgoingDocument.id.desc())
             .limit(min(max(limit, 1), 500)))
    return list(session.scalars(query))


def sent_to_unit(session: Session, who: Identity, document_id: int) -> OutgoingDocument:
    """An issued document sent to ``who``'s unit (404 otherwise: members of other units and
    other agencies learn nothing of it)."""
    document = session.get(OutgoingDocument, document_id)
    if (document is None or document.agency_id != who.agency_id or document.issued_at is None or who.unit_id is None
            or not any(r.kind == "unit" and r.unit_id == who.unit_id for r in document.recipients)):
        raise NotFound(f"outgoing document {document_id} not found")
    audit.record(session, "outgoing.unit_copy_read", actor_id=who.user_id, agency_code=who.agency_code,
                 object_type=OBJECT_TYPE, object_id=document.id)
    return document


def _require_clerk(who: Identity) -> None:
    if not who.has_any(*PAPER_CLERKS):
        raise NotAllowed("only a clerk sends the paper copies and the interchange messages")

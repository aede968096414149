"""Delivery of an issued document to its recipients, written in the issue's transaction:

- an agency of this deployment: one outbox row (TOPIC) handled by the workers, the document
  arriving in that agency's incoming queue (documents/incoming/service.receive_electronic) with
  the issued PDF and the signed attachments, whose signatures the incoming checks verify;
- an agency outside it: one InterchangeMessage, waiting for the interchange (the axis, edXML);
- a unit of the agency itself: distributed at once (sent_at); its members find the document in
  their internal list (documents/outgoing/tracking.for_units);
- a paper copy, whatever the kind: listed for the clerk until marked sent (tracking.paper_to_send).

The outbox row is scoped to the RECIPIENT agency: a delivery that fails every attempt becomes an
incident of the recipient's process admin, as the statuses travelling back do."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine import clock, outbox

from .. import audit
from ..files.service import read_attachment
from ..incoming import recalls as incoming_recalls
from ..incoming import service as incoming
from ..incoming.models import IncomingDocument
from ..models import Agency, User
from ..vntime import VN_TZ
from . import replies
from .issue_files import issued_files
from .models import InterchangeMessage, OutgoingDocument, OutgoingRecipient

TOPIC = "outgoing.deliver"
# The agency-signed attachments in separate files (number, notation and time at the top right of
# page 1) are attachments of the issued document under this owner type, beside issued_file_id.
OBJECT_TYPE = "outgoing_document"
MAX_DESCRIPTION = 2000  # the incoming form's notes
MAX_LISTED_RECIPIENTS = 200  # the incoming form's "Nơi nhận" holds at most this many names


def enqueue(session: Session, document: OutgoingDocument) -> None:
    """Called by the issue, in its transaction, once the document has its number, identifier and
    agency-signed file: one outbox row per recipient of this deployment, one interchange message
    per external recipient, internal units distributed at once."""
    if document.identifier is None or document.issued_file_id is None:
        raise ValueError(f"outgoing document {document.id} is not issued: nothing to deliver")
    now = clock.now()
    sender = session.get(Agency, document.agency_id)
    payload = delivery_payload(session, document)
    for recipient in document.recipients:
        if recipient.sent_at is not None:
            continue  # already sent (an issue is delivered once)
        if recipient.kind == "agency" and recipient.agency_id == sender.id:
            pass  # the agency itself, named for the record ("Lưu: VT"): its copy is the register's
        elif recipient.kind == "agency" and recipient.agency_id is not None:
            target = session.get(Agency, recipient.agency_id)
            outbox.enqueue(session, TOPIC, {"document_id": document.id, "recipient_id": recipient.id},
                           scope=target.code)
        elif recipient.kind in ("agency", "external"):  # outside the deployment
            session.add(InterchangeMessage(
                agency_id=document.agency_id, document_id=document.id, recipient_id=recipient.id,
                business_type=document.business_type, state="pending", created_at=now,
                payload={**payload, "recipient": {"code": recipient.code, "name": recipient.name}}))
        recipient.sent_at = now
    audit.record(session, "outgoing.sent", actor_id=document.issued_by, agency_code=sender.code,
                 object_type=OBJECT_TYPE, object_id=document.id,
                 after={"identifier": document.identifier,
                        "recipients": [{"kind": r.kind, "name": r.name, "paper": r.paper} for r in document.recipients]})


def delivery_payload(session: Session, document: OutgoingDocument) -> dict[str, Any]:
    """What travels with the document: its metadata (NĐ 30 PL VI), the files, what it supersedes
    (business types 2, 3) and the identifier of the document it answers, when its sender sent it."""
    sender = session.get(Agency, document.agency_id)
    signer = session.get(User, document.signer_id) if document.signer_id else None
    return {
        "identifier": document.identifier, "business_type": document.business_type,
        "sender": {"code": sender.code, "name": sender.name},
        "number": document.number, "notation": document.notation, "doc_type": document.doc_type,
        "subject": document.subject, "urgency": document.urgency,
        "issued_at": document.issued_at.isoformat() if document.issued_at else None,
        "document_date": _document_date(document),
        "reply_by": document.reply_by.isoformat() if document.reply_by else None,
        "signer_name": signer.full_name if signer else None, "signer_position": document.signer_position,
        "files": [a.id for a in issued_files(session, document)],
        "supersedes": _superseded_identifier(session, document),
        "answers": replies.answered_reference(session, document),
    }


def deliver(system, session: Session, outbox_id: int) -> bool:
    """Handle one outbox row of TOPIC (the worker): the document arrives at the recipient agency
    (01, its clerk's queue) with its files; False when it was handled before (idempotent)."""
    row = session.get(outbox.Outbox, outbox_id)
    if row is None or row.topic != TOPIC or not outbox.mark_handled(session, outbox_id):
        return False
    document = session.get(OutgoingDocument, row.payload["document_id"])
    recipient = session.scalar(sa.select(OutgoingRecipient).where(OutgoingRecipient.id == row.payload["recipient_id"])
                               .with_for_update())
    if document is None or recipient is None or recipient.delivered_document_id is not None:
        return False  # gone with its document, or delivered already
    sender, target = session.get(Agency, document.agency_id), session.get(Agency, recipient.agency_id)
    payload = delivery_payload(session, document)
    uploads = [incoming.Upload(a.file_name, read_attachment(session, system.files, a.id)[1])
               for a in issued_files(session, document)]
    arrived = incoming.receive_electronic(session, system.files, system.keystore, sender=sender, recipient=target,
                                          sender_reference=document.identifier,
                                          metadata=incoming_metadata(document, payload), uploads=uploads)
    recipient.delivered_document_id = arrived.id
    _replacement(session, arrived, payload)
    replies.reply_arrived(session, document, target, payload)
    audit.record(session, "outgoing.delivered", actor_id=None, agency_code=sender.code, object_type=OBJECT_TYPE,
                 object_id=document.id, after={"to": target.code, "incoming_document": arrived.id})
    return True


def incoming_metadata(document: OutgoingDocument, payload: dict[str, Any]) -> dict[str, Any]:
    """The outgoing metadata as the recipient's registration form (incoming_document) reads it."""
    metadata = {
        "issuer_code": payload["sender"]["code"], "issuer_name": payload["sender"]["name"],
        "number_notation": document.notation, "document_date": payload["document_date"],
        "doc_type": document.doc_type, "subject": document.subject, "urgency": document.urgency,
        "recipients": [r.name for r in document.recipients][:MAX_LISTED_RECIPIENTS],
        "signer_name": payload["signer_name"], "signer_position": document.signer_position,
        "due_date": payload["reply_by"],
        "description": (document.summary or "")[:MAX_DESCRIPTION],
    }
    return {key: value for key, value in metadata.items() if value not in (None, "", [])}


def _document_date(document: OutgoingDocument) -> str:
    """The document's date is its issue date in Vietnam."""
    return document.issued_at.astimezone(VN_TZ).date().isoformat()


def _superseded_identifier(session: Session, document: OutgoingDocument) -> str | None:
    if document.business_type not in ("2", "3") or document.supersedes_id is None:
        return None
    return session.scalar(sa.select(OutgoingDocument.identifier).where(OutgoingDocument.id == document.supersedes_id))


def _replacement(session: Session, arrived: IncomingDocument, payload: dict[str, Any]) -> None:
    """An update or a replacement: the recipient's side puts the request on what it supersedes."""
    if payload.get("supersedes") is None:
        return
    kind = "update" if payload["business_type"] == "2" else "replace"
    incoming_recalls.replacement_arrived(session, arrived, payload["supersedes"], kind)

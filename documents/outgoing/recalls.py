"""The sender's side of recall, update and replace (002 Đ9.2, 004 Đ6.3, Đ8.5; edXML business
types 1–3, statuses 13, 15, 16).

A recall is asked of an issued document with a reason: the request is kept (OutgoingRecall),
the sender's copy is frozen (nothing more is done with it), each recipient of the deployment is
sent the request through the outbox and marked 13, each external one gets an interchange message
of business type 1. An update or a replacement is a new draft that supersedes the document and
goes through the agency's normal workflow; the request is kept when it is asked and sent when the
new document is issued (``on_issued``): the recipients are marked 13, and a replaced document is
frozen. Each recipient's answer (15 done, 16 refused with a reason) comes back as a status
(documents/exchange/statuses.py) and is kept on its recipient row (tracking.record_status).

A delivered document is known at both ends by the sender's identifier (QĐ 28/2018): the
incoming copy's ``sender_reference`` is the outgoing document's ``identifier``."""
from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine import clock, outbox
from engine.runtime import WorkflowRuntime

from .. import audit
from ..accounts import Identity
from ..errors import Conflict, InvalidData, NotAllowed, NotFound
from ..incoming import texts
from ..vntime import today
from ..models import Agency, Role
from . import drafts, tracking
from .models import (FROZEN, InterchangeMessage, OutgoingDocument, OutgoingRecall, OutgoingRecipient, State)

# Who may ask: the agency's clerk (văn thư) and its leaders (004 Đ8.5: the sender decides).
# Who follows the answers is who follows the recipients (tracking.readable).
ASKERS = (Role.CLERK, Role.LEADER)
KINDS = {"update": "2", "replace": "3"}            # replacement kind -> edXML business type
KIND_OF_TYPE = {code: kind for kind, code in KINDS.items()}
ASKED, DONE, REFUSED = "13", "15", "16"
OBJECT_TYPE = "outgoing_document"
# The recipient's topic (documents/incoming/recalls.py); answers come back as statuses.
TOPIC = "outgoing.recall"
_KIND_NAMES = {"update": "Cập nhật", "replace": "Thay thế"}


def request_recall(session: Session, who: Identity, document_id: int, reason: str | None) -> OutgoingRecall:
    """Recall an issued document: kept, frozen, asked of every recipient (13)."""
    document = _askable(session, who, document_id)
    reason = _reason(reason)
    pending = _replacement_in_progress(session, document)
    if pending is not None:
        raise Conflict(f"Văn bản đang được cập nhật hoặc thay thế (dự thảo số {pending.id} chưa ban hành): "
                       "không thu hồi được.")
    now = clock.now()
    recall = OutgoingRecall(document_id=document.id, kind="recall", reason=reason, requested_by=who.user_id,
                            requested_at=now)
    session.add(recall)
    document.state, document.frozen_at, document.updated_at = State.RECALLED, now, now
    session.flush()
    _ask(session, document, recall)
    audit.record(session, "outgoing.recall_requested", actor_id=who.user_id, agency_code=who.agency_code,
                 object_type=OBJECT_TYPE, object_id=document.id,
                 after={"recall": recall.id, "reason": reason, "identifier": document.identifier})
    return recall


def start_replacement(session: Session, runtime: WorkflowRuntime | None, who: Identity, document_id: int,
                      kind: str | None, reason: str | None) -> OutgoingDocument:
    """A new draft that updates or replaces an issued document: subject, type, urgency, summary
    and recipients copied; it goes through the agency's workflow like any draft, and the request
    (kept now, with its reason) reaches the recipients when it is issued."""
    if kind not in KINDS:
        raise InvalidData("Chọn cập nhật hoặc thay thế.", errors={"kind": "Giá trị phải là «update» hoặc «replace»."})
    document = _askable(session, who, document_id)
    reason = _reason(reason)
    pending = _replacement_in_progress(session, document)
    if pending is not None:
        raise Conflict(f"Đã có dự thảo cập nhật hoặc thay thế văn bản này (số {pending.id}) chưa ban hành.")
    draft = drafts.create(session, runtime, who, subject=document.subject, doc_type=document.doc_type,
                          summary=document.summary, recipients=_copied(document), urgency=document.urgency,
                          reply_by=_still_ahead(document.reply_by), in_reply_to=document.in_reply_to, unit_id=document.unit_id,
                          supersedes_id=document.id, business_type=KINDS[kind])
    session.add(OutgoingRecall(document_id=document.id, kind=kind, reason=reason, requested_by=who.user_id,
                               requested_at=clock.now(), replacement_id=draft.id))
    session.flush()
    audit.record(session, f"outgoing.{kind}_started", actor_id=who.user_id, agency_code=who.agency_code,
                 object_type=OBJECT_TYPE, object_id=document.id, after={"draft": draft.id, "reason": reason})
    return draft


def superseded(session: Session, document: OutgoingDocument) -> OutgoingDocument | None:
    """The issued document an update or a replacement supersedes, under its row lock (None for a
    new document); a conflict when it was recalled or replaced meanwhile. The issue asks before it
    takes a number, and again (the same lock) when it records the request."""
    if KIND_OF_TYPE.get(document.business_type) is None or document.supersedes_id is None:
        return None
    old = session.scalar(sa.select(OutgoingDocument).where(OutgoingDocument.id == document.supersedes_id,
                                                           OutgoingDocument.agency_id == document.agency_id)
                         .with_for_update())
    if old is None or old.state != State.ISSUED:
        # Recalled or replaced meanwhile: the request would supersede a frozen document.
        raise Conflict("Văn bản được cập nhật, thay thế không còn ở trạng thái đã ban hành.")
    return old


def on_issued(session: Session, document: OutgoingDocument) -> None:
    """Called by the issue, in its transaction: an update or a replacement (business type 2, 3)
    marks the superseded document's recipients 13 (the request travels with the new document's
    delivery, which carries ``supersedes``, and with its interchange messages of business type
    2 or 3); a replaced document is frozen."""
    old = superseded(session, document)
    if old is None:
        return
    kind = KIND_OF_TYPE[document.business_type]
    recall = session.scalar(sa.select(OutgoingRecall).where(OutgoingRecall.replacement_id == document.id))
    if recall is None:  # a superseding draft made another way: the request is recorded at its issue
        recall = OutgoingRecall(document_id=old.id, kind=kind, reason=f"{_KIND_NAMES[kind]} bởi văn bản "
                                f"{document.notation or document.identifier or document.id}",
                                requested_by=document.issued_by or document.author_id, requested_at=clock.now(),
                                replacement_id=document.id)
        session.add(recall)
        session.flush()
    now = clock.now()
    for recipient in old.recipients:
        if recipient.kind in ("agency", "external"):  # units are the agency's own: nothing to ask
            _mark_asked(recipient)
    if kind == "replace":
        old.state, old.frozen_at = State.REPLACED, now
    old.updated_at = now
    audit.record(session, f"outgoing.{kind}_issued", actor_id=document.issued_by,
                 agency_code=session.get(Agency, document.agency_id).code, object_type=OBJECT_TYPE,
                 object_id=old.id, after={"recall": recall.id, "replacement": document.id,
                                          "identifier": document.identifier})


def get(session: Session, who: Identity, document_id: int) -> OutgoingDocument:
    """A sent document of ``who``'s agency, for those who follow its recipients."""
    return tracking.readable(session, who, document_id)


def history(session: Session, document: OutgoingDocument) -> list[OutgoingRecall]:
    """The requests asked of ``document``, oldest first (the caller checked who reads it)."""
    return list(session.scalars(sa.select(OutgoingRecall).where(OutgoingRecall.document_id == document.id)
                                .order_by(OutgoingRecall.requested_at, OutgoingRecall.id)))


def may_ask(who: Identity, document: OutgoingDocument) -> bool:
    return (who.agency_id == document.agency_id and who.has_any(*ASKERS) and document.state == State.ISSUED
            and document.frozen_at is None)


def _askable(session: Session, who: Identity, document_id: int) -> OutgoingDocument:
    """The agency's issued document, locked (two askers at once: one wins, the other 409)."""
    if not who.has_any(*ASKERS):
        raise NotAllowed("only the agency's clerk or a leader recalls, updates or replaces a document")
    document = session.scalar(sa.select(OutgoingDocument).where(OutgoingDocument.id == document_id)
                              .with_for_update().execution_options(populate_existing=True))
    if document is None or document.agency_id != who.agency_id:
        raise NotFound(f"outgoing document {document_id} not found")
    if document.state in FROZEN or document.frozen_at is not None:
        raise Conflict("Văn bản đã bị thu hồi hoặc thay thế: không thực hiện thêm thao tác nào.")
    if document.state != State.ISSUED:
        raise Conflict("Chỉ thu hồi, cập nhật, thay thế văn bản đã ban hành.")
    return document


def _reason(value: str | None) -> str:
    return texts.text(value, field="reason", label="Lý do", max_length=texts.REASON_LENGTH,
                      missing="Cần nêu lý do thu hồi, cập nhật hoặc thay thế.")


def _replacement_in_progress(session: Session, document: OutgoingDocument) -> OutgoingDocument | None:
    """A draft superseding ``document`` that is neither issued nor rejected."""
    return session.scalar(sa.select(OutgoingDocument).where(
        OutgoingDocument.supersedes_id == document.id, OutgoingDocument.agency_id == document.agency_id,
        OutgoingDocument.state.notin_((State.ISSUED, State.REJECTED, *FROZEN))).limit(1))


def _ask(session: Session, document: OutgoingDocument, recall: OutgoingRecall) -> None:
    """Each recipient asked: one outbox row per agency of the deployment (its incident if it
    fails), one interchange message (business type 1) per external one; units are the agency's own."""
    sender = session.get(Agency, document.agency_id)
    for recipient in document.recipients:
        if recipient.kind == "agency" and recipient.agency_id is not None:
            _mark_asked(recipient)
            outbox.enqueue(session, TOPIC, {
                "type": "request", "kind": recall.kind, "reason": recall.reason,
                "at": recall.requested_at.isoformat(), "recall_id": recall.id, "sender_agency_id": sender.id,
                "sender_reference": document.identifier, "recipient_agency_id": recipient.agency_id,
            }, scope=session.get(Agency, recipient.agency_id).code)
        elif recipient.kind == "external":
            _mark_asked(recipient)
            session.add(InterchangeMessage(
                agency_id=sender.id, document_id=document.id, recipient_id=recipient.id, business_type="1",
                created_at=recall.requested_at, payload={
                    "document_id": document.identifier, "to": recipient.code, "status": ASKED,
                    "description": recall.reason, "from": sender.code, "at": recall.requested_at.isoformat()}))


def _mark_asked(recipient: OutgoingRecipient) -> None:
    recipient.recall_status, recipient.recall_reason, recipient.recall_answered_at = ASKED, None, None


def _still_ahead(day: date | None) -> date | None:
    """A reply date the new draft may keep: one already past is dropped (the drafter sets another)."""
    return day if day is not None and day >= today() else None


def _copied(document: OutgoingDocument) -> list[dict[str, Any]]:
    """The recipients as a draft takes them (the agencies, external ones, units, paper copies)."""
    return [{"kind": r.kind, "agency_id": r.agency_id, "unit_id": r.unit_id, "code": r.code, "name": r.name,
             "paper": r.paper} for r in document.recipients]

"""The recipient's side of a recall, update or replacement asked by the sender of a received
document (edXML business types 1–3, status 13): the request arrives through the outbox (a recall)
or with the new document (an update, a replacement: ``replacement_arrived``), the clerk confirms
(15) or refuses (16) with a reason, and the sender is told.

Confirmed, a recall withdraws the document — out of every list, its handling cancelled; a
replacement withdraws the old document and points it to the new one; an update points the old
one to the new one and keeps it. The request and its answer stay on the document, for the clerk
and the audit. The answer reaches the sender as a status (15, 16 with the reason) through
documents/exchange/statuses.py, whose sender side keeps it on the recipient's row
(documents/outgoing/tracking.record_status)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine import clock, outbox
from engine.runtime import WorkflowRuntime

from .. import audit
from ..accounts import Identity
from ..errors import Conflict, InvalidData, NotAllowed, NotFound
from ..exchange import statuses as statuses_to_sender
from ..models import Agency, Role
from ..outgoing import recalls as sender_side
from . import reassignment, texts
from .service import READERS as REGISTER_READERS
from .models import IncomingDocument, IncomingRecall

TOPIC = sender_side.TOPIC
CLERKS = (Role.CLERK,)
READERS = REGISTER_READERS             # who sees the requests (the register's readers); the clerk answers
ACCEPT, REFUSE = "accept", "refuse"
ANSWERS = {ACCEPT: sender_side.DONE, REFUSE: sender_side.REFUSED}
KINDS = ("recall", "update", "replace")
OBJECT_TYPE = "incoming_document"
LIMIT = 200
RUNNING = "running"  # the engine's status of an instance still going


class NotArrivedYet(LookupError):
    """The request came before the document it recalls (or the copy was never made): the row
    fails, is retried later by the outbox, and becomes the recipient's incident if it never comes."""


@dataclass(frozen=True)
class Request:
    """A request as the clerk's list shows it."""

    recall: IncomingRecall
    document: IncomingDocument
    replacement: IncomingDocument | None


def arrive(system, session: Session, outbox_id: int) -> bool:
    """Handle one outbox row of TOPIC; False when it was handled before (idempotent)."""
    row = session.get(outbox.Outbox, outbox_id)
    if row is None or row.topic != TOPIC or not outbox.mark_handled(session, outbox_id):
        return False
    body: dict[str, Any] = row.payload
    document = _delivered(session, body["recipient_agency_id"], body["sender_agency_id"], body["sender_reference"])
    if document is None:
        raise NotArrivedYet(f"no document {body['sender_reference']!r} of agency {body['sender_agency_id']} "
                            f"at agency {body['recipient_agency_id']}")
    _requested(session, document, kind=body["kind"], reason=body["reason"],
               requested_at=datetime.fromisoformat(body["at"]), reference=f"recall:{body['recall_id']}")
    return True


def replacement_arrived(session: Session, incoming: IncomingDocument, supersedes_identifier: str, kind: str,
                        reason: str | None = None) -> IncomingRecall | None:
    """An update or a replacement arrived (the delivery calls this after making ``incoming``):
    the request is put on the document it supersedes, from the same sender. None when that
    document never arrived here (the new one is then an ordinary document)."""
    if kind not in ("update", "replace"):
        raise InvalidData(f"unknown replacement kind {kind!r}")
    old = _delivered(session, incoming.agency_id, incoming.sender_agency_id, supersedes_identifier)
    if old is None or old.id == incoming.id:
        return None
    shown = reason or f"{'Cập nhật' if kind == 'update' else 'Thay thế'} bởi văn bản {incoming.number_notation}"
    return _requested(session, old, kind=kind, reason=shown, requested_at=clock.now(),
                      reference=incoming.sender_reference or "", replacement=incoming)


def requests(session: Session, who: Identity, *, pending_only: bool = False) -> list[Request]:
    """The agency's requests, waiting ones first then the newest (the clerk's list)."""
    _reader(who)
    R, D = IncomingRecall, IncomingDocument
    query = (sa.select(R, D).join(D, D.id == R.document_id).where(D.agency_id == who.agency_id)
             .order_by(R.answer.is_not(None), R.requested_at.desc(), R.id.desc()).limit(LIMIT))
    if pending_only:
        query = query.where(R.answer.is_(None))
    rows = session.execute(query).all()
    replacements = _by_ids(session, who, {r.replacement_id for r, _ in rows if r.replacement_id})
    return [Request(r, d, replacements.get(r.replacement_id)) for r, d in rows]


def of_document(session: Session, who: Identity, document: IncomingDocument) -> list[Request]:
    """The requests on one document (the caller has read it), newest first; none for a reader
    outside the register's readers (a handler sees the withdrawn notice only)."""
    if not who.has_any(*READERS) or document.agency_id != who.agency_id:
        return []
    found = list(session.scalars(sa.select(IncomingRecall).where(IncomingRecall.document_id == document.id)
                                 .order_by(IncomingRecall.requested_at.desc(), IncomingRecall.id.desc())))
    replacements = _by_ids(session, who, {r.replacement_id for r in found if r.replacement_id})
    return [Request(r, document, replacements.get(r.replacement_id)) for r in found]


def superseded_by(session: Session, who: Identity, document: IncomingDocument) -> list[Request]:
    """The requests ``document`` came with, as the update or replacement of an older one."""
    if not who.has_any(*READERS) or document.agency_id != who.agency_id:
        return []
    R, D = IncomingRecall, IncomingDocument
    rows = session.execute(sa.select(R, D).join(D, D.id == R.document_id)
                           .where(R.replacement_id == document.id, D.agency_id == who.agency_id)
                           .order_by(R.requested_at, R.id)).all()
    return [Request(r, d, document) for r, d in rows]


def pending_count(session: Session, who: Identity) -> int:
    if not who.has_any(*READERS):
        return 0
    return session.scalar(sa.select(sa.func.count()).select_from(IncomingRecall)
                          .join(IncomingDocument, IncomingDocument.id == IncomingRecall.document_id)
                          .where(IncomingDocument.agency_id == who.agency_id, IncomingRecall.answer.is_(None))) or 0


def answer(session: Session, runtime: WorkflowRuntime, who: Identity, recall_id: int, decision: str | None,
           reason: str | None) -> IncomingRecall:
    """The clerk confirms (15) or refuses (16, with a reason) a request; the sender is told.
    Two clerks at once: the first wins, the second gets a conflict."""
    require_answerer(who)
    recall = session.scalar(sa.select(IncomingRecall).where(IncomingRecall.id == recall_id)
                            .with_for_update().execution_options(populate_existing=True))
    document = session.get(IncomingDocument, recall.document_id) if recall is not None else None
    if document is None or document.agency_id != who.agency_id:
        raise NotFound(f"recall request {recall_id} not found")
    if decision not in ANSWERS:
        raise InvalidData("Chọn đồng ý hoặc từ chối.", errors={"decision": "Giá trị phải là «accept» hoặc «refuse»."})
    if recall.answer is not None:
        raise Conflict("Yêu cầu này đã được trả lời.")
    if decision == REFUSE:
        reason = texts.text(reason, field="reason", label="Lý do từ chối", max_length=texts.REASON_LENGTH,
                            missing="Cần nêu lý do từ chối.")
    else:
        reason = texts.text(reason, field="reason", label="Ghi chú", max_length=texts.REASON_LENGTH, required=False)
    now = clock.now()
    recall.answer, recall.answer_reason, recall.answered_by, recall.answered_at = ANSWERS[decision], reason, who.user_id, now
    if decision == ACCEPT:
        _take_in(session, runtime, who, recall, document, now)
    _tell_sender(session, document, recall)
    audit.record(session, f"incoming.{recall.kind}_{'accepted' if decision == ACCEPT else 'refused'}",
                 actor_id=who.user_id, agency_code=who.agency_code, object_type=OBJECT_TYPE, object_id=document.id,
                 after={"recall": recall.id, "answer": recall.answer, "reason": reason,
                        "replacement": recall.replacement_id})
    return recall


def require_answerer(who: Identity) -> None:
    """Only the clerk answers a request: asked before anything about the request is looked up."""
    if not who.has_any(*CLERKS):
        raise NotAllowed("only the clerk answers a recall, update or replacement")


def waiting_on(session: Session, who: Identity, document_id: int) -> int:
    """The id of the request a document of ``who``'s agency waits on (the API answers it by the
    document); a conflict when none waits."""
    _reader(who)
    document = session.get(IncomingDocument, document_id)
    if document is None or document.agency_id != who.agency_id:
        raise NotFound(f"incoming document {document_id} not found")
    found = session.scalar(sa.select(IncomingRecall.id).where(IncomingRecall.document_id == document.id,
                                                              IncomingRecall.answer.is_(None))
                           .order_by(IncomingRecall.requested_at, IncomingRecall.id).limit(1))
    if found is None:
        raise Conflict("Văn bản không có yêu cầu thu hồi, cập nhật, thay thế nào đang chờ trả lời.")
    return found


def get(session: Session, who: Identity, recall_id: int) -> Request:
    _reader(who)
    recall = session.get(IncomingRecall, recall_id)
    document = session.get(IncomingDocument, recall.document_id) if recall is not None else None
    if document is None or document.agency_id != who.agency_id:
        raise NotFound(f"recall request {recall_id} not found")
    replacement = session.get(IncomingDocument, recall.replacement_id) if recall.replacement_id else None
    return Request(recall, document, replacement)


def _take_in(session: Session, runtime: WorkflowRuntime, who: Identity, recall: IncomingRecall,
             document: IncomingDocument, now: datetime) -> None:
    if recall.kind in ("update", "replace"):
        document.superseded_by_id = recall.replacement_id
    if recall.kind in ("recall", "replace") and document.withdrawn_at is None:
        document.withdrawn_at = now
        _cancel_handling(session, runtime, who, document, recall)


def _cancel_handling(session: Session, runtime: WorkflowRuntime, who: Identity, document: IncomingDocument,
                     recall: IncomingRecall) -> None:
    """The document's handling ends with it: its open tasks go from every queue, and a request
    to be relieved of it lapses (no one has to decide it any more)."""
    reassignment.lapse(session, document.id)
    if document.process_instance_id is None:
        return
    instance = runtime.instance(session, document.process_instance_id, who.agency_code)
    if instance.status != RUNNING:
        return
    runtime.cancel(session, instance.id, who.agency_code, str(who.user_id),
                   f"{'Thu hồi' if recall.kind == 'recall' else 'Thay thế'}: {recall.reason}"[:texts.REASON_LENGTH])


def _tell_sender(session: Session, document: IncomingDocument, recall: IncomingRecall) -> None:
    """15 or 16 with the reason to the sender, on the copy the request was about."""
    if document.sender_agency_id is None or document.sender_reference is None:
        return
    at = recall.answered_at
    statuses_to_sender.send(session, sender_agency_id=document.sender_agency_id,
                            sender_reference=document.sender_reference, recipient_agency_id=document.agency_id,
                            recipient_document_id=document.id, code=recall.answer, at=at,
                            reason=recall.answer_reason)


def _requested(session: Session, document: IncomingDocument, *, kind: str, reason: str, requested_at: datetime,
               reference: str, replacement: IncomingDocument | None = None) -> IncomingRecall:
    if kind not in KINDS:
        raise InvalidData(f"unknown recall kind {kind!r}")
    recall = IncomingRecall(document_id=document.id, kind=kind, reason=reason[:texts.REASON_LENGTH],
                            requested_at=requested_at, sender_reference=reference[:200],
                            replacement_id=replacement.id if replacement else None)
    session.add(recall)
    session.flush()
    audit.record(session, f"incoming.{kind}_requested", actor_id=None,
                 agency_code=session.get(Agency, document.agency_id).code, object_type=OBJECT_TYPE,
                 object_id=document.id, after={"recall": recall.id, "status": sender_side.ASKED, "reason": reason,
                                               "replacement": recall.replacement_id})
    return recall


def _delivered(session: Session, agency_id: int, sender_agency_id: int | None, reference: str) -> IncomingDocument | None:
    """The agency's copy of what ``sender_agency_id`` sent as ``reference`` (the first, if the
    sender sent it twice)."""
    if sender_agency_id is None or not reference:
        return None
    D = IncomingDocument
    return session.scalar(sa.select(D).where(D.agency_id == agency_id, D.sender_agency_id == sender_agency_id,
                                             D.sender_reference == reference).order_by(D.id).limit(1))


def _by_ids(session: Session, who: Identity, ids: set[int]) -> dict[int, IncomingDocument]:
    if not ids:
        return {}
    D = IncomingDocument
    return {d.id: d for d in session.scalars(sa.select(D).where(D.agency_id == who.agency_id, D.id.in_(ids)))}


def _reader(who: Identity) -> None:
    if not who.has_any(*READERS):
        raise NotAllowed("only the register's readers see recall requests")

"""The leader's hand on a document being handled: re-assign the handler or extend the deadline
at any time, with the reason kept in the process history and the audit trail."""
from __future__ import annotations

import unicodedata
from datetime import datetime

from sqlalchemy.orm import Session

from engine.runtime import WorkflowRuntime

from .. import audit
from ..accounts import Identity
from ..errors import Conflict, InvalidData, NotAllowed, NotFound
from .models import IncomingDocument

LEADERS = ("leader",)
HANDLE_TASK, HANDLE_DEADLINE = "handle", "handle_overdue"


def reassign(session: Session, runtime: WorkflowRuntime, who: Identity, document_id: int, *,
             lead_user_id: int | None, lead_unit_id: int | None, reason: str) -> IncomingDocument:
    if lead_user_id is None and lead_unit_id is None:
        raise InvalidData("Cần chọn người hoặc đơn vị chủ trì mới.",
                          errors={"lead_user_id": "Chọn «Người chủ trì» hoặc «Đơn vị chủ trì»."})
    document, reason = _in_handling(session, who, document_id, reason)
    runtime.retarget(session, document.process_instance_id, who.agency_code, str(who.user_id), HANDLE_TASK, reason,
                     data={"lead_user_id": lead_user_id, "lead_unit_id": lead_unit_id, "handler_user_id": None},
                     candidate_user=str(lead_user_id) if lead_user_id else None,
                     candidate_unit=str(lead_unit_id) if lead_unit_id else None)
    _audit(session, who, "incoming.reassigned", document,
           {"lead_user_id": lead_user_id, "lead_unit_id": lead_unit_id, "reason": reason})
    return document


def extend_deadline(session: Session, runtime: WorkflowRuntime, who: Identity, document_id: int, *,
                    deadline: datetime, reason: str) -> IncomingDocument:
    if deadline.tzinfo is None:
        raise InvalidData("Hạn xử lý phải có múi giờ, ví dụ 2026-12-01T17:00:00+07:00.",
                          errors={"deadline": "Hạn xử lý phải là ngày giờ ISO 8601 có múi giờ."})
    document, reason = _in_handling(session, who, document_id, reason)
    instance_id = document.process_instance_id
    runtime.retarget(session, instance_id, who.agency_code, str(who.user_id), HANDLE_TASK, reason,
                     data={"deadline": deadline.isoformat()}, **_current_candidates(session, runtime, instance_id),
                     due_at=deadline)
    runtime.reschedule(session, instance_id, who.agency_code, str(who.user_id), HANDLE_DEADLINE, deadline, reason)
    _audit(session, who, "incoming.deadline_extended", document, {"deadline": deadline.isoformat(), "reason": reason})
    return document


def _current_candidates(session: Session, runtime: WorkflowRuntime, instance_id: int) -> dict[str, str | None]:
    row = next((r for r in runtime.open_tasks(session, instance_id) if r.spec_name == HANDLE_TASK), None)
    if row is None:
        raise Conflict("the document is not being handled: there is no open handling task")
    return {"candidate_user": row.candidate_user, "candidate_unit": row.candidate_unit}


def _in_handling(session: Session, who: Identity, document_id: int, reason: str) -> tuple[IncomingDocument, str]:
    if not who.has_any(*LEADERS):
        raise NotAllowed("only the agency's leader re-assigns or extends deadlines")
    document = session.get(IncomingDocument, document_id)
    if document is None or document.agency_id != who.agency_id:
        raise NotFound(f"incoming document {document_id} not found")
    reason = unicodedata.normalize("NFC", reason or "").strip()
    if not reason:
        raise InvalidData("Cần nêu lý do.", errors={"reason": "Trường «Lý do» là bắt buộc."})
    if document.process_instance_id is None:
        raise Conflict(f"incoming document {document_id} has no handling process")
    return document, reason[:2000]


def _audit(session: Session, who: Identity, action: str, document: IncomingDocument, after: dict) -> None:
    audit.record(session, action, actor_id=who.user_id, agency_code=who.agency_code,
                 object_type="incoming_document", object_id=document.id, after=after)

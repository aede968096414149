"""The domain follows an outgoing document's process through the engine's task events
(EngineHooks.task_listener), keyed on each task's role and the form's decision, never on
element ids:

- a step opens: the document's state follows its role (contract.STATE_OF_ROLE);
- a step completes: a return's, a rejection's or an approval's comment, a consulted opinion, the
  drafter's note are kept beside the latest version (what they answer); a rejection ends it;
- what the form alone cannot prove is refused: a drafting submitted without any version, a
  signature step completed as signed without the person's signature on the latest version by
  the one completing it (documents/outgoing/signing.py does both at once), an issue step
  completed as issued without a number (documents/outgoing/issuing.py).

``start`` begins the process of a new draft. Events of another process's tasks, or of a document
of another agency than the task's scope, are ignored: a diagram's data never names the document
acted on."""
from __future__ import annotations

from typing import Any, Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine import clock
from engine.errors import Conflict, InvalidData, NotFound
from engine.runtime import TaskEvent, WorkflowRuntime

from .. import audit
from ..accounts import Identity
from ..models import Agency, Role, User, UserRole
from . import contract as c
from .models import FROZEN, OutgoingComment, OutgoingDocument, OutgoingVersion, State

OBJECT_TYPE = "outgoing_document"
# The steps that may send the draft back to its drafter.
RETURNING = (c.REVIEW, c.CHECK, c.APPROVE, c.SIGN, c.ISSUE)


def start(session: Session, runtime: WorkflowRuntime, who: Identity, document: OutgoingDocument) -> None:
    """Start the agency's `outgoing` process for a new draft (its first step: the drafting, for
    its author) and keep the instance on the document."""
    if document.agency_id != who.agency_id:
        raise NotFound(f"outgoing document {document.id} not found")
    if document.process_instance_id is not None:
        raise Conflict("Văn bản này đã có quy trình xử lý.")
    data = {"document_id": document.id, "author_id": document.author_id, "unit_id": document.unit_id,
            "urgency": document.urgency}
    instance = runtime.start(session, who.agency_code, c.PROCESS, str(who.user_id), data,
                             business_key=f"outgoing:{document.id}")
    document.process_instance_id = instance.id
    audit.record(session, "outgoing.process_started", actor_id=who.user_id, agency_code=who.agency_code,
                 object_type=OBJECT_TYPE, object_id=document.id, after={"instance": instance.id})


def on_task_event(session: Session, event: TaskEvent) -> None:
    task = event.task
    if not (task.role or "").startswith(c.PROCESS + "."):
        return
    document = _document_of(session, task)
    if document is None:
        return
    if event.kind == "opened":
        _opened(document, task.role)
    elif event.kind == "completed":
        _completed(session, document, task, _number(event.actor), event.data)


def _opened(document: OutgoingDocument, role: str) -> None:
    state = c.STATE_OF_ROLE.get(role)
    if state is None or document.state in FROZEN:
        return  # a step the domain does not know leaves the state as it was
    document.state = state
    document.updated_at = clock.now()
    if role == c.SIGN:  # signing again (after a return): an earlier signature is no longer the one
        document.signer_id = document.signer_position = document.signed_at = None
        document.signed_version_id = document.signed_file_id = None


def _completed(session: Session, document: OutgoingDocument, task: Any, actor_id: int | None,
               data: Mapping[str, Any]) -> None:
    role, decision = task.role, data.get(c.DECISION)
    version = latest_version(session, document.id)
    if role == c.DRAFT:
        _drafted(document, version, decision)
    if role == c.APPROVE and decision == c.APPROVED:
        _check_signer(session, document, data.get(c.SIGNER))
    if role == c.SIGN and decision == c.SIGNED:
        _check_signed(document, version, actor_id)
    if role == c.ISSUE and decision == c.ISSUED:
        _check_issued(document)
    kind, text = _said(role, decision, data)
    if kind is not None:
        session.add(OutgoingComment(document_id=document.id, version_id=version.id if version else None,
                                    author_id=actor_id, unit_id=_asked_unit(task), role=role,
                                    kind=kind, text=text, at=clock.now()))
    if role == c.APPROVE and decision == c.REJECTED:
        document.state = State.REJECTED
    if role == c.ISSUE and decision == c.ISSUED:
        document.state = State.ISSUED
    document.updated_at = clock.now()
    audit.record(session, f"outgoing.{c.step(role)}.{decision or 'done'}", actor_id=actor_id,
                 agency_code=task.scope, object_type=OBJECT_TYPE, object_id=document.id,
                 after={"task": task.id, "version": version.number if version else None, "comment": text,
                        **({"signer": data.get(c.SIGNER)} if role == c.APPROVE and decision == c.APPROVED else {})})


def _asked_unit(task: Any) -> int | None:
    """The unit an opinion was asked of (its head answered for it)."""
    return _number(task.candidate_unit) if task.role == c.CONSULT else None


def _said(role: str, decision: Any, data: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(kind, text) of what the step said about the version, or (None, None)."""
    if role == c.CONSULT:
        return "opinion", _text(data.get(c.OPINION))
    if role == c.DRAFT:
        note = _text(data.get(c.NOTE))
        return ("comment", note) if note else (None, None)
    comment = _text(data.get(c.COMMENT))
    if decision == c.RETURNED and role in RETURNING:
        return "return", comment or ""
    if decision == c.REJECTED and role == c.APPROVE:
        return "reject", comment or ""
    if comment:
        return ("approve" if role == c.APPROVE else "comment"), comment
    return None, None


def _drafted(document: OutgoingDocument, version: OutgoingVersion | None, decision: Any) -> None:
    if version is None:
        what = "xin ý kiến" if decision == c.ASK_OPINIONS else "trình"
        raise InvalidData(f"Dự thảo chưa có phiên bản nào: hãy tải lên tệp dự thảo trước khi {what}.")


def _check_signer(session: Session, document: OutgoingDocument, signer: Any) -> None:
    """The named signer is one of the agency's active leaders."""
    signer_id = _number(signer)
    leader = signer_id is not None and session.scalar(
        sa.select(User.id).join(UserRole, sa.and_(UserRole.user_id == User.id, UserRole.agency_id == User.agency_id))
        .where(User.id == signer_id, User.agency_id == document.agency_id, User.active.is_(True),
               UserRole.role == Role.LEADER))
    if not leader:
        raise InvalidData("Người ký phải là một lãnh đạo của cơ quan.",
                          errors={c.SIGNER: "Chọn người ký trong số lãnh đạo cơ quan."})


def _check_signed(document: OutgoingDocument, version: OutgoingVersion | None, actor_id: int | None) -> None:
    """Only the signature itself completes the step as signed: the latest version signed by the
    one completing the step."""
    if version is None or document.signed_version_id != version.id or document.signer_id != actor_id:
        raise InvalidData("Văn bản chưa được ký số: dùng nút «Ký số» để ký phiên bản cuối cùng của dự thảo.")


def _check_issued(document: OutgoingDocument) -> None:
    if document.number is None:
        raise InvalidData("Văn bản chưa được cấp số: dùng nút «Cấp số, ký số và phát hành» để phát hành.")


def latest_version(session: Session, document_id: int) -> OutgoingVersion | None:
    return session.scalar(sa.select(OutgoingVersion).where(OutgoingVersion.document_id == document_id)
                          .order_by(OutgoingVersion.number.desc()).limit(1))


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _document_of(session: Session, task: Any) -> OutgoingDocument | None:
    """The document whose process is the task's instance, in the task's own agency."""
    agency = sa.select(Agency.id).where(Agency.code == task.scope).scalar_subquery()
    return session.scalar(sa.select(OutgoingDocument)
                          .where(OutgoingDocument.process_instance_id == task.instance_id,
                                 OutgoingDocument.agency_id == agency))

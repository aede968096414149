"""What the signature and the issue share: a step completed by its own action (the "Ký số" and
"Cấp số, ký số và phát hành" buttons) rather than by its form. The action acts on the acting
agency's document, at the open step of its role, only for a person that step is given to."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine.runtime import HumanTask, WorkflowRuntime

from ..accounts import Identity
from ..errors import Conflict, NotAllowed, NotFound
from .models import OutgoingDocument

NOT_FOUND = "Không tìm thấy văn bản đi."


def own_document(session: Session, who: Identity, document_id: int) -> OutgoingDocument:
    """The acting agency's document; another agency's is not found, as if absent."""
    document = session.get(OutgoingDocument, document_id)
    if document is None or document.agency_id != who.agency_id:
        raise NotFound(NOT_FOUND)
    return document


def document_of_instance(session: Session, who: Identity, instance_id: int) -> OutgoingDocument | None:
    """The acting agency's document whose process is ``instance_id`` (a task panel's document)."""
    return session.scalar(sa.select(OutgoingDocument).where(OutgoingDocument.process_instance_id == instance_id,
                                                            OutgoingDocument.agency_id == who.agency_id))


def open_task(session: Session, runtime: WorkflowRuntime, document: OutgoingDocument, role: str) -> HumanTask | None:
    """The document's open step of ``role``, if its process is there."""
    if document.process_instance_id is None:
        return None
    tasks = runtime.open_tasks(session, document.process_instance_id, role=role)
    return tasks[0] if tasks else None


def task_of(session: Session, runtime: WorkflowRuntime, who: Identity, document: OutgoingDocument, role: str, *,
            not_open: str, not_yours: str) -> HumanTask:
    """The open step of ``role`` that ``who`` may act on: 409 ``not_open`` when none is open,
    403 ``not_yours`` when it is given to someone else."""
    task = open_task(session, runtime, document, role)
    if task is None:
        raise Conflict(not_open)
    if not runtime.may_act(task, who.principal):
        raise NotAllowed(not_yours)
    return task

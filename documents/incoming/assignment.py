"""The domain follows the handling of an incoming document through the engine's task events
(EngineHooks.task_listener), keyed on each task's role, never on element ids:

- the handler starts (takes the handling, or completes it without taking it first): status 05,
  once (progress notes report it too: documents/incoming/progress.py);
- the distribution is decided: the document's current assignment — lead, deadline — and the
  coordinators and those told for information (documents/incoming/parties.py).

Events of tasks that are not an incoming document's, or of a document of another agency than the
task's scope, are ignored: a diagram's data never names the document acted on."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine.runtime import TaskEvent

from ..models import Agency
from . import parties, service
from .contract import DISTRIBUTE, HANDLE, PROCESS
from .models import IncomingDocument


def on_task_event(session: Session, event: TaskEvent) -> None:
    task = event.task
    if not (task.role or "").startswith(PROCESS + "."):
        return
    document = _document_of(session, task)
    if document is None:
        return
    actor_id = int(event.actor) if event.actor and event.actor.isdigit() else None
    if task.role == HANDLE and event.kind in ("claimed", "completed"):
        service.report_started(session, document, actor_id)
    if task.role == DISTRIBUTE and event.kind == "completed" and event.data.get("decision") == "assign":
        parties.record_distribution(session, document, event.data, actor_id)


def _document_of(session: Session, task) -> IncomingDocument | None:
    """The document whose handling is the task's instance, in the task's own agency."""
    agency = sa.select(Agency.id).where(Agency.code == task.scope).scalar_subquery()
    return session.scalar(sa.select(IncomingDocument)
                          .where(IncomingDocument.process_instance_id == task.instance_id,
                                 IncomingDocument.agency_id == agency))

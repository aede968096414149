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
from . import deadlines, parties, service
from .contract import DISTRIBUTE, HANDLE, PROCESS, UNIT_ASSIGN
from .models import IncomingDocument
from .reading import moment


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
    if task.role == HANDLE and event.kind == "opened":
        _handling_opened(document, task)
    if task.role == DISTRIBUTE and event.kind == "completed" and event.data.get("decision") == "assign":
        _distributed(document, event.data)
        parties.record_distribution(session, document, event.data, actor_id)
    if task.role == UNIT_ASSIGN and event.kind == "completed" and _number(event.data.get("handler_user_id")):
        document.lead_user_id = _number(event.data.get("handler_user_id"))


def _distributed(document: IncomingDocument, data) -> None:
    """The leader's distribution names the lead and may set the deadline; until the handling is
    open (a unit head may still have to name the person) that deadline is the document's. One
    already past is refused here too, whatever form the diagram asked with."""
    deadline = moment(data.get("deadline"))
    deadlines.refuse_past(deadline)
    document.lead_unit_id = _number(data.get("lead_unit_id"))
    document.lead_user_id = _number(data.get("lead_user_id"))
    document.handling_deadline = deadline


def _handling_opened(document: IncomingDocument, task) -> None:
    """The open handling's due time is the deadline (the distribution's, else the diagram's
    default); its person, once named, the lead person."""
    if task.due_at is not None:
        document.handling_deadline = task.due_at
    person = _number(task.candidate_user)
    if person is not None:
        document.lead_user_id = person


def _number(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _document_of(session: Session, task) -> IncomingDocument | None:
    """The document whose handling is the task's instance, in the task's own agency."""
    agency = sa.select(Agency.id).where(Agency.code == task.scope).scalar_subquery()
    return session.scalar(sa.select(IncomingDocument)
                          .where(IncomingDocument.process_instance_id == task.instance_id,
                                 IncomingDocument.agency_id == agency))

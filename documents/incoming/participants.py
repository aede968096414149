"""Who works on an incoming document now, read from the open tasks of its workflow: the handler
(who may act on the open task of role `incoming.handle`: its holder, or a candidate while nobody
holds it), the coordinators (each on their own `incoming.coordinate` task), the head of the
handling unit, and the agency's leaders. Tasks are found by the role their element is marked
with (documents/incoming/contract.py), whatever the agency's diagram calls them. The services of
the handling features ask here, so the rule is written once."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine.runtime import HumanTask, WorkflowRuntime

from ..accounts import Identity
from ..errors import NotAllowed, NotFound
from ..models import User
from . import parties
from .contract import COORDINATE, DISTRIBUTE, HANDLE
from .models import IncomingDocument

__all__ = ["COORDINATE", "DISTRIBUTE", "HANDLE"]  # the roles the services ask about, re-exported
LEADERS, UNIT_HEADS = ("leader",), ("unit_head",)


def document_of(session: Session, who: Identity, document_id: int, *, lock: bool = False) -> IncomingDocument:
    """A document of the caller's agency; another agency's is not found (its existence is not told)."""
    query = sa.select(IncomingDocument).where(IncomingDocument.id == document_id)
    document = session.scalar(query.with_for_update() if lock else query)
    if document is None or document.agency_id != who.agency_id:
        raise NotFound(f"incoming document {document_id} not found")
    return document


def open_tasks(session: Session, document: IncomingDocument, role: str | None = None) -> list[HumanTask]:
    """The document's open tasks, or those of one role (``incoming.handle`` …)."""
    if document.process_instance_id is None:
        return []
    return WorkflowRuntime.open_tasks(session, document.process_instance_id, role)


def task_of(session: Session, who: Identity, document: IncomingDocument, role: str) -> HumanTask | None:
    """The open task of ``role`` of the document that ``who`` may act on now, if any."""
    principal = who.principal
    return next((t for t in open_tasks(session, document, role) if WorkflowRuntime.may_act(t, principal)), None)


def require_handler(session: Session, who: Identity, document: IncomingDocument) -> HumanTask:
    task = task_of(session, who, document, HANDLE)
    if task is None:
        raise NotAllowed(f"only the handler of incoming document {document.id} may do this")
    return task


def works_on(session: Session, who: Identity, document: IncomingDocument) -> bool:
    """Whether ``who`` may act on one of the document's open tasks (so needs to read it)."""
    principal = who.principal
    return any(WorkflowRuntime.may_act(t, principal) for t in open_tasks(session, document))


def may_read(session: Session, who: Identity, document: IncomingDocument) -> bool:
    """Whether ``who``, not a reader of the register, may read the document: one who works on it
    now, a party the distribution named — a person asked to coordinate, one told for information
    in person or as a member of the unit named (documents/incoming/parties.py) — or one who gave
    a coordinating opinion on it (for a unit, or after a re-assignment), for good."""
    return (parties.is_party(session, who, document) or works_on(session, who, document)
            or coordinated(session, who, document))


def coordinated(session: Session, who: Identity, document: IncomingDocument) -> bool:
    """Whether ``who`` completed a coordination task of the document's workflow."""
    if document.process_instance_id is None:
        return False
    return session.scalar(sa.select(HumanTask.id).where(
        HumanTask.instance_id == document.process_instance_id, HumanTask.role == COORDINATE,
        HumanTask.completed_by == str(who.user_id), HumanTask.scope == who.agency_code).limit(1)) is not None


def handling_unit(session: Session, task: HumanTask) -> int | None:
    """The unit a handle task belongs to: its candidate unit, else the unit of its person."""
    if task.candidate_unit and task.candidate_unit.isdigit():
        return int(task.candidate_unit)
    person = task.assignee or task.candidate_user
    if person and person.isdigit():
        return session.scalar(sa.select(User.unit_id).where(User.id == int(person)))
    return None


def is_leader(who: Identity) -> bool:
    return who.has_any(*LEADERS)


def heads(who: Identity, unit_id: int | None) -> bool:
    """Whether ``who`` is the head of ``unit_id``."""
    return unit_id is not None and who.unit_id == unit_id and who.has_any(*UNIT_HEADS)


def may_steer(session: Session, who: Identity, document: IncomingDocument) -> bool:
    """The handler, the head of the handling unit or a leader: those who shape the case file."""
    if is_leader(who):
        return True
    task = next(iter(open_tasks(session, document, HANDLE)), None)
    return task is not None and (WorkflowRuntime.may_act(task, who.principal)
                                 or heads(who, handling_unit(session, task)))


def require_steering(session: Session, who: Identity, *documents: IncomingDocument) -> None:
    """``who`` steers one of ``documents`` (a link belongs to both of its ends)."""
    if not any(may_steer(session, who, d) for d in documents):
        raise NotAllowed(f"only the handler, the head of the handling unit or a leader may change the related "
                         f"documents of incoming document {documents[0].id}")

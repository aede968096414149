"""The hand of leaders and unit heads on a document being handled, at any time, with the reason
kept in the process history and the audit trail:

- the handling: re-assigned (leaders anywhere in the agency; the head of the handling unit
  inside the unit, which answers a re-assignment request) or its deadline extended (leaders);
- the distribution: re-assigned to another leader (leaders);
- one coordinator's task: re-assigned to another unit or person, or its deadline extended (leaders).

Every change is one engine ``retarget`` of one open task (plus ``reschedule`` of the handling's
overdue timer), so all of them are recorded, released from claims and versioned alike. Tasks and
the timer are found by their role (documents/incoming/contract.py), never by element id.

The document keeps its current assignment (documents/incoming/assignment.py): a re-assignment
names its lead, an extension of the handling moves its handling deadline (what overdue counts,
documents/incoming/deadlines.py); a coordinator's extension moves only that coordinator's task.
A deadline already past is refused."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from engine.runtime import HumanTask, WorkflowRuntime

from ..accounts import Identity
from ..errors import Conflict, InvalidData, NotAllowed, NotFound
from ..form_references import HEADLESS
from ..models import User
from ..organisation import headed_units
from ..vntime import YEARS_MESSAGE, within_years
from . import contract, deadlines, participants, people, reassignment, texts, trail
from ..calendar.service import calendar_for
from .contract import COORDINATE, DISTRIBUTE, HANDLE, HANDLE_DEADLINE, HANDLE_ESCALATION, HANDLE_REMINDER
from .models import IncomingDocument


def reassign(session: Session, runtime: WorkflowRuntime, who: Identity, document_id: int, *,
             lead_user_id: int | None, lead_unit_id: int | None, reason: str | None,
             request_id: int | None = None, deadline: datetime | None = None) -> IncomingDocument:
    """Name a new lead (person and/or unit) of the handling, and with ``deadline`` a new handling
    deadline; closes the re-assignment request it answers (``request_id``, 409 when already
    resolved) or any open one of the document."""
    document = participants.document_of(session, who, document_id)
    task = _handle_task_for(session, who, document)
    if deadline is not None:
        _check_deadline(deadline)
    if participants.is_leader(who):
        if lead_user_id is None and lead_unit_id is None:
            raise InvalidData("Cần chọn người hoặc đơn vị chủ trì mới.",
                              errors={"lead_user_id": "Chọn «Người chủ trì» hoặc «Đơn vị chủ trì»."})
        # The lead unit's head reviews the result: a unit without one cannot lead.
        _check_people(session, who, user_id=lead_user_id, unit_id=lead_unit_id, user_field="lead_user_id",
                      unit_field="lead_unit_id", headed=True)
    else:
        lead_user_id, lead_unit_id = _inside_own_unit(session, who, lead_user_id, lead_unit_id)
    reason = texts.reason(reason)
    closed = reassignment.grant(session, who, document, request_id, reason, lead_user_id)
    data = {"lead_user_id": lead_user_id, "lead_unit_id": lead_unit_id, "handler_user_id": None}
    if deadline is not None:
        data["deadline"] = deadline.isoformat()
    _retarget(session, runtime, who, document, task, reason, data=data, due_at=deadline,
              candidate_user=_key(lead_user_id), candidate_unit=_key(lead_unit_id))
    document.lead_user_id, document.lead_unit_id = lead_user_id, lead_unit_id
    if deadline is not None:
        _move_deadline(session, runtime, who, document, deadline, reason)
    trail.record(session, who, "incoming.reassigned", document.id,
                 {"lead_user_id": lead_user_id, "lead_unit_id": lead_unit_id, "reason": reason, "requests": closed,
                  "deadline": deadline.isoformat() if deadline else None})
    return document


def extend_deadline(session: Session, runtime: WorkflowRuntime, who: Identity, document_id: int, *,
                    deadline: datetime, reason: str | None) -> IncomingDocument:
    """Move the handling's deadline: the document's, the task's due time and its overdue timer."""
    document = _for_leader(session, who, document_id)
    task = _open_task(session, document, HANDLE)
    reason = _extension(deadline, reason)
    _retarget(session, runtime, who, document, task, reason, data={"deadline": deadline.isoformat()},
              due_at=deadline, **_candidates(task))
    _move_deadline(session, runtime, who, document, deadline, reason)
    trail.record(session, who, "incoming.deadline_extended", document.id,
                 {"deadline": deadline.isoformat(), "reason": reason})
    return document


def reassign_distribution(session: Session, runtime: WorkflowRuntime, who: Identity, document_id: int, *,
                          leader_user_id: int, reason: str | None) -> IncomingDocument:
    """Hand the distribution of the document to another leader (one who is away, one who is competent)."""
    document = _for_leader(session, who, document_id)
    task = _open_task(session, document, DISTRIBUTE)
    leader = people.leader(session, who, leader_user_id, "leader_user_id")
    reason = texts.reason(reason)
    _retarget(session, runtime, who, document, task, reason, candidate_user=_key(leader.id), candidate_unit=None)
    trail.record(session, who, "incoming.distribution_reassigned", document.id,
                 {"leader_user_id": leader.id, "reason": reason})
    return document


def reassign_coordination(session: Session, runtime: WorkflowRuntime, who: Identity, document_id: int,
                          task_id: int, *, unit_id: int | None, user_id: int | None,
                          reason: str | None) -> IncomingDocument:
    """Give one coordinator's task to another unit (its head answers) or to a named person."""
    document = _for_leader(session, who, document_id)
    task = _coordination_task(session, document, task_id)
    if unit_id is None and user_id is None:
        raise InvalidData("Cần chọn đơn vị hoặc người phối hợp mới.",
                          errors={"unit_id": "Chọn «Đơn vị phối hợp» hoặc «Người phối hợp»."})
    person = _check_people(session, who, user_id=user_id, unit_id=unit_id, user_field="user_id", unit_field="unit_id",
                           headed=user_id is None)
    unit_id = unit_id if unit_id is not None else person.unit_id
    reason = texts.reason(reason)
    _retarget(session, runtime, who, document, task, reason, data={"coordinator": unit_id, "coordinator_user_id": user_id},
              candidate_user=_key(user_id), candidate_unit=_key(unit_id))
    trail.record(session, who, "incoming.coordination_reassigned", document.id,
                 {"task": task.id, "unit_id": unit_id, "user_id": user_id, "reason": reason})
    return document


def extend_coordination(session: Session, runtime: WorkflowRuntime, who: Identity, document_id: int,
                        task_id: int, *, deadline: datetime, reason: str | None) -> IncomingDocument:
    """Move one coordinator's due time (the others keep theirs)."""
    document = _for_leader(session, who, document_id)
    task = _coordination_task(session, document, task_id)
    reason = _extension(deadline, reason)
    _retarget(session, runtime, who, document, task, reason, due_at=deadline, **_candidates(task))
    trail.record(session, who, "incoming.coordination_extended", document.id,
                 {"task": task.id, "deadline": deadline.isoformat(), "reason": reason})
    return document


# --------------------------------------------------------------------------- who, which task

def _for_leader(session: Session, who: Identity, document_id: int) -> IncomingDocument:
    document = participants.document_of(session, who, document_id)
    if not participants.is_leader(who):
        raise NotAllowed("only the agency's leader re-assigns or extends deadlines")
    return document


def _handle_task_for(session: Session, who: Identity, document: IncomingDocument) -> HumanTask:
    """A leader re-assigns any handling; a unit head only a handling of the unit they head."""
    leader = participants.is_leader(who)
    if not (leader or who.has_any(*participants.UNIT_HEADS)):
        raise NotAllowed("only a leader or the head of the handling unit re-assigns the handling")
    task = _open_task(session, document, HANDLE)
    if not leader and not participants.heads(who, participants.handling_unit(session, task)):
        raise NotAllowed("a unit head re-assigns only the handling of the unit they head")
    return task


def _open_task(session: Session, document: IncomingDocument, role: str) -> HumanTask:
    if document.process_instance_id is None:
        raise Conflict(f"incoming document {document.id} has no handling process")
    task = next(iter(participants.open_tasks(session, document, role)), None)
    if task is None:
        raise Conflict(f"incoming document {document.id} has no open '{role}' task")
    return task


def _elements(session: Session, runtime: WorkflowRuntime, who: Identity, document: IncomingDocument,
              role: str) -> list[str]:
    """The ids the document's own diagram version gives the elements of ``role``."""
    marked = runtime.element_roles(session, document.process_instance_id, who.agency_code)
    return [element for element, marked_role in contract.roles_by_element(marked).items() if marked_role == role]


def _coordination_task(session: Session, document: IncomingDocument, task_id: int) -> HumanTask:
    task = session.get(HumanTask, task_id)
    if (task is None or document.process_instance_id is None or task.instance_id != document.process_instance_id
            or task.role != COORDINATE):
        raise NotFound(f"coordination task {task_id} of incoming document {document.id} not found")
    if task.status != "ready":
        raise Conflict(f"coordination task {task_id} is already {task.status}")
    return task


# --------------------------------------------------------------------------- checks and the one engine call

def _check_people(session: Session, who: Identity, *, user_id: int | None, unit_id: int | None, user_field: str,
                  unit_field: str, headed: bool) -> User | None:
    """The person named, if any, once the person and the unit are known to be of the agency and,
    when ``headed``, the unit to have a head to take its task (as at distribution)."""
    if unit_id is not None:
        unit = people.unit(session, who, unit_id, unit_field)
        if headed and not headed_units(session, [unit_id]):
            message = HEADLESS.format(unit=unit.name)
            raise InvalidData(message, errors={unit_field: message})
    return people.user(session, who, user_id, user_field) if user_id is not None else None


def _inside_own_unit(session: Session, who: Identity, user_id: int | None,
                     unit_id: int | None) -> tuple[int, int | None]:
    if unit_id is not None and unit_id != who.unit_id:
        raise InvalidData("Trưởng đơn vị chỉ giao xử lý trong đơn vị của mình.",
                          errors={"lead_unit_id": "Đơn vị chủ trì phải là đơn vị của mình."})
    return people.in_own_unit(session, who, user_id, "lead_user_id").id, who.unit_id


def _extension(deadline: datetime, reason: str | None) -> str:
    _check_deadline(deadline)
    return texts.reason(reason)


def _check_deadline(deadline: datetime) -> None:
    if deadline.tzinfo is None:
        raise InvalidData("Hạn xử lý phải có múi giờ, ví dụ 2026-12-01T17:00:00+07:00.",
                          errors={"deadline": "Hạn xử lý phải là ngày giờ ISO 8601 có múi giờ."})
    if not within_years(deadline):
        raise InvalidData(YEARS_MESSAGE, errors={"deadline": YEARS_MESSAGE})
    deadlines.refuse_past(deadline)


def _move_deadline(session: Session, runtime: WorkflowRuntime, who: Identity, document: IncomingDocument,
                   deadline: datetime, reason: str) -> None:
    """The handling's deadline is the document's (what overdue counts) and its timers': overdue at
    the deadline, the reminder a working day before, the leaders' escalation a working day after —
    as the default diagram places them. A diagram without one of them (the roles are optional), or
    one that has fired already (its notice is given), has nothing to move."""
    document.handling_deadline = deadline
    calendar = calendar_for(session, document.agency_id)
    moves = ((HANDLE_DEADLINE, deadline), (HANDLE_REMINDER, calendar.working_days_before(deadline, 1)),
             (HANDLE_ESCALATION, calendar.add_working_days(deadline, 1)))
    for role, at in moves:
        for element in _elements(session, runtime, who, document, role):
            try:
                runtime.reschedule(session, document.process_instance_id, who.agency_code, str(who.user_id), element,
                                   at, reason)
            except Conflict:  # fired already: nothing is waiting (refused before anything is written)
                continue


def _candidates(task: HumanTask) -> dict[str, str | None]:
    return {"candidate_user": task.candidate_user, "candidate_unit": task.candidate_unit}


def _key(value: int | None) -> str | None:
    return None if value is None else str(value)


def _retarget(session: Session, runtime: WorkflowRuntime, who: Identity, document: IncomingDocument, task: HumanTask,
              reason: str, **change) -> None:
    runtime.retarget(session, document.process_instance_id, who.agency_code, str(who.user_id), task.spec_name,
                     reason, task_id=task.id, **change)

"""Service tasks the diagrams' deadline timers call (registered in documents/wiring.py).

``notify`` tells the people concerned by one open step of the instance: params ``kind``
('reminder' | 'overdue' | 'escalation' | 'urgency'), ``to`` ('task': whoever holds the step;
'unit_head': the heads of its unit; 'leader': the agency's leaders) and ``task`` (the spec name of
the user task concerned). It runs inside the step that fires the timer (engine.step gives the
session, the agency and the instance), so its notifications are stored with that step or not at
all. Each notification's key names the event — the instance, the human task (its task_id is
unique), the kind and the audience — so a timer fired again writes nothing new. A step no longer
open (completed, cancelled) is told nothing: a path after a non-interrupting timer can outlive it.
A step opened with its timer already due (a reminder when the deadline is less than a working day
away, a handling sent back after its deadline) is told once its row is written, in the same step.

``urgency`` also raises the urgency of the instance's open tasks one level (queues sort by it),
once per event."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine import clock
from engine import step as steps
from engine.runtime import HumanTask, ProcessInstance, TaskEvent

from ..incoming.models import IncomingDocument
from ..models import Agency, User
from ..notifications import recipients
from ..notifications.models import Kind, Notification
from ..notifications.service import Message
from ..notifications.service import notify as send
from ..outgoing.models import OutgoingDocument
from ..vntime import VN_TZ

KINDS = (Kind.REMINDER, Kind.OVERDUE, Kind.ESCALATION, Kind.URGENCY)
TASK, UNIT_HEAD, LEADER = "task", "unit_head", "leader"
AUDIENCES = (TASK, UNIT_HEAD, LEADER)
PENDING = "deadlines.pending_notices"  # the step's memo: notices waiting for their step's row
MAX_URGENCY = 3
URGENCY_NAMES = ("Thường", "Khẩn", "Thượng khẩn", "Hỏa tốc")
HEADLINES = {Kind.REMINDER: "Sắp đến hạn", Kind.OVERDUE: "Quá hạn",
             Kind.ESCALATION: "Quá hạn, cần đôn đốc", Kind.URGENCY: "Văn bản khẩn chưa được xử lý kịp"}


@dataclass(frozen=True)
class Document:
    """What a notification names: the document and the page that shows it."""

    label: str
    link: str | None


def notify(params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Service task ``notify``: see the module's docstring. Returns what it did (the step keeps
    it in the process data under the service's resultVariable)."""
    kind, to, spec = params.get("kind"), params.get("to", TASK), params.get("task")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if to not in AUDIENCES:
        raise ValueError(f"to must be one of {', '.join(AUDIENCES)}, not {to!r}")
    if not isinstance(spec, str) or not spec:
        raise ValueError("task must name the user task concerned (its id in the diagram)")
    step = steps.current()
    done = {"kind": kind, "to": to, "task": spec, "at": clock.now().isoformat(), "notified": 0}
    if step is None or step.instance_id is None or step.scope is None:
        return done  # outside a stored instance's step there is nobody to tell
    session = step.session
    with session.no_autoflush:  # mid-step: the engine's pending rows stay pending until it saves
        tasks = recipients.open_tasks(session, step.instance_id, spec)
    if not tasks:
        # A timer already due when its step opens fires in the very step that opens it, before the
        # step's row is written: told once the engine writes it (on_task_event), not lost.
        step.memo.setdefault(PENDING, []).append((kind, to, spec, dict(data)))
        return done
    done["notified"] = _tell(session, step, tasks, kind, to, data)
    return done


def on_task_event(session: Session, event: TaskEvent) -> None:
    """Task listener: a step opened in the step whose timer already asked to tell its holders."""
    step = steps.current()
    if event.kind != "opened" or step is None or step.instance_id != event.task.instance_id:
        return
    pending = step.memo.get(PENDING) or []
    for kind, to, spec, data in [notice for notice in pending if notice[2] == event.task.spec_name]:
        _tell(session, step, [event.task], kind, to, data)


def _tell(session: Session, step: steps.Step, tasks: list[HumanTask], kind: str, to: str,
          data: dict[str, Any]) -> int:
    with session.no_autoflush:
        agency_id = session.scalar(sa.select(Agency.id).where(Agency.code == step.scope))
    if agency_id is None:
        return 0
    document = _document(session, step.instance_id, data)
    new_event, notified = False, 0
    for task in tasks:
        key = f"timer:{step.instance_id}:{task.task_id}:{kind}:{to}"
        # Only urgency needs to know (it raises urgency once): a prefix match is no query for every firing.
        new_event = new_event or (kind == Kind.URGENCY and not _already(session, key))
        people = _audience(session, agency_id, task, to)
        message = _message(kind, to, task, document)
        notified += len(send(session, agency_id, people, message, key, instance_id=step.instance_id))
    if kind == Kind.URGENCY and new_event:  # once per event, however many of its tasks are open
        _raise_urgency(session, step.instance_id)
    return notified


def remind(params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Service task ``remind`` of diagrams deployed before ``notify`` existed: the step's holders
    are told it is overdue (params: ``task``)."""
    return notify({"kind": Kind.OVERDUE, "to": TASK, "task": params.get("task")}, data)


def _already(session: Session, key: str) -> bool:
    with session.no_autoflush:
        return session.scalar(sa.select(sa.exists().where(Notification.dedupe_key.startswith(f"{key}:u")))) or False


def _audience(session: Session, agency_id: int, task: HumanTask, to: str) -> set[int]:
    if to == TASK:
        return recipients.of_task(session, agency_id, task)
    if to == LEADER:
        return recipients.leaders(session, agency_id)
    return {head for unit in _units(session, agency_id, task) for head in recipients.unit_heads(session, agency_id, unit)}


def _units(session: Session, agency_id: int, task: HumanTask) -> set[int]:
    """The step's unit: the one it is offered to, else the units of the people holding it."""
    if task.candidate_unit is not None and task.candidate_unit.isdigit():
        return {int(task.candidate_unit)}
    holders = recipients.of_task(session, agency_id, task)
    return set(session.scalars(sa.select(User.unit_id).where(User.id.in_(holders), User.unit_id.is_not(None))))


def _raise_urgency(session: Session, instance_id: int) -> None:
    for task in recipients.open_tasks(session, instance_id):
        task.urgency = min(MAX_URGENCY, (task.urgency or 0) + 1)


def _document(session: Session, instance_id: int, data: dict[str, Any]) -> Document:
    """The instance's document (incoming or outgoing, by its business key), named by number and subject."""
    business_key = session.scalar(sa.select(ProcessInstance.business_key).where(ProcessInstance.id == instance_id)) or ""
    kind, _, ident = business_key.partition(":")
    if ident.isdigit() and kind == "incoming":
        incoming = session.get(IncomingDocument, int(ident))
        if incoming is not None:
            number = f"số đến {incoming.incoming_number}, " if incoming.incoming_number else ""
            return Document(f"văn bản đến {number}{incoming.number_notation} «{incoming.subject}»",
                            f"/incoming/{incoming.id}")
    if ident.isdigit() and kind == "outgoing":
        outgoing = session.get(OutgoingDocument, int(ident))
        if outgoing is not None:
            notation = f"số {outgoing.notation} " if outgoing.notation else ""
            return Document(f"văn bản đi {notation}«{outgoing.subject}»", f"/outgoing/{outgoing.id}")
    subject = data.get("subject")
    return Document(f"«{subject}»" if isinstance(subject, str) and subject else f"quy trình {instance_id}", None)


def _message(kind: str, to: str, task: HumanTask, document: Document) -> Message:
    deadline = f", hạn {task.due_at.astimezone(VN_TZ):%H:%M %d/%m/%Y}" if task.due_at is not None else ""
    title = f"{HEADLINES[kind]}: {task.title} — {document.label}{deadline}"
    body = _body(kind, to, task)
    link = f"/tasks/{task.id}" if to == TASK or document.link is None else document.link
    return Message(kind, title, body, link)


def _body(kind: str, to: str, task: HumanTask) -> str:
    if kind == Kind.URGENCY:
        level = URGENCY_NAMES[min(MAX_URGENCY, (task.urgency or 0) + 1)]
        return f"Bước «{task.title}» chưa được nhận xử lý trong thời hạn của văn bản khẩn; độ khẩn nâng lên {level}."
    if kind == Kind.REMINDER:
        return f"Bước «{task.title}» sắp đến hạn xử lý."
    if to == TASK:
        return f"Bước «{task.title}» đã quá hạn xử lý."
    who = "lãnh đạo đơn vị" if to == UNIT_HEAD else "lãnh đạo cơ quan"
    return f"Bước «{task.title}» đã quá hạn xử lý; báo {who} để đôn đốc."


SERVICES = {"notify": notify, "remind": remind}

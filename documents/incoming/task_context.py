"""What a person acting on a task needs to decide, read from the document, the process data and
the process history (never a second copy of the rules that wrote them): a summary of the
document for every task of one, and for each role of the incoming contract the few facts that
step is about. Steps are known by the role marked on their element (documents/incoming/contract.py),
so an agency's own diagram may rename them; a task of no role shows the document's summary alone.
The task page and the JSON API's task both show this."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, Callable, Iterable, Mapping

from sqlalchemy.orm import Session

from engine.runtime import HistoryEntry, HumanTask, WorkflowRuntime

from ..accounts import Identity
from ..files.models import Attachment
from ..vntime import VN_TZ
from . import contract, people, progress, queries, service
from .contract import COORDINATE, DISTRIBUTE, HANDLE, RECHECK, REVIEW, UNIT_ASSIGN
from .models import IncomingDocument

COMPLETED = "completed"  # the history's action of a completed task


@dataclass(frozen=True)
class Note:
    """What someone said: a reason, a direction, an opinion, a result, a progress note."""
    text: str
    by: str = ""                    # a person or a unit, by name
    at: datetime | None = None
    percent: int | None = None
    state: str | None = None        # locale key of a verdict said with it ("done", "not done")


@dataclass(frozen=True)
class Fact:
    """One line of the step's context: its label (a locale key) and one kind of value."""
    label: str
    text: str = ""                  # as typed, line breaks kept
    at: datetime | None = None      # shown in Vietnam time
    names: tuple[str, ...] = ()     # people or units
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True)
class TaskContext:
    document: IncomingDocument
    attachments: list[Attachment]
    overdue: bool
    facts: list[Fact]


class Reading:
    """The sources of one task's context, each loaded only when a step asks for it."""

    def __init__(self, session: Session, runtime: WorkflowRuntime, who: Identity, task: HumanTask,
                 document: IncomingDocument) -> None:
        self.session, self.runtime, self.who, self.task, self.document = session, runtime, who, task, document

    @cached_property
    def data(self) -> dict[str, Any]:
        instance = self.runtime.instance(self.session, self.task.instance_id, self.who.agency_code)
        return self.runtime.data(self.session, instance)

    @cached_property
    def history(self) -> list[HistoryEntry]:
        return self.runtime.history(self.session, self.task.instance_id)

    @cached_property
    def roles(self) -> Mapping[str, str]:
        """The roles of the elements of the instance's own diagram version, by element id."""
        marked = self.runtime.element_roles(self.session, self.task.instance_id, self.who.agency_code)
        return contract.roles_by_element(marked)

    def role(self, entry: HistoryEntry | None) -> str | None:
        return self.roles.get(entry.spec_name) if entry is not None and entry.spec_name else None

    def last_completed(self, *roles: str) -> HistoryEntry | None:
        """The latest completion of a step of one of ``roles``, whichever of them it was."""
        return next((h for h in reversed(self.history) if h.action == COMPLETED and self.role(h) in roles), None)

    def person(self, user_id: Any) -> str:
        return self.people([user_id])[0] if user_id not in (None, "") else ""

    def people(self, user_ids: Iterable[Any]) -> tuple[str, ...]:
        ids = [i for i in user_ids if i not in (None, "")]
        known = queries.names_of(self.session, self.who, ids)
        return tuple(known.get(str(i), "") for i in ids if str(i) in known)

    @cached_property
    def unit_names(self) -> dict[str, str]:
        """The agency's units (a handful), by id as text: the process data keeps numbers, tasks text."""
        return {str(u.id): u.name for u in people.units_of(self.session, self.who)}

    def units(self, unit_ids: Iterable[Any]) -> tuple[str, ...]:
        return tuple(self.unit_names[str(i)] for i in unit_ids if str(i) in self.unit_names)

    def said(self, entry: HistoryEntry | None, key: str, **extra: Any) -> Note | None:
        """What the completion ``entry`` typed in its field ``key``, with who and when."""
        text = (entry.data or {}).get(key) if entry else None
        if not isinstance(text, str) or not text.strip():
            return None
        return Note(text=text, by=self.person(entry.actor), at=entry.at, **extra)


# --------------------------------------------------------------------------- facts each step is built of

def _noted(label: str, *notes: Note | None) -> list[Fact]:
    kept = tuple(n for n in notes if n is not None)
    return [Fact(label, notes=kept)] if kept else []


def _direction(r: Reading) -> list[Fact]:
    """The leader's direction, from the distribution that gave the document its handling."""
    return _noted("context.direction", r.said(r.last_completed(DISTRIBUTE), "direction"))


def _deadline(r: Reading) -> list[Fact]:
    try:
        deadline = datetime.fromisoformat(str(r.data.get("deadline")))
    except ValueError:
        return []
    return [Fact("context.deadline", at=deadline if deadline.tzinfo else deadline.replace(tzinfo=VN_TZ))]


def _lead(r: Reading) -> list[Fact]:
    named = r.units([r.data.get("lead_unit_id")]) + r.people([r.data.get("lead_user_id") or r.data.get("handler_user_id")])
    return [Fact("context.lead", names=named)] if named else []


def _recipients(r: Reading) -> list[Fact]:
    """The coordinators (units, then people) and those told for information, by name."""
    asked = contract.coordinators_of(r.data)
    facts = [Fact("context.coordinators", names=r.units(u for u, _ in asked if u is not None)
                  + r.people(p for _, p in asked if p is not None)),
             Fact("context.for_information", names=r.units(r.data.get("informed_units") or [])
                  + r.people(r.data.get("for_information") or []))]
    return [f for f in facts if f.names]


def _returned_by_leader(r: Reading) -> list[Fact]:
    distributed = r.last_completed(DISTRIBUTE)
    return (_noted("context.return_reason", r.said(distributed, "return_reason"))
            + _noted("context.direction", r.said(distributed, "direction")))


def _sent_back(r: Reading) -> list[Fact]:
    """Back at the distribution: the clerk's note when re-submitting, the unit head's when returning."""
    last = r.last_completed(DISTRIBUTE, RECHECK, UNIT_ASSIGN)
    if last is None or r.role(last) == DISTRIBUTE or (last.data or {}).get("unit_decision") == "assign":
        return []
    return _noted("context.sent_back", r.said(last, "recheck_note") or r.said(last, "unit_note"))


def _review_returned(r: Reading) -> list[Fact]:
    """The handling again: the unit head's comment on the result it did not approve."""
    last = r.last_completed(HANDLE, REVIEW)
    if last is None or r.role(last) != REVIEW or (last.data or {}).get("approved"):
        return []
    return _noted("context.review_comment", r.said(last, "comment"))


def _asked_of_coordinator(r: Reading) -> list[Fact]:
    named = r.units([r.task.candidate_unit]) + r.people([r.task.candidate_user])
    facts = [Fact("context.asked_of", names=named)] if named else []
    return facts + ([Fact("context.reply_by", at=r.task.due_at)] if r.task.due_at else [])


def _proposed_result(r: Reading) -> list[Fact]:
    handled = r.last_completed(HANDLE)
    done = (handled.data or {}).get("completed") if handled else None
    state = None if done is None else ("context.done" if done else "context.not_done")
    return _noted("context.result", r.said(handled, "result", state=state))


def _opinions(r: Reading) -> list[Fact]:
    """The opinions the coordination gathered, each with the unit or person it was asked of."""
    opinions, asked = r.data.get("opinions") or [], contract.coordinators_of(r.data)
    notes = [Note(text=str(o), by=next(iter(r.units([u]) if u is not None else r.people([p])), ""))
             for o, (u, p) in zip(opinions, asked) if o]
    return _noted("context.opinions", *notes)


def _latest_progress(r: Reading) -> list[Fact]:
    note = progress.latest_of(r.session, [r.document.id]).get(r.document.id)
    if note is None:
        return []
    return _noted("context.latest_progress",
                  Note(text=note.text, by=r.person(note.author_id), at=note.at, percent=note.percent))


Step = Callable[[Reading], list[Fact]]
STEPS: dict[str, tuple[Step, ...]] = {
    DISTRIBUTE: (_sent_back,),
    RECHECK: (_returned_by_leader,),
    UNIT_ASSIGN: (_direction, _deadline, _recipients),
    HANDLE: (_review_returned, _direction, _deadline, _lead, _recipients),
    COORDINATE: (_asked_of_coordinator, _direction, _lead, _deadline),
    REVIEW: (_proposed_result, _opinions, _latest_progress, _direction),
}


def of(session: Session, runtime: WorkflowRuntime, who: Identity, task: HumanTask) -> TaskContext | None:
    """The context of a task the caller may see (the route has checked), or None when the task
    is not about an incoming document of the caller's agency."""
    document_id = queries.handled_by(session, who, task.instance_id)
    if document_id is None:
        return None
    document = queries.by_ids(session, who, [document_id])[document_id]
    reading = Reading(session, runtime, who, task, document)
    return TaskContext(document=document, attachments=service.attachments(session, document),
                       overdue=queries.is_overdue(document),
                       facts=[fact for step in STEPS.get(task.role, ()) for fact in step(reading)])

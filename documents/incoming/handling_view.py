"""What an incoming document's handling looks like to one reader: its open steps by role, and which
of the handling's actions the reader may take. Every "may" asks documents.incoming.participants,
the module the services check with, so the document's page and the JSON API offer only what the
service would accept; the service still decides every request on its own."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from sqlalchemy.orm import Session

from engine.runtime import HumanTask

from ..accounts import Identity
from ..models import User
from . import contract, participants, people
from .contract import COORDINATE, DISTRIBUTE, HANDLE
from .models import IncomingDocument
from .reassignment import OPEN
from .view import DocumentView

Choice = tuple[int, str]


@dataclass(frozen=True)
class Handling:
    handle: HumanTask | None = None            # the open handling task, if any
    distribute: HumanTask | None = None
    coordination: list[HumanTask] = field(default_factory=list)
    may_record: bool = False                   # the handler or a coordinator: progress notes
    may_steer: bool = False                    # the handler, the head of the handling unit, leaders: links
    may_ask: bool = False                      # the handler, while no request of the document is open
    may_reply: bool = False                    # the handler: the reply draft
    may_reassign: bool = False                 # leaders; the head of the handling unit, inside the unit
    may_lead: bool = False                     # leaders: deadlines, the distribution, the coordinators
    decidable: frozenset[int] = frozenset()    # open requests the reader may grant or decline
    unlinkable: frozenset[int] = frozenset()   # related documents whose link the reader may remove
    # The choices of the forms, as (id, label): a new lead, a leader, anyone (a coordinator), a unit.
    leads: list[Choice] = field(default_factory=list)
    leaders: list[Choice] = field(default_factory=list)
    everyone: list[Choice] = field(default_factory=list)
    units: list[Choice] = field(default_factory=list)

    def unit_name(self, unit_id: str | int | None) -> str:
        return next((name for key, name in self.units if str(key) == str(unit_id)), "")

    @staticmethod
    def step(task: HumanTask) -> str:
        return step_of(task)

    @property
    def active(self) -> bool:
        return self.handle is not None or self.distribute is not None or bool(self.coordination)


def of(session: Session, who: Identity, document: IncomingDocument, shown: DocumentView) -> Handling:
    if document.process_instance_id is None:
        return Handling()
    tasks = {role: [t for t in shown.open_tasks if t.role == role]
             for role in (HANDLE, DISTRIBUTE, COORDINATE)}
    handle = next(iter(tasks[HANDLE]), None)
    handler = participants.task_of(session, who, document, HANDLE) is not None
    leader = participants.is_leader(who)
    head = handle is not None and participants.heads(who, participants.handling_unit(session, handle))
    steer = participants.may_steer(session, who, document)
    units = {u.id: u.name for u in people.units_of(session, who)}
    # Anyone of the agency: a leader's choice of a new lead or coordinator, while there is one to change.
    everyone = choices(people.staff_of(session, who), units) if leader and (handle or tasks[COORDINATE]) else []
    if leader or not head:
        leads = everyone
    else:  # the head of the handling unit re-assigns inside the unit
        leads = choices(people.staff_of(session, who, unit_id=who.unit_id), units)
    return Handling(
        handle=handle, distribute=next(iter(tasks[DISTRIBUTE]), None), coordination=tasks[COORDINATE],
        may_record=handler or participants.task_of(session, who, document, COORDINATE) is not None,
        may_steer=steer, may_ask=handler and not any(r.state == OPEN for r in shown.reassignment_requests),
        may_reply=handler, may_reassign=handle is not None and (leader or head), may_lead=leader,
        decidable=frozenset(r.id for r in shown.reassignment_requests
                            if r.state == OPEN and (leader or participants.heads(who, r.unit_id))),
        unlinkable=frozenset(r.other.id for r in shown.related
                             if steer or participants.may_steer(session, who, r.other)),
        leads=leads,
        leaders=choices(people.staff_of(session, who, role="leader"), units) if leader and tasks[DISTRIBUTE] else [],
        everyone=everyone, units=list(units.items()))


def choices(persons: Iterable[User], units: dict[int, str] | None = None) -> list[Choice]:
    """People as the options of a select: the name, and the unit when known."""
    units = units or {}
    return [(p.id, f"{p.full_name} · {units[p.unit_id]}" if p.unit_id in units else p.full_name) for p in persons]


def step_of(task: HumanTask) -> str:
    """What a page calls an open task's step: its role's short name ("handle"), else its element id."""
    return contract.step(task.role) or task.spec_name


def actors(shown: DocumentView) -> Iterable[int | str | None]:
    """Everyone the handling sections name: authors, requesters, deciders, those the tasks wait for."""
    yield from (note.author_id for note in shown.progress)
    yield from (r.link.linked_by for r in shown.related)
    for request in shown.reassignment_requests:
        yield from (request.requested_by, request.resolved_by, request.new_handler_id)
    yield from (draft.author_id for draft in shown.reply_drafts)
    for task in shown.open_tasks:
        yield from (task.assignee, task.candidate_user)

"""What was decided about an incoming document and where the work is ("Thông tin xử lý"): who
leads it and handles it, the coordinators and their opinions, who was told for information, the
leader's direction and deadline, the handler's result and its approval, and the steps open now
with who holds them. Read from the process data and history (documents/incoming/reading.py),
never from a second copy of them; a reader who may not read the process data sees only its
status and where the work is."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from engine.runtime import HumanTask

from . import contract, deadlines
from .contract import COORDINATE, DISTRIBUTE, HANDLE, REVIEW
from .models import IncomingDocument
from .reading import Reading, listed, moment



@dataclass(frozen=True)
class Said:
    """Something a person wrote at a step: a direction, an opinion, a result, an approval note."""
    text: str
    by: str = ""
    at: datetime | None = None


@dataclass(frozen=True)
class Coordinator:
    unit: str                           # the unit asked ("" when a person was asked)
    person: str = ""                    # who gave the opinion, else who the open request waits for
    opinion: Said | None = None
    waiting: bool = False               # asked and not answered yet


@dataclass(frozen=True)
class Result:
    said: Said
    completed: bool | None              # the handler's "done" / "not done"


@dataclass(frozen=True)
class Approval:
    approved: bool
    said: Said                          # who approved or returned it, when, and the note ("" if none)


@dataclass(frozen=True)
class Holding:
    """An open step: what it is, who holds it (a person, else a unit or the lane), since when."""
    step: str
    title: str
    holder: str
    since: datetime
    due_at: datetime | None


@dataclass(frozen=True)
class Summary:
    status: str
    instance_id: int | None = None
    data_visible: bool = False
    lead_unit: str = ""
    handler: str = ""
    coordinators: list[Coordinator] = field(default_factory=list)
    for_information: list[str] = field(default_factory=list)
    direction: Said | None = None
    deadline: datetime | None = None
    deadline_state: str | None = None   # "overdue" or "due_soon"
    result: Result | None = None
    approval: Approval | None = None
    now: list[Holding] = field(default_factory=list)


def of(document: IncomingDocument, reading: Reading | None) -> Summary:
    """The summary of ``document`` for the reader of ``reading`` (None: no workflow to show)."""
    if reading is None:
        return Summary(status=document.status)
    data, tasks = reading.data, reading.view.tasks
    handle = next((t for t in tasks if t.role == HANDLE), None)
    handler = _handler(reading, handle)
    # The document's handling deadline, as the register and My tasks count it (deadlines.py).
    deadline = document.handling_deadline or (handle.due_at if handle is not None else None) or moment(data.get("deadline"))
    return Summary(
        status=document.status, instance_id=reading.instance_id, data_visible=reading.view.data_visible,
        lead_unit=reading.unit(data.get("lead_unit_id")) or reading.unit(reading.unit_of(handler)),
        handler=reading.person(handler), coordinators=_coordinators(reading),
        for_information=[n for n in [*map(reading.unit, listed(data.get("informed_units"))),
                                     *map(reading.person, listed(data.get("for_information")))] if n],
        direction=_direction(reading), deadline=deadline, deadline_state=deadlines.state(document),
        result=_result(reading), approval=_approval(reading), now=[_holding(reading, t) for t in tasks])


def _handler(reading: Reading, handle: HumanTask | None) -> str | None:
    """The person handling it: who holds the open handling, else whom the distribution named,
    else who last reported a result."""
    if handle is not None and (handle.assignee or handle.candidate_user):
        return handle.assignee or handle.candidate_user
    named = reading.data.get("handler_user_id") or reading.data.get("lead_user_id")
    if named:
        return str(named)
    handled = reading.last_completed(HANDLE)
    return handled.actor if handled is not None else None


def _said(reading: Reading, step, key: str) -> Said | None:
    text = (step.data or {}).get(key) if step is not None else None
    if not isinstance(text, str) or not text.strip():
        return None
    return Said(text=text, by=reading.person(step.actor), at=step.at)


def _direction(reading: Reading) -> Said | None:
    assigned = [s for s in reading.completed(DISTRIBUTE) if (s.data or {}).get("decision") != "return"]
    return _said(reading, assigned[-1], "direction") if assigned else None


def _coordinators(reading: Reading) -> list[Coordinator]:
    """Each coordinator asked — a unit, or a person by name — with the opinion it gave: the
    completion by the person asked or one of the unit's people, else the opinion the process data
    keeps at its place (someone else answered for it, after a re-assignment)."""
    asked, opinions = contract.coordinators_of(reading.data), listed(reading.data.get("opinions"))
    answers = reading.completed(COORDINATE)
    waiting = [t for t in reading.view.tasks if t.role == COORDINATE]
    shown = []
    for place, (unit_id, user_id) in enumerate(asked):
        kept = opinions[place] if place < len(opinions) else None
        answer = (next((a for a in answers if _answered_by(reading, a.actor, unit_id, user_id)), None)
                  or next((a for a in answers if kept and (a.data or {}).get("opinion") == kept), None))
        unit = reading.unit(unit_id)
        if answer is not None:
            answers.remove(answer)
            shown.append(Coordinator(unit=unit, person=reading.person(answer.actor),
                                     opinion=_said(reading, answer, "opinion")))
            continue
        task = next((t for t in waiting if _asks(t, unit_id, user_id)), None)
        if task is not None:
            waiting.remove(task)
        person = reading.person(task.assignee or task.candidate_user) if task is not None else reading.person(user_id)
        shown.append(Coordinator(unit=unit, person=person,
                                 opinion=Said(text=str(kept)) if kept else None, waiting=task is not None))
    return shown


def _answered_by(reading: Reading, actor: str | None, unit_id: int | None, user_id: int | None) -> bool:
    if user_id is not None:
        return actor == str(user_id)
    return unit_id is not None and reading.unit_of(actor) == unit_id


def _asks(task: HumanTask, unit_id: int | None, user_id: int | None) -> bool:
    """Whether the open coordination ``task`` is the one of this coordinator."""
    if user_id is not None:
        return task.candidate_user == str(user_id)
    return task.candidate_unit == str(unit_id) and not task.candidate_user


def _result(reading: Reading) -> Result | None:
    handled = reading.last_completed(HANDLE)
    said = _said(reading, handled, "result")
    if said is None:
        return None
    done = (handled.data or {}).get("completed")
    return Result(said=said, completed=done if isinstance(done, bool) else None)


def _approval(reading: Reading) -> Approval | None:
    """The review of the latest result; none while that result waits for its review."""
    last = reading.last_completed(HANDLE, REVIEW)
    if last is None or reading.role(last.spec_name) != REVIEW:
        return None
    approved = (last.data or {}).get("approved")
    if not isinstance(approved, bool):
        return None
    return Approval(approved=approved,
                    said=_said(reading, last, "comment") or Said(text="", by=reading.person(last.actor), at=last.at))


def _holding(reading: Reading, task: HumanTask) -> Holding:
    person = task.assignee or task.candidate_user
    holder = reading.person(person) if person else ""
    unit = reading.unit(task.candidate_unit)
    if unit and holder:
        holder = f"{holder} · {unit}"
    return Holding(step=contract.step(task.role) or task.spec_name, title=task.title,
                   holder=holder or unit or (task.lane or ""), since=task.created_at, due_at=task.due_at)

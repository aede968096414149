"""An incoming document's history in plain language, oldest first: each person's act on it
("phân phối cho Phòng Kinh tế chủ trì, hạn 10/12/2026", "cập nhật tiến độ 50 %") read from the
workflow history by the role of each step (documents/incoming/contract.py), with the handler's and
coordinators' progress notes woven in. The engine's own steps (gateways, script and service
tasks, messages, timers that only remind, incidents) are kept but marked ``technical``, for the
page to fold away. What people typed is shown only to a reader who may read the process data."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Mapping

from .. import processes
from ..notifications import urge
from .casework_models import ProgressNote
from .contract import COORDINATE, DISTRIBUTE, HANDLE, HANDLE_DEADLINE, RECHECK, REVIEW, UNIT_ASSIGN
from .reading import COMPLETED, Reading, listed, moment

# The engine's actions no person took and no reader needs to follow the handling.
TECHNICAL = frozenset({"step", "message", "timer", "timer_failed", "message_failed", "incident",
                       "incident_retried", "incident_skipped", "migrated", "rescheduled"})


@dataclass(frozen=True)
class Event:
    """One line of the history: ``what`` is a locale key's last part (``story.<what>``), whose
    text names ``who`` and the ``facts`` (people and units by name, a deadline, a percentage)."""
    at: datetime
    who: str                                  # a person by name; "" for the system
    what: str
    facts: Mapping[str, Any] = field(default_factory=dict)
    note: str = ""                            # what they typed: a reason, an opinion, a result
    step: str = ""                            # the step's title, for the generic lines
    technical: bool = False


def of(reading: Reading | None, notes: list[ProgressNote]) -> list[Event]:
    """The document's history for the reader of ``reading``, oldest first (None: no workflow)."""
    if reading is None:
        return []
    events = [_event(reading, step) for step in reading.steps]
    events += [Event(at=n.at, who=reading.person(n.author_id), what="progress", facts={"percent": n.percent},
                     note=n.text) for n in notes]
    events += _urges(reading)
    return sorted(events, key=lambda e: e.at)  # stable: the history's own order within one moment


def _urges(reading: Reading) -> list[Event]:
    """The leaders' đôn đốc on the handling, with whom each reached (documents/notifications/urge.py)."""
    return [Event(at=u.at, who=u.by, what="urged", facts={"person": ", ".join(u.reached)}, note=u.note)
            for u in urge.history(reading.session, instance_id=reading.instance_id)]


def _event(reading: Reading, step: processes.Step) -> Event:
    if step.action == COMPLETED:
        role = reading.role(step.spec_name)
        told = _COMPLETIONS.get(role) if step.data is not None else None
        if told is not None:
            what, facts, note = told(reading, step.data)
            return Event(at=step.at, who=reading.person(step.actor), what=what, facts=facts, note=note,
                         step=step.title or "")
    if step.action == "retargeted":
        return _retargeted(reading, step)
    if step.action == "timer" and reading.role(step.spec_name) == HANDLE_DEADLINE:
        return Event(at=step.at, who="", what="deadline_passed", step=step.title or "")
    reason = (step.data or {}).get("reason") if step.action == "cancelled" else None
    return Event(at=step.at, who=reading.person(step.actor), what=step.action, step=step.title or step.spec_name or "",
                 note=reason if isinstance(reason, str) else "", technical=step.action in TECHNICAL)


Told = tuple[str, Mapping[str, Any], str]


def _typed(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def _distributed(reading: Reading, data: Mapping[str, Any]) -> Told:
    if data.get("decision") == "return":
        return "returned_to_clerk", {}, _typed(data, "return_reason")
    lead = reading.unit(data.get("lead_unit_id")) or reading.person(data.get("lead_user_id"))
    person = reading.person(data.get("lead_user_id")) if reading.unit(data.get("lead_unit_id")) else ""
    coordinators = [n for n in [*map(reading.unit, listed(data.get("coordinators"))),
                                *map(reading.person, listed(data.get("coordinator_people")))] if n]
    informed = [n for n in [*map(reading.unit, listed(data.get("informed_units"))),
                            *map(reading.person, listed(data.get("for_information")))] if n]
    return "distributed", {"lead": lead, "person": person, "deadline": moment(data.get("deadline")),
                           "coordinators": coordinators, "informed": informed}, _typed(data, "direction")


def _rechecked(reading: Reading, data: Mapping[str, Any]) -> Told:
    if data.get("recheck_decision") == "close":
        return "closed", {}, _typed(data, "close_reason")
    return "resubmitted", {}, _typed(data, "recheck_note")


def _unit_assigned(reading: Reading, data: Mapping[str, Any]) -> Told:
    if data.get("unit_decision") == "return":
        return "unit_returned", {}, _typed(data, "unit_note")
    return "unit_assigned", {"person": reading.person(data.get("handler_user_id"))}, _typed(data, "unit_note")


def _coordinated(reading: Reading, data: Mapping[str, Any]) -> Told:
    return "opinion", {}, _typed(data, "opinion")


def _handled(reading: Reading, data: Mapping[str, Any]) -> Told:
    done = data.get("completed")
    return "result", {"done": done if isinstance(done, bool) else None}, _typed(data, "result")


def _reviewed(reading: Reading, data: Mapping[str, Any]) -> Told:
    return ("approved" if data.get("approved") is True else "sent_back"), {}, _typed(data, "comment")


_COMPLETIONS: dict[str | None, Callable[[Reading, Mapping[str, Any]], Told]] = {
    DISTRIBUTE: _distributed, RECHECK: _rechecked, UNIT_ASSIGN: _unit_assigned, COORDINATE: _coordinated,
    HANDLE: _handled, REVIEW: _reviewed,
}


def _retargeted(reading: Reading, step: processes.Step) -> Event:
    """A leader's or unit head's change of an open step: a new holder, else a new deadline."""
    data = step.data or {}
    changed = data.get("data") or {}
    holder = reading.person(data.get("candidate_user")) or reading.unit(data.get("candidate_unit"))
    deadline = moment(changed.get("deadline")) if changed.get("deadline") else moment(data.get("due_at"))
    what = "extended" if deadline is not None and set(changed) <= {"deadline"} else "reassigned"
    return Event(at=step.at, who=reading.person(step.actor), what=what, step=step.title or "",
                 facts={"holder": holder, "deadline": deadline}, note=_typed(data, "reason"))

"""The contract of the `incoming` process: what the domain relies on in any agency's diagram for
it, checked when the diagram is deployed (documents/contracts.py). The domain finds every step by
the role marked on it (``<spiffworkflow:property name="domainRole" value="incoming.handle"/>``),
never by element id, so an agency may rename and restructure its diagram freely within this.
The README's "Diagram contract" section is the same table for process admins."""
from __future__ import annotations

from typing import Any, Mapping

from ..contracts import BOUNDARY_TIMER, Contract, MessageRule, RoleRule
from .models import Status

PROCESS = "incoming"
DISTRIBUTE, RECHECK, UNIT_ASSIGN = "incoming.distribute", "incoming.recheck", "incoming.unit_assign"
HANDLE, COORDINATE, REVIEW = "incoming.handle", "incoming.coordinate", "incoming.review"
HANDLE_DEADLINE = "incoming.handle_deadline"
# The handling's other deadline timers: a reminder before it, the leaders' escalation after it.
# They move with the deadline when a leader extends it (documents/incoming/handling.py).
HANDLE_REMINDER, HANDLE_ESCALATION = "incoming.handle_reminder", "incoming.handle_escalation"
STATUS_MESSAGE = "incoming.status"
DISTRIBUTE_FORM = "incoming_distribute"
# The coordination runs over one list of coordinators, units and people alike: {"unit": id} or
# {"user": id}, the units first (in the order the leader ticked them), then the people. The
# distribution writes it from its two fields; the opinions fill ``opinions`` in the same order.
COORDINATION = "coordination"
# The statuses the diagram tells the sender as the handling moves; without them a document stays
# at 03. 05 is not among them: the domain reports it when the handler actually starts (takes the
# handling, records progress or completes it: documents/incoming/assignment.py), whatever the diagram.
THROWN_STATUSES = (Status.ASSIGNED, Status.COMPLETED)

CONTRACT = Contract(PROCESS, roles=(
    RoleRule(DISTRIBUTE, "the leader's distribution", form=DISTRIBUTE_FORM),
    RoleRule(HANDLE, "the handling of the document", form="incoming_handle"),
    RoleRule(HANDLE_DEADLINE, "the handling's overdue timer", kinds=BOUNDARY_TIMER, required=False, timer_on=HANDLE),
    RoleRule(HANDLE_REMINDER, "the handling's reminder before its deadline", kinds=BOUNDARY_TIMER, required=False,
             timer_on=HANDLE),
    RoleRule(HANDLE_ESCALATION, "the handling's escalation to the leaders after its deadline", kinds=BOUNDARY_TIMER,
             required=False, timer_on=HANDLE),
    RoleRule(RECHECK, "the clerk's re-check of a returned document", required=False, form="incoming_recheck"),
    RoleRule(UNIT_ASSIGN, "the unit head's assignment", required=False, form="incoming_assign"),
    RoleRule(COORDINATE, "the coordinators' opinions", required=False, form="incoming_coordinate",
             loop=(COORDINATION, "opinions")),
    RoleRule(REVIEW, "the review of the result", required=False, form="incoming_review"),
), messages=(MessageRule(STATUS_MESSAGE, "status", THROWN_STATUSES),))

# Diagram versions deployed before roles were marked carry none: their instances still run the
# default diagram's element ids (migration 0011 gave their open tasks these roles).
LEGACY_ROLES = {"distribute": DISTRIBUTE, "recheck": RECHECK, "unit_assign": UNIT_ASSIGN, "handle": HANDLE,
           "coordinate": COORDINATE, "review": REVIEW, "handle_overdue": HANDLE_DEADLINE}


def unmarked_roles(key: str) -> Mapping[str, str]:
    """The engine's hook for versions deployed before roles were marked (documents/wiring.py)."""
    return LEGACY_ROLES if key == PROCESS else {}


def check(diagram) -> list[str]:
    """The engine's deploy hook for the `incoming` key (documents/wiring.py)."""
    return CONTRACT.missing(diagram)


def roles_by_element(marked: Mapping[str, str]) -> Mapping[str, str]:
    """Element id → role of an instance's diagram (engine ``element_roles``), legacy ones included."""
    return marked or LEGACY_ROLES



def completed_form(form_key: str, data: dict[str, Any]) -> dict[str, Any]:
    """What a completed form gives the process besides its fields: the distribution adds
    ``coordination`` (documents/wiring.py calls it after validating the form)."""
    if form_key != DISTRIBUTE_FORM:
        return data
    return {**data, COORDINATION: coordination(data)}


def coordination(data: Mapping[str, Any]) -> list[dict[str, int]]:
    """The coordinators the distribution names, each once: its units, then its people."""
    return ([{"unit": u} for u in _ids(data.get("coordinators"))]
            + [{"user": p} for p in _ids(data.get("coordinator_people"))])


def coordinator_of(item: Any) -> tuple[int | None, int | None]:
    """(unit, person) of one entry of ``coordination`` — or of ``coordinators`` of a diagram
    version before people could coordinate, where each entry is a unit id."""
    if isinstance(item, Mapping):
        unit, user = item.get("unit"), item.get("user")
        return (unit if _is_id(unit) else None), (user if _is_id(user) else None)
    return (item if _is_id(item) else None), None


def coordinators_of(data: Mapping[str, Any]) -> list[tuple[int | None, int | None]]:
    """The (unit, person) of each coordinator of the process data, in the order of ``opinions``."""
    listed = data.get(COORDINATION)
    if not isinstance(listed, list):
        listed = data.get("coordinators")  # an instance of a version from before people coordinated
    return [coordinator_of(item) for item in listed] if isinstance(listed, list) else []


def _ids(values: Any) -> list[int]:
    return list(dict.fromkeys(v for v in values if _is_id(v))) if isinstance(values, list) else []


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def step(role: str | None) -> str | None:
    """A role's short name ("handle"): what progress notes keep and the pages translate."""
    return role.removeprefix(PROCESS + ".") if role else None

"""Incidents of an agency's workflows, for its process admins: work that failed every attempt (a
timer, a message) and waits for a person. Each can be retried once its cause is fixed, skipped
(the firing or the delivery is given up), or answered by cancelling the instance — never an
instance the domain started for a document (see documents/permissions.py). Every decision is
audited; of two admins deciding the same incident, the second gets 409."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from engine.runtime import Incident, WorkflowRuntime

from . import audit
from .accounts import Identity
from .errors import NotAllowed
from .permissions import Permission, allows
from .processes import refuse_domain_started

State = Literal["open", "resolved", "all"]
STATES: tuple[State, ...] = ("open", "resolved", "all")


@dataclass(frozen=True)
class IncidentView:
    incident: Incident
    process: str | None   # the diagram's name
    version: int | None   # the version the instance runs
    business_key: str | None
    process_key: str | None  # to name the diagram and its steps in the page's language


def listed(session: Session, runtime: WorkflowRuntime, who: Identity, state: State = "open") -> list[IncidentView]:
    _check(who)
    found = runtime.incidents(session, who.agency_code, open_only=state == "open")
    if state == "resolved":
        found = [i for i in found if i.resolved_at is not None]
    return _views(session, runtime, found)


def retry(session: Session, runtime: WorkflowRuntime, who: Identity, incident_id: int) -> IncidentView:
    _check(who)
    incident = runtime.retry_incident(session, incident_id, who.agency_code, str(who.user_id))
    _audit(session, who, "incident.retried", incident)
    return _views(session, runtime, [incident])[0]


def skip(session: Session, runtime: WorkflowRuntime, who: Identity, incident_id: int) -> IncidentView:
    _check(who)
    incident = runtime.skip_incident(session, incident_id, who.agency_code, str(who.user_id))
    _audit(session, who, "incident.skipped", incident)
    return _views(session, runtime, [incident])[0]


def cancel(session: Session, runtime: WorkflowRuntime, who: Identity, incident_id: int, reason: str) -> IncidentView:
    _check(who)
    found = runtime.incident(session, incident_id, who.agency_code)
    if found.instance_id is not None:
        refuse_domain_started(session, runtime, who, found.instance_id)
    incident = runtime.cancel_incident(session, incident_id, who.agency_code, str(who.user_id), reason)
    _audit(session, who, "incident.cancelled", incident, reason=reason)
    return _views(session, runtime, [incident])[0]


def _check(who: Identity) -> None:
    if not allows(who, Permission.MANAGE_INCIDENTS):
        raise NotAllowed("only a process admin of the agency handles incidents")


def _views(session: Session, runtime: WorkflowRuntime, found: list[Incident]) -> list[IncidentView]:
    """Each incident with the process and version its instance runs, and the instance's key."""
    about = runtime.describe(session, {i.instance_id for i in found if i.instance_id is not None})
    return [IncidentView(i, *about.get(i.instance_id, (None, None, None, None))) for i in found]


def _audit(session: Session, who: Identity, action: str, incident: Incident, **after) -> None:
    audit.record(session, action, actor_id=who.user_id, agency_code=who.agency_code, object_type="incident",
                 object_id=incident.id, after={"instance": incident.instance_id, "job": incident.job, **after})

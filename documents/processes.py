"""Process services: who may deploy, start, see and act on workflows of an agency. Every
function checks the caller's agency and roles, records an audit event, and only flushes."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine.models import DEFAULT_SCOPE, HistoryEntry, HumanTask, ProcessDefinition, ProcessInstance
from engine.runtime import WorkflowRuntime

from . import audit
from .accounts import Identity
from .errors import NotAllowed

DIAGRAM_ADMINS = ("process_admin",)
OVERSEERS = ("leader", "process_admin")


def deploy(session: Session, runtime: WorkflowRuntime, who: Identity, xml: bytes) -> ProcessDefinition:
    if not who.has_any(*DIAGRAM_ADMINS):
        raise NotAllowed("only a process admin of the agency may deploy diagrams")
    definition = runtime.deploy(session, who.agency_code, xml, actor=str(who.user_id))
    audit.record(session, "process.deployed", actor_id=who.user_id, agency_code=who.agency_code,
                 object_type="process_definition", object_id=definition.id,
                 after={"key": definition.key, "version": definition.version, "sha256": definition.sha256})
    return definition


def definitions(session: Session, runtime: WorkflowRuntime, who: Identity) -> list[ProcessDefinition]:
    return runtime.definitions(session, who.agency_code)


def definition(session: Session, runtime: WorkflowRuntime, who: Identity, definition_id: int) -> ProcessDefinition:
    found = runtime.definition(session, definition_id, who.agency_code)
    audit.record(session, "process.downloaded", actor_id=who.user_id, agency_code=who.agency_code,
                 object_type="process_definition", object_id=definition_id)
    return found


def start(session: Session, runtime: WorkflowRuntime, who: Identity, key: str, data: dict[str, Any],
          business_key: str | None = None) -> ProcessInstance:
    # The lane of the start event says who starts the process (the clerk registers incoming mail).
    starters = runtime.start_roles(session, who.agency_code, key) or frozenset({"process_admin"})
    if not who.has_any(*starters):
        raise NotAllowed(f"your roles may not start process '{key}'")
    instance = runtime.start(session, who.agency_code, key, str(who.user_id), data, business_key)
    audit.record(session, "process.started", actor_id=who.user_id, agency_code=who.agency_code,
                 object_type="process_instance", object_id=instance.id, after={"key": key})
    return instance


def instance(session: Session, runtime: WorkflowRuntime, who: Identity, instance_id: int) -> ProcessInstance:
    found = runtime.instance(session, instance_id, who.agency_code)
    if not (who.has_any(*OVERSEERS) or _participates(session, who, found)):
        raise NotAllowed(f"process instance {instance_id} is not yours to see")
    audit.record(session, "process.viewed", actor_id=who.user_id, agency_code=who.agency_code,
                 object_type="process_instance", object_id=instance_id)
    return found


def _participates(session: Session, who: Identity, found: ProcessInstance) -> bool:
    me = str(who.user_id)
    if found.started_by == me:
        return True
    acted = session.scalar(sa.select(HistoryEntry.id).where(HistoryEntry.instance_id == found.id,
                                                            HistoryEntry.actor == me).limit(1))
    if acted:
        return True
    principal = who.principal
    tasks = session.scalars(sa.select(HumanTask).where(HumanTask.instance_id == found.id,
                                                       HumanTask.status == "ready"))
    return any(WorkflowRuntime.may_act(task, principal) for task in tasks)


def cancel(session: Session, runtime: WorkflowRuntime, who: Identity, instance_id: int, reason: str) -> ProcessInstance:
    if not who.has_any(*OVERSEERS):
        raise NotAllowed("only a leader or a process admin may cancel a process")
    cancelled = runtime.cancel(session, instance_id, who.principal, reason)
    audit.record(session, "process.cancelled", actor_id=who.user_id, agency_code=who.agency_code,
                 object_type="process_instance", object_id=instance_id, after={"reason": reason})
    return cancelled


def my_tasks(session: Session, runtime: WorkflowRuntime, who: Identity) -> list[HumanTask]:
    return runtime.ready_tasks(session, who.principal)


def claim(session: Session, runtime: WorkflowRuntime, who: Identity, task_id: int) -> HumanTask:
    task = runtime.claim(session, task_id, who.principal)
    audit.record(session, "task.claimed", actor_id=who.user_id, agency_code=who.agency_code,
                 object_type="human_task", object_id=task_id)
    return task


def unclaim(session: Session, runtime: WorkflowRuntime, who: Identity, task_id: int) -> HumanTask:
    task = runtime.unclaim(session, task_id, who.principal)
    audit.record(session, "task.unclaimed", actor_id=who.user_id, agency_code=who.agency_code,
                 object_type="human_task", object_id=task_id)
    return task


def complete(session: Session, runtime: WorkflowRuntime, who: Identity, task_id: int,
             data: dict[str, Any]) -> ProcessInstance:
    result = runtime.complete(session, task_id, who.principal, data)
    audit.record(session, "task.completed", actor_id=who.user_id, agency_code=who.agency_code,
                 object_type="human_task", object_id=task_id, after=_summary(data))
    return result


def _summary(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if isinstance(value, (str, int, float, bool, type(None)))}


def is_default(definition: ProcessDefinition) -> bool:
    return definition.scope == DEFAULT_SCOPE

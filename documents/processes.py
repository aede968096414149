"""Process services: who may deploy, start, see and act on workflows of an agency. Every
function checks the caller's agency and permissions (documents/permissions.py), records an
audit event, and only flushes."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from engine.runtime import (HistoryEntry, HumanTask, InstanceRow, ProcessDefinition, ProcessInstance, Progress,
                            WorkflowRuntime)

from . import audit
from .accounts import Identity
from .errors import Conflict, InvalidData, NotAllowed
from .incoming.service import WORKFLOW as INCOMING_WORKFLOW
from .models import Role
from .permissions import Permission, allows
# Workflows the domain starts itself, and how: started here they would run with none of the
# records their steps stand for (an incoming document that never entered the register).
DOMAIN_STARTED = {INCOMING_WORKFLOW: "vào sổ văn bản đến (POST /api/incoming)"}


def deploy(session: Session, runtime: WorkflowRuntime, who: Identity, xml: bytes) -> ProcessDefinition:
    if not allows(who, Permission.DEPLOY_DIAGRAM):
        raise NotAllowed("only a process admin of the agency may deploy diagrams")
    definition = runtime.deploy(session, who.agency_code, xml, actor=str(who.user_id))
    _audit(session, who, "process.deployed", "process_definition", definition.id,
           after={"key": definition.key, "version": definition.version, "sha256": definition.sha256})
    return definition


def definitions(session: Session, runtime: WorkflowRuntime, who: Identity) -> list[ProcessDefinition]:
    return runtime.definitions(session, who.agency_code)


def definition(session: Session, runtime: WorkflowRuntime, who: Identity, definition_id: int) -> ProcessDefinition:
    found = runtime.definition(session, definition_id, who.agency_code)
    _audit(session, who, "process.downloaded", "process_definition", definition_id)
    return found


def start(session: Session, runtime: WorkflowRuntime, who: Identity, key: str, data: dict[str, Any],
          business_key: str | None = None) -> ProcessInstance:
    """Start a diagram of the agency by hand (a process admin's own diagrams); a workflow the
    domain starts itself is refused whoever asks, naming its own route."""
    if key in DOMAIN_STARTED:
        message = f"Quy trình «{key}» chỉ bắt đầu khi {DOMAIN_STARTED[key]}."
        raise InvalidData(message, errors={"key": message})
    # The lane of the start event says who starts the process.
    starters = runtime.start_roles(session, who.agency_code, key) or frozenset({Role.PROCESS_ADMIN})
    if not who.has_any(*starters):
        raise NotAllowed(f"your roles may not start process '{key}'")
    instance = runtime.start(session, who.agency_code, key, str(who.user_id), data, business_key)
    _audit(session, who, "process.started", "process_instance", instance.id, after={"key": key})
    return instance


@dataclass(frozen=True)
class Step:
    """One line of an instance's history as a reader is shown it."""

    at: Any
    actor: str
    action: str
    spec_name: str | None
    title: str | None
    data: Any


@dataclass(frozen=True)
class InstanceView:
    """What ``who`` may see of an instance: where it stands, and its data only when allowed."""

    instance: ProcessInstance
    tasks: list[HumanTask]
    history: list[HistoryEntry]
    data_visible: bool
    participant: bool = False  # started it, acted in it, or may act on one of its steps

    def steps(self) -> list[Step]:
        """The history, without what people wrote in it unless the reader may read the data."""
        return [Step(h.at, h.actor, h.action, h.spec_name, h.title, h.data if self.data_visible else None)
                for h in self.history]


def instance(session: Session, runtime: WorkflowRuntime, who: Identity, instance_id: int) -> InstanceView:
    found = runtime.instance(session, instance_id, who.agency_code)
    participant = _participates(session, runtime, who, found)
    if not (participant or allows(who, Permission.VIEW_ANY_INSTANCE)):
        raise NotAllowed(f"process instance {instance_id} is not yours to see")
    data_visible = participant or allows(who, Permission.READ_ANY_INSTANCE_DATA)
    _audit(session, who, "process.viewed", "process_instance", instance_id, after={"data": data_visible})
    return InstanceView(found, runtime.open_tasks(session, found.id), runtime.history(session, found.id), data_visible,
                        participant)


@dataclass(frozen=True)
class InstanceDiagram:
    """An instance on its diagram: the view, the version it runs, and each element's state."""

    view: InstanceView
    definition: ProcessDefinition
    progress: Progress
    may_cancel: bool  # the reader may cancel it here (a leader; never a document's workflow)


def diagram(session: Session, runtime: WorkflowRuntime, who: Identity, instance_id: int) -> InstanceDiagram:
    """What the instance page shows, for whoever may see the instance (``instance`` decides and audits)."""
    view = instance(session, runtime, who, instance_id)
    definition = runtime.definition(session, view.instance.definition_id, who.agency_code)
    may_cancel = (allows(who, Permission.CANCEL_INSTANCE) and view.instance.status == "running"
                  and definition.key not in DOMAIN_STARTED)
    return InstanceDiagram(view, definition, runtime.progress(session, view.instance), may_cancel)


STATUSES = ("running", "completed", "cancelled")


def listed(session: Session, runtime: WorkflowRuntime, who: Identity, *, key: str | None = None,
           definition_id: int | None = None, status: str | None = None, limit: int = 50,
           offset: int = 0) -> tuple[list[InstanceRow], int]:
    """A page of the agency's instances (and how many match) for those who may see any of them."""
    if not allows(who, Permission.VIEW_ANY_INSTANCE):
        raise NotAllowed("only the agency's leaders and process admins see all its processes")
    if definition_id is not None:
        runtime.definition(session, definition_id, who.agency_code)  # another agency's version: 404
    if status is not None and status not in STATUSES:
        raise InvalidData(f"unknown status '{status}'", errors={"status": f"unknown status '{status}'"})
    found = runtime.listed(session, who.agency_code, key=key, definition_id=definition_id, status=status,
                           limit=limit, offset=offset)
    _audit(session, who, "process.listed", "process_instance", None,
           after={"key": key, "definition": definition_id, "status": status, "offset": offset})
    return found


def _participates(session: Session, runtime: WorkflowRuntime, who: Identity, found: ProcessInstance) -> bool:
    return runtime.participates(session, found, who.principal)


def cancel(session: Session, runtime: WorkflowRuntime, who: Identity, instance_id: int, reason: str) -> InstanceView:
    if not allows(who, Permission.CANCEL_INSTANCE):
        raise NotAllowed("only a leader of the agency may cancel a process")
    refuse_domain_started(session, runtime, who, instance_id)
    runtime.cancel(session, instance_id, who.agency_code, str(who.user_id), reason)
    _audit(session, who, "process.cancelled", "process_instance", instance_id, after={"reason": reason})
    return instance(session, runtime, who, instance_id)


def refuse_domain_started(session: Session, runtime: WorkflowRuntime, who: Identity, instance_id: int) -> None:
    """A workflow the domain started for a document ends with the document, never by a bare cancel."""
    found = runtime.instance(session, instance_id, who.agency_code)
    key = runtime.definition(session, found.definition_id, who.agency_code).key
    if key in DOMAIN_STARTED:
        raise Conflict(f"Quy trình «{key}» gắn với một văn bản: không huỷ riêng quy trình; "
                       "hãy xử lý văn bản (đóng, thu hồi) để kết thúc nó.")


def my_tasks(session: Session, runtime: WorkflowRuntime, who: Identity, *, limit: int = 50,
             offset: int = 0) -> list[HumanTask]:
    """A page of ``who``'s queue (most urgent first, then the earliest due)."""
    return runtime.ready_tasks(session, who.principal, limit=limit, offset=offset)


def task(session: Session, runtime: WorkflowRuntime, who: Identity, task_id: int) -> HumanTask:
    """A task of ``who``'s queue, its viewing audited like every view of workflow data."""
    found = runtime.task(session, task_id, who.principal)
    _audit(session, who, "task.viewed", "human_task", task_id)
    return found


def claim(session: Session, runtime: WorkflowRuntime, who: Identity, task_id: int) -> HumanTask:
    task = runtime.claim(session, task_id, who.principal)
    _audit(session, who, "task.claimed", "human_task", task_id)
    return task


def unclaim(session: Session, runtime: WorkflowRuntime, who: Identity, task_id: int) -> HumanTask:
    task = runtime.unclaim(session, task_id, who.principal)
    _audit(session, who, "task.unclaimed", "human_task", task_id)
    return task


def complete(session: Session, runtime: WorkflowRuntime, who: Identity, task_id: int,
             data: dict[str, Any]) -> InstanceView:
    """Complete a task; the answer shows where the instance stands now (its open tasks)."""
    result = runtime.complete(session, task_id, who.principal, data)
    _audit(session, who, "task.completed", "human_task", task_id, after=_summary(data))
    return InstanceView(result, runtime.open_tasks(session, result.id), [], data_visible=True)


def _audit(session: Session, who: Identity, action: str, object_type: str, object_id: Any,
           after: dict[str, Any] | None = None) -> None:
    audit.record(session, action, actor_id=who.user_id, agency_code=who.agency_code,
                 object_type=object_type, object_id=object_id, after=after)


def _summary(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if isinstance(value, (str, int, float, bool, type(None)))}


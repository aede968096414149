"""Process instances: start, look up, read, cancel, and the changes a leader makes while one
runs (move a deadline)."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition
from SpiffWorkflow.util.task import TaskState

from . import clock as clocks
from . import step as steps
from .errors import Conflict, NotFound
from .execution import Execution, in_step
from .hooks import Principal
from .models import HistoryEntry, HumanTask, Incident, InstanceStatus, ProcessDefinition, ProcessInstance, TaskStatus
from .parsing import load_xml
from .projection import NOTHING, all_workflows, element_name, waiting_timers

# What a task's state says of its element on the diagram (the others were never reached, or
# only predicted: LIKELY, MAYBE, FUTURE; or withdrawn: CANCELLED).
_ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
_REACHED = _ACTIVE | TaskState.COMPLETED
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


@dataclass(frozen=True)
class Progress:
    """Where an instance stands on its diagram, by BPMN element id: for a viewer to mark."""

    completed: frozenset[str]              # elements that ran (at least once)
    active: frozenset[str]                 # elements waiting now: a person's step, a timer, a join
    flows: frozenset[str]                  # sequence flows the instance went along
    incidents: tuple[tuple[str, str], ...]  # (element id, error) of its open incidents


@dataclass(frozen=True)
class InstanceRow:
    """One line of an agency's instance list (the Cockpit's)."""

    instance: ProcessInstance
    definition: ProcessDefinition
    current: tuple[tuple[str, str], ...]   # (element id, title) of its open human steps
    open_incidents: int


class Instances(Execution):
    """Starting and steering instances (a mixin of WorkflowRuntime)."""

    @in_step
    def start(self, session: Session, scope: str, key: str, actor: str, data: Mapping[str, Any] | None = None,
              business_key: str | None = None) -> ProcessInstance:
        definition = self.definition_for(session, scope, key)
        diagram = self._diagram(definition)
        steps.enter_scope(scope)
        workflow = BpmnWorkflow(diagram.spec, diagram.subprocess_specs, script_engine=self.script_engine)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.set_data(**dict(data or {}))
        now = clocks.now()
        instance = ProcessInstance(
            definition_id=definition.id, scope=scope, business_key=business_key, status=InstanceStatus.RUNNING, state="",
            started_by=actor, started_at=now, updated_at=now,
        )
        session.add(instance)
        session.flush()
        steps.enter_scope(scope, instance.id)
        self._record(session, instance, actor, "started", None, definition.name, {"version": definition.version})
        self._advance(session, instance, workflow)
        self._save(session, instance, workflow, actor, before=NOTHING)
        return instance

    def instance(self, session: Session, instance_id: int, scope: str) -> ProcessInstance:
        instance = session.get(ProcessInstance, instance_id)
        if instance is None or instance.scope != scope:
            raise NotFound(f"process instance {instance_id} not found")
        return instance

    def participates(self, session: Session, instance: ProcessInstance, principal: Principal) -> bool:
        """Whether ``principal`` started the instance, acted in it, or may act on one of its open tasks."""
        if instance.started_by == principal.user:
            return True
        acted = session.scalar(sa.select(HistoryEntry.id).where(HistoryEntry.instance_id == instance.id,
                                                                HistoryEntry.actor == principal.user).limit(1))
        return acted is not None or any(self.may_act(task, principal) for task in self.open_tasks(session, instance.id))

    def describe(self, session: Session, instance_ids: set[int]) -> dict[int, tuple[str, int, str | None, str]]:
        """Instance id -> (the diagram's name, the version it runs, its business key, the process key)."""
        if not instance_ids:
            return {}
        rows = session.execute(sa.select(ProcessInstance.id, ProcessDefinition.name, ProcessDefinition.version,
                                         ProcessInstance.business_key, ProcessDefinition.key)
                               .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
                               .where(ProcessInstance.id.in_(instance_ids)))
        return {row.id: (row.name, row.version, row.business_key, row.key) for row in rows}

    def progress(self, session: Session, instance: ProcessInstance) -> Progress:
        """Each element's state read from the instance's task tree; a flow is taken when a task
        of its target element was reached from a task of its source (SpiffWorkflow's task
        parents, hidden helper tasks such as a boundary event's split skipped)."""
        workflow = self._load(instance)
        completed, active, pairs = set(), set(), set()
        for wf in all_workflows(workflow):
            for task in wf.get_tasks(skip_subprocesses=True):
                element = task.task_spec.bpmn_id
                if element is None or not task.state & _REACHED:
                    continue
                (active if task.state & _ACTIVE else completed).add(element)
                source = _element_parent(task)
                if source is not None:
                    pairs.add((source, element))
        diagram = self._diagram_of(instance)
        flows = _flows(diagram.sha256, diagram.xml_utf8 or self._definition_xml(instance).encode("utf-8"))
        incidents = session.execute(sa.select(Incident.element, Incident.error)
                                    .where(Incident.instance_id == instance.id, Incident.resolved_at.is_(None))
                                    .order_by(Incident.id))
        return Progress(frozenset(completed - active), frozenset(active),
                        frozenset(flow for flow, pair in flows.items() if pair in pairs),
                        tuple((element or "", error) for element, error in incidents))

    def listed(self, session: Session, scope: str, *, key: str | None = None, definition_id: int | None = None,
               status: str | None = None, limit: int = 50, offset: int = 0) -> tuple[list[InstanceRow], int]:
        """A page of the scope's instances, newest first, with how many match in all."""
        where = [ProcessInstance.scope == scope]
        if key:
            where.append(ProcessDefinition.key == key)
        if definition_id:
            where.append(ProcessInstance.definition_id == definition_id)
        if status:
            where.append(ProcessInstance.status == status)
        joined = sa.select(ProcessInstance, ProcessDefinition).join(
            ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id).where(*where)
        total = session.scalar(sa.select(sa.func.count()).select_from(joined.subquery()))
        rows = session.execute(joined.order_by(ProcessInstance.id.desc()).limit(limit).offset(offset)).all()
        ids = [instance.id for instance, _ in rows]
        current: dict[int, list[tuple[str, str]]] = {}
        for instance_id, element, title in session.execute(
                sa.select(HumanTask.instance_id, HumanTask.spec_name, HumanTask.title)
                .where(HumanTask.instance_id.in_(ids), HumanTask.status == TaskStatus.READY).order_by(HumanTask.id)):
            current.setdefault(instance_id, []).append((element, title))
        incidents = dict(session.execute(
            sa.select(Incident.instance_id, sa.func.count(Incident.id))
            .where(Incident.instance_id.in_(ids), Incident.resolved_at.is_(None)).group_by(Incident.instance_id)).all())
        return [InstanceRow(instance, definition, tuple(current.get(instance.id, ())), incidents.get(instance.id, 0))
                for instance, definition in rows], total

    def history(self, session: Session, instance_id: int) -> list[HistoryEntry]:
        query = sa.select(HistoryEntry).where(HistoryEntry.instance_id == instance_id).order_by(HistoryEntry.id)
        return list(session.scalars(query))

    def data(self, session: Session, instance: ProcessInstance) -> dict[str, Any]:
        """The instance's current process data (the last completed task's view)."""
        workflow = self._load(instance)
        return dict(workflow.last_task.data if workflow.last_task else workflow.data)

    @in_step
    def cancel(self, session: Session, instance_id: int, scope: str, actor: str, reason: str) -> ProcessInstance:
        instance, workflow = self._running(session, instance_id, scope)
        workflow.cancel()
        instance.status = InstanceStatus.CANCELLED
        self._record(session, instance, actor, "cancelled", None, None, {"reason": reason})
        self._save(session, instance, workflow, actor)
        return instance

    @in_step
    def reschedule(self, session: Session, instance_id: int, scope: str, actor: str, element: str, at: datetime,
                   reason: str) -> None:
        """Move a waiting date or duration timer (a deadline) to ``at``; the reason is kept."""
        instance, workflow = self._running(session, instance_id, scope)
        timers = [t for t, _ in waiting_timers(workflow) if element_name(t) == element
                  and not isinstance(t.task_spec.event_definition, CycleTimerEventDefinition)]
        if not timers:
            raise Conflict(f"no '{element}' timer is waiting in process instance {instance_id}")
        for task in timers:
            task._set_internal_data(event_value=at.isoformat(), event_fired=False)
        self._record(session, instance, actor, "rescheduled", element, None, {"reason": reason, "at": at.isoformat()})
        self._save(session, instance, workflow, actor)

    def _running(self, session: Session, instance_id: int, scope: str) -> tuple[ProcessInstance, BpmnWorkflow]:
        instance = self.instance(session, instance_id, scope)
        if instance.status != InstanceStatus.RUNNING:
            raise Conflict(f"process instance {instance_id} is already {instance.status}")
        return instance, self._load(instance)


def _element_parent(task: Any) -> str | None:
    """The nearest ancestor task that stands for a BPMN element, if it ran."""
    parent = task.parent
    while parent is not None and parent.task_spec.bpmn_id is None:
        parent = parent.parent
    if parent is None or parent.state != TaskState.COMPLETED:
        return None
    return parent.task_spec.bpmn_id


@functools.lru_cache(maxsize=64)
def _flows(sha256: str, xml: bytes) -> dict[str, tuple[str, str]]:
    """Sequence flow id -> (source element, target element), from the diagram as deployed (a
    version never changes: read once per version, ``sha256`` naming it)."""
    root = load_xml(xml)
    return {flow.get("id"): (flow.get("sourceRef"), flow.get("targetRef"))
            for flow in root.iter(f"{{{BPMN_NS}}}sequenceFlow")}

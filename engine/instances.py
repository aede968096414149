"""Process instances: start, look up, read, cancel, and the changes a leader makes while one
runs (move a deadline)."""
from __future__ import annotations

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
from .models import HistoryEntry, InstanceStatus, ProcessDefinition, ProcessInstance
from .projection import NOTHING, element_name, waiting_timers


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

    def describe(self, session: Session, instance_ids: set[int]) -> dict[int, tuple[str, int, str | None]]:
        """Instance id -> (the diagram's name, the version it runs, its business key)."""
        if not instance_ids:
            return {}
        rows = session.execute(sa.select(ProcessInstance.id, ProcessDefinition.name, ProcessDefinition.version,
                                         ProcessInstance.business_key)
                               .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
                               .where(ProcessInstance.id.in_(instance_ids)))
        return {row.id: (row.name, row.version, row.business_key) for row in rows}

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

"""After every step, the parts of an instance that the outside world queries are projected into
tables: READY human tasks (queues), waiting timers (the sweeper's index) and waiting messages
(correlation). The instance state stays the record; these rows are rebuilt from it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState

from .models import HumanTask, MessageWait, ProcessInstance, Timer


@dataclass(frozen=True)
class TaskAssignment:
    """Who may act on a human task and how urgent it is, derived from its lane and properties."""

    candidate_role: str | None
    candidate_unit: str | None
    candidate_user: str | None
    due_at: datetime | None
    urgency: int


Assign = Callable[[Any], TaskAssignment]


def all_workflows(workflow: BpmnWorkflow) -> Iterable[Any]:
    yield workflow
    yield from workflow.subprocesses.values()


def ready_human_tasks(workflow: BpmnWorkflow) -> list[Any]:
    return [t for wf in all_workflows(workflow) for t in wf.get_tasks(state=TaskState.READY) if t.task_spec.manual]


def waiting_timers(workflow: BpmnWorkflow) -> list[tuple[Any, datetime]]:
    found = []
    for wf in all_workflows(workflow):
        for task in wf.get_tasks(state=TaskState.WAITING):
            definition = getattr(task.task_spec, "event_definition", None)
            if isinstance(definition, TimerEventDefinition):
                value = definition.details(task).value
                if isinstance(value, str):
                    found.append((task, TimerEventDefinition.get_datetime(value)))
    return found


def waiting_messages(workflow: BpmnWorkflow) -> set[str]:
    names = set()
    for wf in all_workflows(workflow):
        for task in wf.get_tasks(state=TaskState.WAITING):
            definition = getattr(task.task_spec, "event_definition", None)
            if isinstance(definition, MessageEventDefinition):
                names.add(definition.name)
    return names


def task_title(task: Any) -> str:
    return (task.task_spec.bpmn_name or task.task_spec.name)[:255]


def project(session: Session, instance: ProcessInstance, workflow: BpmnWorkflow, assign: Assign,
            now: datetime, *, fresh: bool = False) -> list[Any]:
    """Rewrite the projections of ``instance``; return the human tasks that became ready."""
    existing_tasks = {} if fresh else {
        row.task_id: row for row in session.scalars(
            sa.select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.status == "ready"))
    }
    ready = {str(t.id): t for t in ready_human_tasks(workflow)} if instance.status == "running" else {}
    for task_id, row in existing_tasks.items():
        if task_id not in ready:
            # Completed rows are kept (who did what, dashboards); the rest were withdrawn by the flow.
            row.status = "completed" if row.completed_by else "cancelled"
    new_tasks = []
    for task_id, task in ready.items():
        if task_id in existing_tasks:
            continue
        assignment = assign(task)
        session.add(HumanTask(
            instance_id=instance.id, scope=instance.scope, task_id=task_id, spec_name=task.task_spec.name,
            title=task_title(task), lane=task.task_spec.lane, form_key=properties(task).get("formKey"),
            candidate_role=assignment.candidate_role, candidate_unit=assignment.candidate_unit,
            candidate_user=assignment.candidate_user, assignee=None, created_at=now,
            due_at=assignment.due_at, urgency=assignment.urgency, status="ready",
        ))
        new_tasks.append(task)

    _replace_timers(session, instance, workflow, fresh)
    _replace_message_waits(session, instance, workflow, fresh)
    return new_tasks


def _replace_timers(session: Session, instance: ProcessInstance, workflow: BpmnWorkflow, fresh: bool) -> None:
    wanted = {(str(t.id), at): t for t, at in waiting_timers(workflow)} if instance.status == "running" else {}
    if not fresh:
        for row in session.scalars(sa.select(Timer).where(Timer.instance_id == instance.id)):
            if wanted.pop((row.task_id, row.fire_at), None) is None:
                session.delete(row)
    for (task_id, at), task in wanted.items():
        session.add(Timer(instance_id=instance.id, task_id=task_id, spec_name=task.task_spec.name,
                          kind=type(task.task_spec.event_definition).__name__, fire_at=at))


def _replace_message_waits(session: Session, instance: ProcessInstance, workflow: BpmnWorkflow, fresh: bool) -> None:
    wanted = waiting_messages(workflow) if instance.status == "running" else set()
    if not fresh:
        for row in session.scalars(sa.select(MessageWait).where(MessageWait.instance_id == instance.id)):
            if row.name in wanted:
                wanted.discard(row.name)
            else:
                session.delete(row)
    for name in wanted:
        session.add(MessageWait(instance_id=instance.id, name=name, correlation_key=instance.business_key))


def properties(task: Any) -> dict[str, str]:
    """The spiffworkflow:properties of a task (formKey, candidateRole, dueDate, …)."""
    return (getattr(task.task_spec, "extensions", None) or {}).get("properties", {}) or {}


def parse_due(value: Any, now: datetime) -> datetime | None:
    """A due date given as a datetime, an ISO 8601 string, or a duration from now."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, timedelta):
        return now + value
    text = str(value)
    if text.upper().startswith("P"):
        parsed = TimerEventDefinition.parse_iso_duration(text)
        return now + TimerEventDefinition.get_timedelta_from_start(parsed, now)
    return TimerEventDefinition.get_datetime(text)

"""After every step, the parts of an instance that the outside world queries are projected into
tables: READY human tasks (queues), waiting timers (the sweeper's index) and waiting messages
(correlation). The instance state stays the record; these rows are rebuilt from it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState

from .diagram_limits import MAX_TIMER_SPAN
from .models import HumanTask, InstanceStatus, MessageWait, ProcessInstance, TaskStatus, Timer


@dataclass(frozen=True)
class TaskAssignment:
    """Who may act on a human task and how urgent it is, derived from its lane and properties."""

    candidate_role: str | None
    candidate_unit: str | None
    candidate_user: str | None
    due_at: datetime | None
    urgency: int
    role: str | None = None  # the domainRole of its element


Assign = Callable[[Any], TaskAssignment]


def all_workflows(workflow: BpmnWorkflow) -> Iterable[Any]:
    """The workflow and each of its subprocesses: iterate each with ``own_tasks`` (a workflow's
    own task iterator would descend into its subprocesses too, and count their tasks twice)."""
    yield workflow
    yield from workflow.subprocesses.values()


def own_tasks(wf: Any, state: TaskState) -> list[Any]:
    return wf.get_tasks(state=state, skip_subprocesses=True)


def ready_human_tasks(workflow: BpmnWorkflow) -> list[Any]:
    return [t for wf in all_workflows(workflow) for t in own_tasks(wf, TaskState.READY) if t.task_spec.manual]


def waiting_timers(workflow: BpmnWorkflow) -> list[tuple[Any, datetime]]:
    found = []
    for wf in all_workflows(workflow):
        for task in own_tasks(wf, TaskState.WAITING):
            definition = getattr(task.task_spec, "event_definition", None)
            if isinstance(definition, TimerEventDefinition):
                value = definition.details(task).value
                if isinstance(value, str):
                    found.append((task, TimerEventDefinition.get_datetime(value)))
    return found


def waiting_messages(workflow: BpmnWorkflow) -> set[str]:
    names = set()
    for wf in all_workflows(workflow):
        for task in own_tasks(wf, TaskState.WAITING):
            definition = getattr(task.task_spec, "event_definition", None)
            if isinstance(definition, MessageEventDefinition):
                names.add(definition.name)
    return names


def element_name(task: Any) -> str:
    """The BPMN element id: a multi-instance child is named like its element, not '… [child]'."""
    return task.task_spec.bpmn_id or task.task_spec.name


def task_title(task: Any) -> str:
    return (task.task_spec.bpmn_name or task.task_spec.name)[:255]


@dataclass(frozen=True)
class Projection:
    """What the projection tables hold for one instance, as derived from its state."""

    ready: frozenset[str] = frozenset()                       # ids of READY human tasks
    timers: frozenset[tuple[str, datetime]] = frozenset()     # (task id, fire at)
    waits: frozenset[str] = frozenset()                       # message names waited for


NOTHING = Projection()


def snapshot(workflow: BpmnWorkflow, running: bool) -> Projection:
    if not running:
        return NOTHING
    return Projection(
        ready=frozenset(str(t.id) for t in ready_human_tasks(workflow)),
        timers=frozenset((str(t.id), at) for t, at in waiting_timers(workflow)),
        waits=frozenset(waiting_messages(workflow)),
    )


def project(session: Session, instance: ProcessInstance, workflow: BpmnWorkflow, assign: Assign,
            now: datetime, before: Projection) -> list[HumanTask]:
    """Bring the projection rows of ``instance`` from ``before`` (the state as loaded) to what the
    workflow says now, writing only the differences: no reads on the hot path. The instance's
    version check, flushed first, guarantees nobody else moved the rows since the load.
    Returns the human task rows it opened."""
    after = snapshot(workflow, instance.status == InstanceStatus.RUNNING)
    # Rows completed by a user were marked so by complete(); the rest the flow withdrew.
    gone = {tid for tid in before.ready - after.ready if not _completed(workflow, tid)}
    if gone:
        session.execute(sa.update(HumanTask)
                        .where(HumanTask.instance_id == instance.id, HumanTask.task_id.in_(gone),
                               HumanTask.status == TaskStatus.READY)
                        .values(status=TaskStatus.CANCELLED).execution_options(synchronize_session=False))
    opened = []
    if after.ready - before.ready:
        for task in ready_human_tasks(workflow):
            if str(task.id) not in before.ready:
                opened.append(_add_human_task(session, instance, task, assign(task), now))
    _project_timers(session, instance, workflow, before, after)
    _project_waits(session, instance, before, after)
    return opened


def _completed(workflow: BpmnWorkflow, task_id: str) -> bool:
    task = workflow.get_task_from_id(UUID(task_id))
    return task is not None and task.state == TaskState.COMPLETED


def _add_human_task(session: Session, instance: ProcessInstance, task: Any, assignment: TaskAssignment,
                    now: datetime) -> HumanTask:
    props = properties(task)
    row = HumanTask(
        instance_id=instance.id, scope=instance.scope, task_id=str(task.id), spec_name=element_name(task),
        title=task_title(task), lane=task.task_spec.lane, form_key=props.get("formKey"),
        role=assignment.role,
        candidate_role=assignment.candidate_role, candidate_unit=assignment.candidate_unit,
        candidate_user=assignment.candidate_user, assignee=None, created_at=now,
        due_at=assignment.due_at, urgency=assignment.urgency, status=TaskStatus.READY,
    )
    session.add(row)
    return row


def _project_timers(session: Session, instance: ProcessInstance, workflow: BpmnWorkflow,
                    before: Projection, after: Projection) -> None:
    changed = {task_id for task_id, _ in before.timers ^ after.timers}
    if not changed:
        return
    if before.timers:
        session.execute(sa.delete(Timer).where(Timer.instance_id == instance.id, Timer.task_id.in_(changed))
                        .execution_options(synchronize_session=False))
    for task, at in waiting_timers(workflow):
        if str(task.id) in changed:
            session.add(Timer(instance_id=instance.id, task_id=str(task.id), spec_name=element_name(task),
                              kind=type(task.task_spec.event_definition).__name__, fire_at=at))


def _project_waits(session: Session, instance: ProcessInstance, before: Projection, after: Projection) -> None:
    gone = before.waits - after.waits
    if gone:
        session.execute(sa.delete(MessageWait)
                        .where(MessageWait.instance_id == instance.id, MessageWait.name.in_(gone))
                        .execution_options(synchronize_session=False))
    for name in after.waits - before.waits:
        session.add(MessageWait(instance_id=instance.id, scope=instance.scope, name=name,
                                correlation_key=instance.business_key))


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
        # Spiff adds a duration's months one at a time: "P99999999Y" would hold the request for
        # minutes. A month counted as 30 days, so the 120 months the deploy check allows pass.
        if (parsed.get("years", 0) * 12 + parsed.get("months", 0)) * 30 > MAX_TIMER_SPAN.days:
            raise ValueError(f"due date {text[:40]!r} is more than {MAX_TIMER_SPAN.days} days away")
        return now + TimerEventDefinition.get_timedelta_from_start(parsed, now)
    return TimerEventDefinition.get_datetime(text)

"""Human tasks: the queues, claiming, completing with validated form data, and handing an open
task to someone else while the instance runs."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Mapping
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.orm import Session
from SpiffWorkflow.util.task import TaskState

from . import clock as clocks
from . import incidents
from .db import after_rollback
from .errors import Conflict, NotAllowed, NotFound, ProcessFailed
from .execution import Execution, in_step
from .hooks import Principal, TaskEvent
from .models import HumanTask, ProcessInstance, TaskStatus


class Queue(StrEnum):
    """A person's three lists of tasks (Camunda Tasklist's filters, iOffice's tabs)."""

    WAITING = "waiting"          # open, offered to the person (by name, role or unit), claimed by nobody
    IN_PROGRESS = "in_progress"  # open and claimed by the person
    DONE = "done"                # completed by the person


def queue_condition(principal: Principal, queue: Queue) -> sa.ColumnElement[bool]:
    """The rows of ``queue`` for ``principal``, as a WHERE clause a caller may join further
    (the domain adds its documents); always within the principal's scope."""
    T = HumanTask
    mine = T.scope == principal.scope
    if queue == Queue.DONE:
        return sa.and_(mine, T.status == TaskStatus.COMPLETED, T.completed_by == principal.user)
    if queue == Queue.IN_PROGRESS:
        return sa.and_(mine, T.status == TaskStatus.READY, T.assignee == principal.user)
    offered = sa.or_(
        T.candidate_user == principal.user,
        sa.and_(T.candidate_user.is_(None),
                sa.or_(T.candidate_role.is_(None), T.candidate_role.in_(principal.roles or {""})),
                sa.or_(T.candidate_unit.is_(None), T.candidate_unit.in_(principal.units or {""}))),
    )
    return sa.and_(mine, T.status == TaskStatus.READY, T.assignee.is_(None), offered)


class HumanTasks(Execution):
    """Queues and the actions on a task (a mixin of WorkflowRuntime)."""

    def ready_tasks(self, session: Session, principal: Principal, *, limit: int = 50,
                    offset: int = 0) -> list[HumanTask]:
        """A page of the queue of ``principal``: most urgent first, then the earliest due, then the
        oldest (ties broken by id, so pages never overlap)."""
        T = HumanTask
        query = (
            sa.select(T)
            .where(sa.or_(queue_condition(principal, Queue.WAITING), queue_condition(principal, Queue.IN_PROGRESS)))
            .order_by(T.urgency.desc(), T.due_at.asc().nulls_last(), T.created_at, T.id)
            .limit(limit).offset(offset)
        )
        return list(session.scalars(query))

    @staticmethod
    def queue_counts(session: Session, principal: Principal) -> dict[Queue, int]:
        """How many tasks each of ``principal``'s queues holds, in one query."""
        conditions = {queue: queue_condition(principal, queue) for queue in Queue}
        row = session.execute(sa.select(*(sa.func.coalesce(sa.func.sum(sa.case((c, 1), else_=0)), 0)
                                          for c in conditions.values()))
                              .where(HumanTask.scope == principal.scope, sa.or_(*conditions.values()))).one()
        return dict(zip(conditions, (int(n) for n in row)))

    @staticmethod
    def open_tasks(session: Session, instance_id: int, role: str | None = None) -> list[HumanTask]:
        """The instance's open tasks, or those whose element carries ``role`` (a domainRole)."""
        query = sa.select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == TaskStatus.READY)
        if role is not None:
            query = query.where(HumanTask.role == role)
        return list(session.scalars(query.order_by(HumanTask.id)))

    def task(self, session: Session, task_id: int, principal: Principal) -> HumanTask:
        """A task ``principal`` may see: it is in the queue of a candidate or of its assignee."""
        row = session.get(HumanTask, task_id)
        if row is None or row.scope != principal.scope:
            raise NotFound(f"task {task_id} not found")
        if not (row.assignee == principal.user or self.is_candidate(row, principal)):
            raise NotAllowed(f"task {task_id} is not for you")
        return row

    @staticmethod
    def is_candidate(row: HumanTask, principal: Principal) -> bool:
        """Whether the task's lane, unit or named user includes ``principal`` (claims aside)."""
        if row.scope != principal.scope:
            return False
        if row.candidate_user:
            return row.candidate_user == principal.user
        return ((row.candidate_role is None or row.candidate_role in principal.roles)
                and (row.candidate_unit is None or row.candidate_unit in principal.units))

    @classmethod
    def may_act(cls, row: HumanTask, principal: Principal) -> bool:
        if row.assignee:
            return row.assignee == principal.user and row.scope == principal.scope
        return cls.is_candidate(row, principal)

    def _actionable(self, session: Session, task_id: int, principal: Principal) -> HumanTask:
        row = self.task(session, task_id, principal)
        if row.status != TaskStatus.READY:
            raise Conflict(f"task {task_id} is already {row.status}")
        if row.assignee and row.assignee != principal.user:
            raise Conflict(f"task {task_id} was claimed by someone else")
        return row

    @in_step
    def claim(self, session: Session, task_id: int, principal: Principal) -> HumanTask:
        row = self._actionable(session, task_id, principal)
        if row.assignee == principal.user:
            return row
        claimed = session.execute(
            sa.update(HumanTask)
            .where(HumanTask.id == row.id, HumanTask.assignee.is_(None), HumanTask.status == TaskStatus.READY)
            .values(assignee=principal.user)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            raise Conflict(f"task {task_id} was claimed by someone else")
        session.refresh(row)
        self._record(session, session.get(ProcessInstance, row.instance_id), principal.user, "claimed",
                     row.spec_name, row.title, None)
        self._tell(session, TaskEvent("claimed", row, principal.user))
        return row

    @in_step
    def unclaim(self, session: Session, task_id: int, principal: Principal) -> HumanTask:
        row = self.task(session, task_id, principal)
        if row.assignee != principal.user:
            raise Conflict(f"task {task_id} is not claimed by you")
        row.assignee = None
        self._record(session, session.get(ProcessInstance, row.instance_id), principal.user, "unclaimed",
                     row.spec_name, row.title, None)
        session.flush()
        return row

    @in_step
    def complete(self, session: Session, task_id: int, principal: Principal, data: Mapping[str, Any]) -> ProcessInstance:
        """Complete a human task with form data validated against its form. A second or stale
        completion raises Conflict and changes nothing."""
        # Task and instance in one round trip (a step is mostly round trips); holding the result
        # keeps both in the identity map, where the lookups below find them.
        loaded = session.execute(sa.select(HumanTask, ProcessInstance)
                                 .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
                                 .where(HumanTask.id == task_id)).first()
        row = self._actionable(session, task_id, principal)
        clean = dict(data)
        if row.form_key and self.hooks.validate_form:
            clean = self.hooks.validate_form(row.form_key, clean, principal.scope)
        instance = loaded.ProcessInstance
        workflow = self._load(instance)
        task = workflow.get_task_from_id(UUID(row.task_id))
        if task is None or task.state != TaskState.READY:
            raise Conflict(f"task {task_id} is no longer waiting")
        task.set_data(**clean)
        try:
            self._run(task)
            row.status, row.completed_by, row.completed_at = TaskStatus.COMPLETED, principal.user, clocks.now()
            self._record(session, instance, principal.user, "completed", row.spec_name, row.title, clean)
            self._advance(session, instance, workflow)
            # Told before the tasks it opens are (in _save): what was decided, then what follows.
            self._tell(session, TaskEvent("completed", row, principal.user, clean))
            self._save(session, instance, workflow, principal.user)
        except ProcessFailed as exc:
            # The diagram failed the person's step (its code, or a hard limit): the person gets the
            # reason, the process admins whose diagram it is an incident — written once the
            # person's transaction has rolled back.
            failure = incidents.Failure(instance.scope, instance.id, row.spec_name, exc.message, final=True)
            task_row, at = row.id, clocks.now()  # read now: after the rollback the row is expired
            after_rollback(session, lambda s: incidents.record_step_failure(s, failure, task_row, at))
            raise
        return instance

    @in_step
    def retarget(self, session: Session, instance_id: int, scope: str, actor: str, element: str, reason: str, *,
                 data: Mapping[str, Any] | None = None, candidate_user: str | None = None,
                 candidate_unit: str | None = None, due_at: datetime | None = None,
                 task_id: int | None = None) -> list[HumanTask]:
        """Change who an open task waits for (and its data, so later steps follow), at any time:
        the claim is released and the reason kept in the history. Conflict when none is open.
        ``task_id`` narrows it to one task row (one instance of a multi-instance task)."""
        instance, workflow = self._running(session, instance_id, scope)
        rows = [r for r in self.open_tasks(session, instance_id)
                if r.spec_name == element and (task_id is None or r.id == task_id)]
        if not rows:
            raise Conflict(f"no '{element}' task is open in process instance {instance_id}")
        for row in rows:
            if data:
                workflow.get_task_from_id(UUID(row.task_id)).set_data(**dict(data))
            row.candidate_user, row.candidate_unit, row.assignee = candidate_user, candidate_unit, None
            if due_at is not None:
                row.due_at = due_at
        self._record(session, instance, actor, "retargeted", element, rows[0].title,
                     {"reason": reason, "data": dict(data or {}), "candidate_user": candidate_user,
                      "candidate_unit": candidate_unit, "due_at": due_at.isoformat() if due_at else None})
        self._save(session, instance, workflow, actor)
        return rows

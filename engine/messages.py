"""Messages between instances: a thrown message with a correlation key reaches the instances of
the same scope waiting for it with that key, through the outbox, in their own transactions.
Correlation never crosses scopes; a message between agencies is the domain's own exchange."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker
from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from . import incidents, outbox
from .db import unit_of_work
from .errors import EngineError
from .execution import MESSAGE_TOPIC, SYSTEM_ACTOR, Execution, in_step
from .limits import LimitExceeded
from .models import MessageWait, ProcessInstance
from .projection import all_workflows, own_tasks


class DeliveryFailed(EngineError):
    """Delivering a message to one waiting instance failed; names the instance and element."""

    status = 422

    def __init__(self, message: str, instance_id: int, element: str | None, final: bool) -> None:
        super().__init__(message)
        self.instance_id, self.element, self.final = instance_id, element, final


class Messages(Execution):
    """Message correlation and the outbox's engine topic (a mixin of WorkflowRuntime)."""

    retry_policy: incidents.RetryPolicy

    @in_step
    def deliver_message(self, session: Session, scope: str, name: str, correlation_key: str | None, payload: Any,
                        actor: str = SYSTEM_ACTOR, *, instance_id: int | None = None) -> int:
        """Deliver a message to every instance of ``scope`` waiting for ``name`` with this
        correlation key (or to ``instance_id`` alone, if it is one of them). A message without a
        key reaches nobody: it must never fan out to every waiting instance."""
        delivered = 0
        for target in self._waiting(session, scope, name, correlation_key, instance_id):
            instance = session.get(ProcessInstance, target)
            try:
                delivered += self._deliver_to(session, instance, name, payload, actor)
            except EngineError as exc:
                raise DeliveryFailed(f"process instance {instance.id}: {exc.message}", instance.id, name,
                                     isinstance(exc, LimitExceeded)) from None
        return delivered

    @staticmethod
    def _waiting(session: Session, scope: str, name: str, correlation_key: str | None,
                 instance_id: int | None = None) -> list[int]:
        if correlation_key is None:
            return []
        query = (sa.select(MessageWait.instance_id)
                 .where(MessageWait.scope == scope, MessageWait.name == name,
                        MessageWait.correlation_key == correlation_key)
                 .order_by(MessageWait.instance_id))
        if instance_id is not None:
            query = query.where(MessageWait.instance_id == instance_id)
        return list(session.scalars(query))

    def _deliver_to(self, session: Session, instance: ProcessInstance, name: str, payload: Any, actor: str) -> int:
        workflow = self._load(instance)
        catcher = next((t for wf in all_workflows(workflow) for t in own_tasks(wf, TaskState.WAITING)
                        if isinstance(getattr(t.task_spec, "event_definition", None), MessageEventDefinition)
                        and t.task_spec.event_definition.name == name), None)
        if catcher is None:
            return 0
        self._record(session, instance, actor, "message", catcher.task_spec.name, name, {"payload": payload})
        self._catch(session, instance, workflow, BpmnEvent(catcher.task_spec.event_definition, payload=payload))
        self._save(session, instance, workflow, actor)
        return 1

    def handle_outbox_message(self, session: Session, outbox_id: int) -> int:
        """Route one outbox message exactly once in effect (idempotent under redelivery)."""
        row = session.get(outbox.Outbox, outbox_id)
        if row is None or not outbox.mark_handled(session, outbox_id):
            return 0
        body = row.payload
        scope = body.get("scope") or row.scope or self._scope_of(session, body.get("source_instance"))
        if scope is None:
            return 0  # a message whose thrower is gone reaches nobody rather than everybody
        name, key, target = body["name"], body.get("correlation_key"), body.get("instance")
        if target is None:
            waiting = self._waiting(session, scope, name, key)
            if len(waiting) > 1:
                # One row per recipient: each is delivered in its own step, budget and transaction,
                # so one recipient that fails (and its incident) holds up or drops no other.
                for instance_id in waiting:
                    outbox.enqueue(session, MESSAGE_TOPIC, {**body, "instance": instance_id}, scope=scope)
                return 0
        return self.deliver_message(session, scope, name, key, body.get("payload"), instance_id=target)

    @staticmethod
    def _scope_of(session: Session, instance_id: Any) -> str | None:
        if not isinstance(instance_id, int):
            return None
        return session.scalar(sa.select(ProcessInstance.scope).where(ProcessInstance.id == instance_id))

    def outbox_failed(self, factory: sessionmaker[Session], outbox_id: int, exc: Exception,
                      now: datetime | None = None) -> None:
        """Count a failed handling of an outbox row, in its own transaction: retried with backoff
        by the relay, an incident of the row's scope when its attempts are spent."""
        at = now or self.clock.now()
        with unit_of_work(factory) as session:
            row = session.get(outbox.Outbox, outbox_id, with_for_update=True)
            if row is None or row.handled_at is not None:
                return
            row.published_at = None  # taken again by the relay at retry_at
            failure = incidents.Failure(
                scope=row.scope or (row.payload or {}).get("scope") or "default",
                instance_id=getattr(exc, "instance_id", None), element=getattr(exc, "element", None),
                error=incidents.describe(exc), final=bool(getattr(exc, "final", False)))
            incidents.record_failure(session, row, failure, at, self.retry_policy)

"""The workflow runtime: the one facade the rest of the system uses to run BPMN diagrams.

Every method takes the caller's session and only flushes: the entry point (request, worker)
owns the commit, so a step, its projections, its history and the work it causes (outbox)
are stored together or not at all."""
from __future__ import annotations

import functools
import weakref
from dataclasses import dataclass, field
import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Mapping
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState

from . import clock as clocks
from . import outbox
from . import step as steps
from .db import is_postgres, unit_of_work
from .errors import Conflict, DiagramRefused, NotAllowed, NotFound, ProcessFailed
from .models import DEFAULT_SCOPE, HistoryEntry, HumanTask, MessageWait, ProcessDefinition, ProcessInstance, Timer
from .parsing import ParsedDiagram, SpecCache, as_bytes, parse_diagram
from .projection import (NOTHING, Projection, TaskAssignment, element_name, parse_due, project, properties,
                         snapshot, task_title, waiting_timers)
from .sandbox import Sandbox, SandboxError
from .scripting import ServiceHandler, script_engine
from .state import dump_state, load_state

log = logging.getLogger(__name__)

MESSAGE_TOPIC = "engine.message"
SYSTEM_ACTOR = "system"


@dataclass(frozen=True)
class Principal:
    """Who is acting, as the engine needs to know it: a user key, a scope, roles and units."""

    user: str
    scope: str
    roles: frozenset[str] = frozenset()
    units: frozenset[str] = frozenset()


@dataclass
class EngineHooks:
    """What the domain plugs in through its one wiring module."""

    lane_role: Callable[[str | None], str | None] = lambda lane: lane
    validate_form: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None
    form_exists: Callable[[str], bool] | None = None
    services: dict[str, ServiceHandler] = field(default_factory=dict)
    # Messages the domain itself listens to (a document's status, a notification), by message
    # name: called once per thrown message, inside the transaction of the step that throws it.
    subscribers: dict[str, Callable[[Session, dict[str, Any]], None]] = field(default_factory=dict)


def _in_step(method):
    """Bind the engine's clock, and the step (the caller's session) for diagram functions."""
    @functools.wraps(method)
    def wrapper(self: "WorkflowRuntime", session: Session, *args, **kwargs):
        with clocks.using(self.clock), steps.running(session):
            return method(self, session, *args, **kwargs)

    return wrapper


class WorkflowRuntime:
    def __init__(self, sandbox: Sandbox | None = None, *, clock: clocks.Clock | None = None,
                 hooks: EngineHooks | None = None) -> None:
        self.sandbox = sandbox or Sandbox()
        self.clock = clock or clocks.SystemClock()
        self.hooks = hooks or EngineHooks()
        self.sandbox.register("now", clocks.now)  # diagrams see the engine's clock, never the host's
        self.specs = SpecCache(self.sandbox)
        self.script_engine = script_engine(self.sandbox, self.hooks.services)
        self._definition_sha: dict[int, str] = {}
        # What each loaded workflow's projection rows held at load time (see projection.project).
        self._loaded: weakref.WeakKeyDictionary[BpmnWorkflow, Projection] = weakref.WeakKeyDictionary()

    # ----------------------------------------------------------------- definitions
    @_in_step
    def deploy(self, session: Session, scope: str, xml: str | bytes, actor: str) -> ProcessDefinition:
        """Validate a diagram and store it as the next version of its process key in ``scope``.
        Deploying the same bytes again returns the existing version. Raises DiagramRefused."""
        data = as_bytes(xml)
        parsed = parse_diagram(data, self.sandbox)
        self._check_references(parsed)
        latest = self._latest(session, scope, parsed.key, active_only=False)
        if latest is not None and latest.sha256 == parsed.sha256 and latest.active:
            return latest
        definition = ProcessDefinition(
            scope=scope, key=parsed.key, version=(latest.version + 1) if latest else 1, name=parsed.name[:255],
            bpmn_xml=data.decode("utf-8"), sha256=parsed.sha256, created_by=actor, created_at=clocks.now(),
            active=True,
        )
        session.add(definition)
        session.flush()
        self.specs.get(parsed.sha256, lambda: definition.bpmn_xml)
        return definition

    def deploy_directory(self, session: Session, directory: Path, actor: str = SYSTEM_ACTOR) -> list[ProcessDefinition]:
        """Deploy every default diagram shipped in ``directory`` to the default scope."""
        return [self.deploy(session, DEFAULT_SCOPE, path.read_bytes(), actor)
                for path in sorted(directory.glob("*.bpmn"))]

    def _check_references(self, parsed: ParsedDiagram) -> None:
        for element_id, props in parsed.user_tasks:
            form_key = props.get("formKey")
            if form_key and self.hooks.form_exists and not self.hooks.form_exists(form_key):
                raise DiagramRefused(f"form '{form_key}' does not exist", element_id=element_id)
        for element_id, operation in parsed.service_operations:
            if operation not in self.hooks.services:
                raise DiagramRefused(f"no service handler is registered as '{operation}'", element_id=element_id)

    @staticmethod
    def _latest(session: Session, scope: str, key: str, *, active_only: bool = True) -> ProcessDefinition | None:
        query = sa.select(ProcessDefinition).where(ProcessDefinition.scope == scope, ProcessDefinition.key == key)
        if active_only:
            query = query.where(ProcessDefinition.active.is_(True))
        return session.scalar(query.order_by(ProcessDefinition.version.desc()).limit(1))

    def definition_for(self, session: Session, scope: str, key: str) -> ProcessDefinition:
        """The scope's own latest active version, else the default one (one query: a start runs it)."""
        query = (sa.select(ProcessDefinition)
                 .where(ProcessDefinition.scope.in_((scope, DEFAULT_SCOPE)), ProcessDefinition.key == key,
                        ProcessDefinition.active.is_(True))
                 .order_by((ProcessDefinition.scope == scope).desc(), ProcessDefinition.version.desc()).limit(1))
        definition = session.scalar(query)
        if definition is None:
            raise NotFound(f"no process definition '{key}' is deployed")
        return definition

    def start_roles(self, session: Session, scope: str, key: str) -> frozenset[str]:
        """Roles of the lanes holding the start event: who may start the process (empty: anyone)."""
        diagram = self._diagram(self.definition_for(session, scope, key))
        return frozenset(role for role in map(self.hooks.lane_role, diagram.start_lanes) if role)

    def definitions(self, session: Session, scope: str) -> list[ProcessDefinition]:
        query = (sa.select(ProcessDefinition)
                 .where(ProcessDefinition.scope.in_((scope, DEFAULT_SCOPE)))
                 .order_by(ProcessDefinition.key, ProcessDefinition.scope, ProcessDefinition.version.desc()))
        return list(session.scalars(query))

    def definition(self, session: Session, definition_id: int, scope: str) -> ProcessDefinition:
        definition = session.get(ProcessDefinition, definition_id)
        if definition is None or definition.scope not in (scope, DEFAULT_SCOPE):
            raise NotFound(f"process definition {definition_id} not found")
        return definition

    # ----------------------------------------------------------------- instances
    @_in_step
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
            definition_id=definition.id, scope=scope, business_key=business_key, status="running", state="",
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

    def history(self, session: Session, instance_id: int) -> list[HistoryEntry]:
        query = sa.select(HistoryEntry).where(HistoryEntry.instance_id == instance_id).order_by(HistoryEntry.id)
        return list(session.scalars(query))

    def data(self, session: Session, instance: ProcessInstance) -> dict[str, Any]:
        """The instance's current process data (the last completed task's view)."""
        workflow = self._load(instance)
        return dict(workflow.last_task.data if workflow.last_task else workflow.data)

    @_in_step
    def cancel(self, session: Session, instance_id: int, principal: Principal, reason: str) -> ProcessInstance:
        instance = self.instance(session, instance_id, principal.scope)
        if instance.status != "running":
            raise Conflict(f"process instance {instance_id} is already {instance.status}")
        workflow = self._load(instance)
        workflow.cancel()
        instance.status = "cancelled"
        self._record(session, instance, principal.user, "cancelled", None, None, {"reason": reason})
        self._save(session, instance, workflow, principal.user)
        return instance

    @_in_step
    def advance(self, session: Session, instance_id: int) -> None:
        """Run whatever the engine can run now (idempotent): used by workers after a lost message."""
        instance = session.get(ProcessInstance, instance_id)
        if instance is None or instance.status != "running":
            return
        workflow = self._load(instance)
        workflow.refresh_timers()
        self._advance(session, instance, workflow)
        self._save(session, instance, workflow, SYSTEM_ACTOR)

    # ----------------------------------------------------------------- human tasks
    def ready_tasks(self, session: Session, principal: Principal, limit: int = 200) -> list[HumanTask]:
        """The queue of ``principal``: most urgent first, then the earliest due, then the oldest."""
        T = HumanTask
        unassigned = T.assignee.is_(None)
        by_candidate = sa.and_(
            unassigned, T.candidate_user.is_(None),
            sa.or_(T.candidate_role.is_(None), T.candidate_role.in_(principal.roles or {""})),
            sa.or_(T.candidate_unit.is_(None), T.candidate_unit.in_(principal.units or {""})),
        )
        query = (
            sa.select(T)
            .where(T.scope == principal.scope, T.status == "ready",
                   sa.or_(T.assignee == principal.user, sa.and_(unassigned, T.candidate_user == principal.user),
                          by_candidate))
            .order_by(T.urgency.desc(), T.due_at.asc().nulls_last(), T.created_at, T.id)
            .limit(limit)
        )
        return list(session.scalars(query))

    def open_tasks(self, session: Session, instance_id: int) -> list[HumanTask]:
        query = (sa.select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "ready")
                 .order_by(HumanTask.id))
        return list(session.scalars(query))

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
        if row.status != "ready":
            raise Conflict(f"task {task_id} is already {row.status}")
        if row.assignee and row.assignee != principal.user:
            raise Conflict(f"task {task_id} was claimed by someone else")
        return row

    @_in_step
    def claim(self, session: Session, task_id: int, principal: Principal) -> HumanTask:
        row = self._actionable(session, task_id, principal)
        if row.assignee == principal.user:
            return row
        claimed = session.execute(
            sa.update(HumanTask)
            .where(HumanTask.id == row.id, HumanTask.assignee.is_(None), HumanTask.status == "ready")
            .values(assignee=principal.user)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            raise Conflict(f"task {task_id} was claimed by someone else")
        session.refresh(row)
        self._record(session, session.get(ProcessInstance, row.instance_id), principal.user, "claimed",
                     row.spec_name, row.title, None)
        return row

    @_in_step
    def unclaim(self, session: Session, task_id: int, principal: Principal) -> HumanTask:
        row = self.task(session, task_id, principal)
        if row.assignee != principal.user:
            raise Conflict(f"task {task_id} is not claimed by you")
        row.assignee = None
        self._record(session, session.get(ProcessInstance, row.instance_id), principal.user, "unclaimed",
                     row.spec_name, row.title, None)
        session.flush()
        return row

    @_in_step
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
            clean = self.hooks.validate_form(row.form_key, clean)
        instance = loaded.ProcessInstance
        workflow = self._load(instance)
        task = workflow.get_task_from_id(UUID(row.task_id))
        if task is None or task.state != TaskState.READY:
            raise Conflict(f"task {task_id} is no longer waiting")
        task.set_data(**clean)
        self._run(task)
        row.status, row.completed_by, row.completed_at = "completed", principal.user, clocks.now()
        self._record(session, instance, principal.user, "completed", row.spec_name, row.title, clean)
        self._advance(session, instance, workflow)
        self._save(session, instance, workflow, principal.user)
        return instance

    # ----------------------------------------------------------------- changes while running
    @_in_step
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

    @_in_step
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
        if instance.status != "running":
            raise Conflict(f"process instance {instance_id} is already {instance.status}")
        return instance, self._load(instance)

    # ----------------------------------------------------------------- timers and messages
    def fire_due(self, factory: sessionmaker[Session], now: datetime | None = None, limit: int = 100) -> int:
        """Fire the timers due before ``now``, one instance per transaction. Safe with several
        workers at once: a timer row is locked (SKIP LOCKED on PostgreSQL) while its instance
        advances, and the instance's version check turns any race into a retry, never a double fire."""
        at = now or self.clock.now()
        fired, seen = 0, [0]
        while fired < limit:
            try:
                with unit_of_work(factory) as session:
                    query = (sa.select(Timer)
                             .where(Timer.fire_at < at, Timer.id.not_in(seen),
                                    sa.or_(Timer.retry_at.is_(None), Timer.retry_at < at))
                             .order_by(Timer.fire_at, Timer.id).limit(1))
                    if is_postgres(session):
                        query = query.with_for_update(skip_locked=True)
                    timer = session.scalar(query)
                    if timer is None:
                        return fired
                    seen.append(timer.id)
                    with clocks.using(clocks.FixedClock(at)), steps.running(session):
                        self._fire(session, timer)
                fired += 1
            except Conflict:
                continue  # a concurrent step moved the instance first; the next sweep retries
            except ProcessFailed as exc:
                self._postpone(factory, seen[-1], at, exc.message)
        return fired

    def _postpone(self, factory: sessionmaker[Session], timer_id: int, at: datetime, error: str) -> None:
        """A timer whose firing failed waits longer each time (1 min, 2, 4 … up to a day), and the
        failure is written into the instance's history for the process admin to see."""
        with unit_of_work(factory) as session:
            timer = session.get(Timer, timer_id)
            if timer is None:
                return
            timer.attempts += 1
            timer.retry_at = at + min(timedelta(minutes=2 ** (timer.attempts - 1)), timedelta(days=1))
            timer.last_error = error[:4000]
            log.warning("timer %s of instance %s failed (attempt %s): %s", timer.id, timer.instance_id,
                        timer.attempts, error)
            self._record(session, session.get(ProcessInstance, timer.instance_id), SYSTEM_ACTOR, "timer_failed",
                         timer.spec_name, None, {"error": timer.last_error, "retry_at": timer.retry_at.isoformat()})

    def _fire(self, session: Session, timer: Timer) -> None:
        instance = session.get(ProcessInstance, timer.instance_id)
        workflow = self._load(instance)
        self._record(session, instance, SYSTEM_ACTOR, "timer", timer.spec_name, None,
                     {"fire_at": timer.fire_at.isoformat()})
        session.expunge(timer)  # its row is rewritten by the projection; the lock stays held
        workflow.refresh_timers()
        self._advance(session, instance, workflow)
        self._save(session, instance, workflow, SYSTEM_ACTOR)

    def next_timer_at(self, session: Session) -> datetime | None:
        return session.scalar(sa.select(sa.func.min(Timer.fire_at)))

    @_in_step
    def deliver_message(self, session: Session, name: str, correlation_key: str | None, payload: Any,
                        actor: str = SYSTEM_ACTOR) -> int:
        """Deliver a message to every instance waiting for ``name`` with this correlation key.
        A message without a key reaches nobody: it must never fan out to every waiting instance."""
        if correlation_key is None:
            return 0
        query = sa.select(MessageWait.instance_id).where(MessageWait.name == name,
                                                         MessageWait.correlation_key == correlation_key)
        delivered = 0
        for instance_id in list(session.scalars(query)):
            instance = session.get(ProcessInstance, instance_id)
            workflow = self._load(instance)
            catcher = next((t for t in workflow.get_tasks(state=TaskState.WAITING)
                            if isinstance(getattr(t.task_spec, "event_definition", None), MessageEventDefinition)
                            and t.task_spec.event_definition.name == name), None)
            if catcher is None:
                continue
            workflow.catch(BpmnEvent(catcher.task_spec.event_definition, payload=payload))
            self._record(session, instance, actor, "message", catcher.task_spec.name, name, {"payload": payload})
            self._advance(session, instance, workflow)
            self._save(session, instance, workflow, actor)
            delivered += 1
        return delivered

    def handle_outbox_message(self, session: Session, outbox_id: int) -> int:
        """Route one outbox message exactly once in effect (idempotent under redelivery)."""
        row = session.get(outbox.Outbox, outbox_id)
        if row is None or not outbox.mark_handled(session, outbox_id):
            return 0
        body = row.payload
        return self.deliver_message(session, body["name"], body.get("correlation_key"), body.get("payload"))

    # ----------------------------------------------------------------- internals
    def _diagram(self, definition: ProcessDefinition) -> ParsedDiagram:
        return self.specs.get(definition.sha256, lambda: definition.bpmn_xml)

    def _load(self, instance: ProcessInstance) -> BpmnWorkflow:
        steps.enter_scope(instance.scope)
        workflow = load_state(instance.state, self._diagram_of(instance))
        workflow.script_engine = self.script_engine  # not serialized: set after every load
        self._loaded[workflow] = snapshot(workflow, instance.status == "running")
        return workflow

    def _diagram_of(self, instance: ProcessInstance) -> ParsedDiagram:
        # Definition rows never change, so their hashes are cached: a step reads no definition.
        sha = self._definition_sha.get(instance.definition_id)
        if sha is None:
            session = sa.orm.object_session(instance)
            definition = session.get(ProcessDefinition, instance.definition_id)
            sha = self._definition_sha[instance.definition_id] = definition.sha256
            return self._diagram(definition)
        return self.specs.get(sha, lambda: self._definition_xml(instance))

    @staticmethod
    def _definition_xml(instance: ProcessInstance) -> str:
        session = sa.orm.object_session(instance)
        return session.scalar(sa.select(ProcessDefinition.bpmn_xml).where(ProcessDefinition.id == instance.definition_id))

    def _run(self, task: Any) -> None:
        try:
            task.run()
        except (WorkflowException, SandboxError) as exc:
            raise ProcessFailed(f"task '{task.task_spec.bpmn_id or task.task_spec.name}' failed: {exc}") from None

    def _advance(self, session: Session, instance: ProcessInstance, workflow: BpmnWorkflow) -> None:
        def did_complete(task: Any) -> None:
            if task.task_spec.bpmn_id is not None and not task.task_spec.manual:
                self._record(session, instance, SYSTEM_ACTOR, "step", task.task_spec.name, task_title(task), None)

        try:
            # A boundary timer can make new work ready only after a second pass.
            for _ in range(10):
                workflow.do_engine_steps(did_complete_task=did_complete)
                if not any(not t.task_spec.manual for t in workflow.get_tasks(state=TaskState.READY)):
                    break
        except (WorkflowException, SandboxError) as exc:
            raise ProcessFailed(f"process could not advance: {exc}") from None

    def _assign(self, task: Any) -> TaskAssignment:
        props = properties(task)
        now = clocks.now()

        def evaluated(name: str) -> Any:
            source = props.get(name)
            if not source:
                return None
            try:
                return self.script_engine.environment.evaluate(source, task.data)
            except SandboxError as exc:
                raise ProcessFailed(f"task '{task.task_spec.bpmn_id}': property {name}: {exc}") from None

        user, unit = evaluated("candidateUser"), evaluated("candidateUnit")
        return TaskAssignment(
            candidate_role=props.get("candidateRole") or self.hooks.lane_role(task.task_spec.lane),
            candidate_unit=None if unit in (None, "") else str(unit),
            candidate_user=None if user in (None, "") else str(user),
            due_at=parse_due(evaluated("dueDate"), now),
            urgency=int(evaluated("urgency") or 0),
        )

    def _save(self, session: Session, instance: ProcessInstance, workflow: BpmnWorkflow, actor: str,
              *, before: Projection | None = None) -> None:
        now = clocks.now()
        if instance.status == "running" and workflow.completed:
            instance.status = "completed"
            self._record(session, instance, actor, "ended", None, None, None)
        if instance.status != "running" and instance.ended_at is None:
            instance.ended_at = now
        # Thrown events are taken out of the workflow before its state is stored: left inside,
        # they would be stored and thrown again by every later step.
        events = workflow.get_events()
        instance.state = dump_state(workflow)
        instance.updated_at = now
        # The versioned UPDATE goes first: a stale writer stops here, before touching projections.
        self._flush_session(session)
        before = self._loaded.pop(workflow, NOTHING) if before is None else before
        project(session, instance, workflow, self._assign, now, before)
        for event in events:
            if isinstance(event.event_definition, MessageEventDefinition):
                self._throw(session, instance, event)
        self._flush_session(session)

    def _throw(self, session: Session, instance: ProcessInstance, event: BpmnEvent) -> None:
        """The domain's own subscriber hears the message inside this step's transaction (it is
        part of the step: no broker round trip, no window where the step is stored and its effect
        not). Other instances can only catch a message that carries a correlation key, and they
        advance in their own transactions, through the outbox."""
        name = event.event_definition.name
        body = _jsonable(event.payload if isinstance(event.payload, dict) else {"value": event.payload})
        subscriber = self.hooks.subscribers.get(name)
        if subscriber is not None:
            subscriber(session, body)
        key = _text_or_none(body.get("correlation_key"))
        if key is not None:
            outbox.enqueue(session, MESSAGE_TOPIC, {"name": name, "correlation_key": key, "payload": body,
                                                    "source_instance": instance.id})

    @staticmethod
    def _flush_session(session: Session) -> None:
        try:
            session.flush()
        except StaleDataError:
            raise Conflict("the process was changed by someone else; reload and try again") from None
        except IntegrityError as exc:
            # Two writers projecting the same next task: the loser of the race.
            raise Conflict(f"the process was changed by someone else ({exc.orig.__class__.__name__})") from None

    def _record(self, session: Session, instance: ProcessInstance, actor: str, action: str,
                spec_name: str | None, title: str | None, data: Any) -> None:
        session.add(HistoryEntry(instance_id=instance.id, at=clocks.now(), actor=actor, action=action,
                                 spec_name=spec_name, title=title, data=_jsonable(data)))


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)

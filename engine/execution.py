"""One step of an instance: load its state, let SpiffWorkflow run what it can, and save the new
state with its projections, history and thrown messages — within the engine's hard limits.
Every runtime operation is built from these pieces; none of them commits."""
from __future__ import annotations

import functools
import json
import weakref
from typing import Any, Mapping

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from . import clock as clocks
from . import limits, outbox
from . import step as steps
from .errors import Conflict, ProcessFailed
from .hooks import EngineHooks, TaskEvent, Thrower
from .marks import ROLE_PROPERTY
from .models import HistoryEntry, InstanceStatus, ProcessInstance
from .parsing import ParsedDiagram
from .projection import (NOTHING, Projection, TaskAssignment, all_workflows, element_name, own_tasks, parse_due,
                         project, properties, snapshot, task_title)
from .sandbox import SandboxError
from .state import dump_state, load_state

MESSAGE_TOPIC = "engine.message"
SYSTEM_ACTOR = "system"
# What SpiffWorkflow raises for a diagram that cannot go on (a script error, a bad expression's
# value, a data object that is not there); anything else is a bug and propagates as such.
DIAGRAM_ERRORS = (SpiffWorkflowException, SandboxError, ValueError, TypeError, KeyError, IndexError,
                  AttributeError, ArithmeticError, RecursionError)


def in_step(method):
    """Bind the engine's clock, the step (the caller's session) for diagram functions, and the
    step's hard limits, for the duration of one runtime call."""
    @functools.wraps(method)
    def wrapper(self: "Execution", session: Session, *args, **kwargs):
        with clocks.using(self.clock), steps.running(session), limits.step_budget(self.limits):
            return method(self, session, *args, **kwargs)

    return wrapper


class Execution:
    """The step machinery shared by every runtime operation (a mixin of WorkflowRuntime)."""

    hooks: EngineHooks
    limits: limits.Limits
    script_engine: Any
    _loaded: weakref.WeakKeyDictionary[BpmnWorkflow, Projection]

    def _diagram_of(self, instance: ProcessInstance) -> ParsedDiagram:  # from Definitions
        raise NotImplementedError

    def _load(self, instance: ProcessInstance) -> BpmnWorkflow:
        steps.enter_scope(instance.scope, instance.id)
        with limits.uncounted():
            workflow = load_state(instance.state, instance.state_format, self._diagram_of(instance))
        workflow.script_engine = self.script_engine  # not serialized: set after every load
        self._loaded[workflow] = snapshot(workflow, instance.status == InstanceStatus.RUNNING)
        return workflow

    def _run(self, task: Any) -> None:
        try:
            task.run()
        except LimitExceeded:
            raise
        except DIAGRAM_ERRORS as exc:
            raise ProcessFailed(f"task '{element_name(task)}' failed: {_reason(exc)}") from None

    def _advance(self, session: Session, instance: ProcessInstance, workflow: BpmnWorkflow) -> None:
        def did_complete(task: Any) -> None:
            limits.check_time()
            if task.task_spec.bpmn_id is not None and not task.task_spec.manual:
                self._record(session, instance, SYSTEM_ACTOR, "step", task.task_spec.name, task_title(task), None)

        try:
            # A boundary timer can make new work ready only after a second pass.
            for _ in range(10):
                workflow.do_engine_steps(did_complete_task=did_complete)
                if not any(not t.task_spec.manual for t in workflow.get_tasks(state=TaskState.READY)):
                    break
        except LimitExceeded:
            raise
        except DIAGRAM_ERRORS as exc:
            raise ProcessFailed(f"process could not advance: {_reason(exc)}") from None

    def _catch(self, session: Session, instance: ProcessInstance, workflow: BpmnWorkflow, event: BpmnEvent) -> None:
        try:
            workflow.catch(event)
        except LimitExceeded:
            raise
        except DIAGRAM_ERRORS as exc:
            raise ProcessFailed(f"the message could not be caught: {_reason(exc)}") from None
        self._advance(session, instance, workflow)

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
                raise ProcessFailed(f"task '{element_name(task)}': property {name}: {exc}") from None

        user, unit = evaluated("candidateUser"), evaluated("candidateUnit")
        try:
            due_at = parse_due(evaluated("dueDate"), now)
            urgency = int(evaluated("urgency") or 0)
        except (ValueError, TypeError, OverflowError) as exc:
            raise ProcessFailed(f"task '{element_name(task)}': dueDate or urgency: {_reason(exc)}") from None
        return TaskAssignment(
            candidate_role=props.get("candidateRole") or self.hooks.lane_role(task.task_spec.lane),
            candidate_unit=_key(unit, 50, task, "candidateUnit"),
            candidate_user=_key(user, 100, task, "candidateUser"),
            due_at=due_at,
            urgency=max(0, min(urgency, 3)),
            role=self._role(task, props),
        )

    def _role(self, task: Any, props: Mapping[str, str]) -> str | None:
        role = (props.get(ROLE_PROPERTY) or "").strip()
        if role:
            return role
        spec = task.workflow.top_workflow.spec
        if _marks_roles(spec):
            return None  # a marked diagram leaves this element without a role on purpose
        return self.hooks.unmarked_roles(spec.name).get(element_name(task))

    def _save(self, session: Session, instance: ProcessInstance, workflow: BpmnWorkflow, actor: str,
              *, before: Projection | None = None) -> None:
        now = clocks.now()
        if instance.status == InstanceStatus.RUNNING and workflow.completed:
            instance.status = InstanceStatus.COMPLETED
            self._record(session, instance, actor, "ended", None, None, None)
        if instance.status != InstanceStatus.RUNNING and instance.ended_at is None:
            instance.ended_at = now
        self._check_size(workflow)
        # Thrown events are taken out of the workflow before its state is stored: left inside,
        # they would be stored and thrown again by every later step.
        events = workflow.get_events()
        state, state_format = dump_state(workflow)
        size = len(state.encode("utf-8"))  # Vietnamese text is 2–3 bytes a character
        if size > self.limits.state_bytes:
            raise LimitExceeded(f"the instance state would take {size // 1024} KiB, over the limit of "
                                f"{self.limits.state_bytes // 1024} KiB")
        instance.state, instance.state_format = state, state_format
        instance.updated_at = now
        # The versioned UPDATE goes first: a stale writer stops here, before touching projections.
        self._flush_session(session)
        before = self._loaded.pop(workflow, NOTHING) if before is None else before
        opened = project(session, instance, workflow, self._assign, now, before)
        for event in events:
            if isinstance(event.event_definition, MessageEventDefinition):
                self._throw(session, instance, event)
        self._flush_session(session)
        for row in opened:
            self._tell(session, TaskEvent("opened", row, actor))

    def _tell(self, session: Session, event: TaskEvent) -> None:
        """The domain hears what happened to a human task, inside the step (see EngineHooks)."""
        if self.hooks.task_listener is not None:
            self.hooks.task_listener(session, event)
            self._flush_session(session)

    def _check_size(self, workflow: BpmnWorkflow) -> None:
        count = sum(len(wf.tasks) for wf in all_workflows(workflow))
        if count > self.limits.tasks_per_instance:
            raise LimitExceeded(f"the instance would hold {count} tasks, over the limit of "
                                f"{self.limits.tasks_per_instance}")
        shortest = self.limits.min_timer_cycle.total_seconds()
        for wf in all_workflows(workflow):
            for task in own_tasks(wf, TaskState.WAITING):
                definition = getattr(task.task_spec, "event_definition", None)
                value = task.internal_data.get("event_value")
                if (isinstance(definition, CycleTimerEventDefinition) and isinstance(value, dict)
                        and value.get("cycles") != 0 and float(value.get("duration") or 0) < shortest):
                    raise LimitExceeded(f"timer '{element_name(task)}' repeats every {value.get('duration')} s, "
                                        f"more often than once per {shortest:g} s")

    def _throw(self, session: Session, instance: ProcessInstance, event: BpmnEvent) -> None:
        """The domain's own subscriber hears the message inside this step's transaction (it is
        part of the step: no broker round trip, no window where the step is stored and its effect
        not), told which instance threw it. Other instances can only catch a message that carries
        a correlation key, only in the thrower's scope, and in their own transactions (the outbox)."""
        name = event.event_definition.name
        body = jsonable(event.payload if isinstance(event.payload, dict) else {"value": event.payload})
        size = len(json.dumps(body, ensure_ascii=False).encode("utf-8"))
        if size > MAX_MESSAGE_BYTES:
            raise LimitExceeded(f"message '{name}' carries {size // 1024} KiB, over the limit of "
                                f"{MAX_MESSAGE_BYTES // 1024} KiB")
        subscriber = self.hooks.subscribers.get(name)
        if subscriber is not None:
            subscriber(session, Thrower(instance.scope, instance.id, instance.business_key), body)
        key = None if body.get("correlation_key") is None else str(body["correlation_key"])
        if key is not None:
            outbox.enqueue(session, MESSAGE_TOPIC, {"name": name, "correlation_key": key, "payload": body,
                                                    "scope": instance.scope, "source_instance": instance.id},
                           scope=instance.scope)

    @staticmethod
    def _flush_session(session: Session) -> None:
        try:
            session.flush()
        except StaleDataError:
            raise Conflict("the process was changed by someone else; reload and try again") from None
        except IntegrityError as exc:
            # Two writers projecting the same next task: the loser of the race.
            raise Conflict(f"the process was changed by someone else ({exc.orig.__class__.__name__})") from None

    @staticmethod
    def _record(session: Session, instance: ProcessInstance, actor: str, action: str,
                spec_name: str | None, title: str | None, data: Any) -> None:
        session.add(HistoryEntry(instance_id=instance.id, at=clocks.now(), actor=actor, action=action,
                                 spec_name=spec_name, title=title, data=jsonable(data)))


LimitExceeded = limits.LimitExceeded
MAX_MESSAGE_BYTES = 256 * 1024  # one thrown message's payload, as JSON


_marked: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()


def _marks_roles(spec: Any) -> bool:
    """Whether any user task of the process carries a domainRole (cached per parsed spec)."""
    if spec not in _marked:
        _marked[spec] = any(((getattr(t, "extensions", None) or {}).get("properties") or {}).get(ROLE_PROPERTY)
                            for t in spec.task_specs.values())
    return _marked[spec]


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if isinstance(exc, (SpiffWorkflowException, SandboxError)) else f"{type(exc).__name__}: {text}"


def _key(value: Any, length: int, task: Any, name: str) -> str | None:
    """A candidate user or unit key as stored: text no longer than its column."""
    if value in (None, ""):
        return None
    text = str(value)
    if len(text) > length:
        raise ProcessFailed(f"task '{element_name(task)}': {name} is longer than {length} characters")
    return text


def jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)

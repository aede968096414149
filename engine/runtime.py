"""The workflow runtime: the one facade the rest of the system uses to run BPMN diagrams, composed
of small parts that each own one job, the way SpiffWorkflow composes its task specs:

- definitions.py — deploy diagrams, find versions, cache parsed specs
- instances.py   — start, read, cancel, reschedule a deadline
- human_tasks.py — queues, claim, complete, hand a task to someone else
- timers.py      — the sweep that fires due timers
- messages.py    — correlation of messages between instances, the outbox's engine topic
- incidents.py   — failed work: retries, incidents, and the admin's retry / skip / cancel
- migration.py   — move running instances to a newer version of their diagram
- execution.py   — the step they are all built from: load, advance, save, within limits.py

Every method takes the caller's session and only flushes: the entry point (request, worker)
owns the commit, so a step, its projections, its history and the work it causes (outbox) are
stored together or not at all."""
from __future__ import annotations

import weakref

from SpiffWorkflow.bpmn import BpmnWorkflow

from . import clock as clocks
from .definitions import Definitions
from .execution import MESSAGE_TOPIC, SYSTEM_ACTOR
from .hooks import EngineHooks, Principal, TaskEvent, TaskListener, Thrower
from .human_tasks import HumanTasks
from .incidents import DEFAULT_POLICY, Incidents, RetryPolicy
from .instances import InstanceRow, Instances, Progress
from .limits import DEFAULT_LIMITS, Limits
from .messages import Messages
from .models import DEFAULT_SCOPE, HistoryEntry, HumanTask, Incident, ProcessDefinition, ProcessInstance, TaskStatus
from .migration import MAX_BATCH as MAX_MIGRATION_BATCH
from .migration import MigrationPlan, Migrations
from .parsing import SpecCache
from .projection import Projection
from .sandbox import Sandbox
from .scripting import script_engine
from .timers import Timers

# The engine's public surface: the runtime, what the domain plugs in, and the rows the runtime
# hands out (read them; ask the runtime, never query the engine's tables).
__all__ = ["WorkflowRuntime", "EngineHooks", "Principal", "TaskEvent", "TaskListener", "Thrower", "MESSAGE_TOPIC", "SYSTEM_ACTOR",
           "DEFAULT_SCOPE", "HistoryEntry", "HumanTask", "Incident", "ProcessDefinition", "ProcessInstance",
           "MigrationPlan", "MAX_MIGRATION_BATCH", "InstanceRow", "Progress", "TaskStatus"]


class WorkflowRuntime(Definitions, Instances, HumanTasks, Timers, Messages, Incidents, Migrations):
    def __init__(self, sandbox: Sandbox | None = None, *, clock: clocks.Clock | None = None,
                 hooks: EngineHooks | None = None, limits: Limits = DEFAULT_LIMITS,
                 retry_policy: RetryPolicy = DEFAULT_POLICY) -> None:
        self.sandbox = sandbox or Sandbox()
        self.clock = clock or clocks.SystemClock()
        self.hooks = hooks or EngineHooks()
        self.limits = limits
        self.retry_policy = retry_policy
        self.sandbox.register("now", clocks.now)  # diagrams see the engine's clock, never the host's
        self.specs = SpecCache(self.sandbox)
        self.script_engine = script_engine(self.sandbox, self.hooks.services)
        self._definition_sha: dict[int, str] = {}
        # What each loaded workflow's projection rows held at load time (see projection.project).
        self._loaded: weakref.WeakKeyDictionary[BpmnWorkflow, Projection] = weakref.WeakKeyDictionary()

from __future__ import annotations

from typing import Any

import pytest

from documents.system import System
from engine.clock import FixedClock
from engine.db import unit_of_work
from engine.models import DEFAULT_SCOPE
from engine.runtime import EngineHooks, Principal, WorkflowRuntime
from engine.sandbox import Sandbox

SCOPE = "000.00.01.H99"


@pytest.fixture
def runtime(clock: FixedClock) -> WorkflowRuntime:
    """A bare engine (no domain wiring): one service handler, lanes named by role."""
    hooks = EngineHooks(services={"double": lambda params, data: {"value": params["value"] * 2}})
    return WorkflowRuntime(Sandbox(), clock=clock, hooks=hooks)


class Harness:
    """Drives a runtime the way an entry point does: one unit of work per call."""

    def __init__(self, system: System, runtime: WorkflowRuntime) -> None:
        self.system, self.runtime, self.sessions = system, runtime, system.sessions

    def deploy(self, xml: str, scope: str = DEFAULT_SCOPE):
        with unit_of_work(self.sessions) as session:
            return self.runtime.deploy(session, scope, xml, actor="tester")

    def start(self, key: str, data: dict[str, Any] | None = None, business_key: str | None = None, scope=SCOPE):
        with unit_of_work(self.sessions) as session:
            return self.runtime.start(session, scope, key, "tester", data, business_key)

    def tasks(self, principal: Principal):
        with unit_of_work(self.sessions) as session:
            return self.runtime.ready_tasks(session, principal)

    def task_named(self, instance_id: int, spec_name: str):
        with unit_of_work(self.sessions) as session:
            return next((t for t in self.runtime.open_tasks(session, instance_id) if t.spec_name == spec_name), None)

    def open_names(self, instance_id: int) -> list[str]:
        with unit_of_work(self.sessions) as session:
            return sorted(t.spec_name for t in self.runtime.open_tasks(session, instance_id))

    def complete(self, instance_id: int, spec_name: str, data: dict[str, Any] | None = None,
                 principal: Principal | None = None):
        task = self.task_named(instance_id, spec_name)
        assert task is not None, f"{spec_name} is not ready; open: {self.open_names(instance_id)}"
        who = principal or Principal("u1", SCOPE, frozenset({task.candidate_role or "staff"}))
        with unit_of_work(self.sessions) as session:
            return self.runtime.complete(session, task.id, who, data or {})

    def instance(self, instance_id: int):
        with unit_of_work(self.sessions) as session:
            return self.runtime.instance(session, instance_id, SCOPE)

    def history(self, instance_id: int):
        with unit_of_work(self.sessions) as session:
            return [(h.actor, h.action, h.spec_name) for h in self.runtime.history(session, instance_id)]

    def data(self, instance_id: int) -> dict[str, Any]:
        with unit_of_work(self.sessions) as session:
            return self.runtime.data(session, self.runtime.instance(session, instance_id, SCOPE))


@pytest.fixture
def engine(system: System, runtime: WorkflowRuntime) -> Harness:
    return Harness(system, runtime)

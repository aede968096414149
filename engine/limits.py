"""Hard limits on what one step of an instance may do with the engine's own constructs: tasks
created (loops through gateways, `loopMaximum`, multi-instance cardinality), wall-clock time,
the size of the stored state and of the task tree, and the shortest timer cycle.

Diagram code itself runs under the sandbox's limits (engine/sandbox.py); these bound what
SpiffWorkflow does between two pieces of diagram code. A step over a limit raises LimitExceeded:
the caller rolls back, so nothing of the step is stored, and the instance gets an incident."""
from __future__ import annotations

import contextvars
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Iterator

from SpiffWorkflow.task import Task

from .diagram_limits import MIN_TIMER_CYCLE
from .errors import ProcessFailed


@dataclass(frozen=True)
class Limits:
    # A step of the incoming diagram creates about 30 tasks, a 100-way multi-instance ~300;
    # SpiffWorkflow's task scans grow with the tree, so a loop meets the time limit first.
    new_tasks_per_step: int = 1_000
    tasks_per_instance: int = 20_000         # the whole task tree, subprocesses included
    step_seconds: float = 10.0               # wall clock of one step, diagram code included
    state_bytes: int = 4 * 1024 * 1024       # the stored instance state (JSON)
    min_timer_cycle: timedelta = MIN_TIMER_CYCLE  # the same bound the deploy check applies to constants


DEFAULT_LIMITS = Limits()


class LimitExceeded(ProcessFailed):
    """A step went past one of the engine's hard limits; retrying cannot help, so the work that
    ran it becomes an incident at once."""


class _Budget:
    __slots__ = ("limits", "created", "deadline")

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.created = 0
        self.deadline = time.monotonic() + limits.step_seconds

    def spend_task(self) -> None:
        self.created += 1
        if self.created > self.limits.new_tasks_per_step:
            raise LimitExceeded(f"the step created more than {self.limits.new_tasks_per_step} tasks, over the limit "
                                "(a loop, loopMaximum or multi-instance cardinality out of bounds)")
        self.check_time()

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise LimitExceeded(f"the step ran longer than the limit of {self.limits.step_seconds:g} s")


_current: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("engine_step_budget", default=None)


@contextmanager
def step_budget(limits: Limits) -> Iterator[None]:
    """Count what the engine does from here on against ``limits`` (one runtime call)."""
    token = _current.set(_Budget(limits))
    try:
        yield
    finally:
        _current.reset(token)


@contextmanager
def uncounted() -> Iterator[None]:
    """Restoring stored state creates Task objects too; only new work counts."""
    token = _current.set(None)
    try:
        yield
    finally:
        _current.reset(token)


def check_time() -> None:
    budget = _current.get()
    if budget is not None:
        budget.check_time()


# Every task SpiffWorkflow creates passes through Task.__init__, including the children a
# multi-instance task creates in one tight loop before any callback of ours runs: counting here
# is the only place that can stop `loopCardinality="1000000000"` before it allocates.
_task_init = Task.__init__


def _counted_init(self: Task, *args: Any, **kwargs: Any) -> None:
    budget = _current.get()
    if budget is not None:
        budget.spend_task()
    _task_init(self, *args, **kwargs)


Task.__init__ = _counted_init  # type: ignore[method-assign]

"""What a function called from a diagram may know about the step running it: the session of the
step's transaction and the scope (agency) of the instance. The runtime binds it for the
duration of each call, as engine.clock.using binds the clock, so a domain function such as an
agency's business calendar can read its own rows in the step's transaction. Outside a runtime
call there is no step and such functions fall back to their defaults."""
from __future__ import annotations

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator

from sqlalchemy.orm import Session


@dataclass
class Step:
    session: Session
    scope: str | None = None  # set as soon as the runtime knows which instance it runs
    instance_id: int | None = None  # that instance, once stored (a service task's notifications name it)
    memo: dict[Any, Any] = field(default_factory=dict)  # per-step cache for domain functions


_current: contextvars.ContextVar[Step | None] = contextvars.ContextVar("engine_step", default=None)


@contextmanager
def running(session: Session, scope: str | None = None) -> Iterator[Step]:
    token = _current.set(Step(session, scope))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def current() -> Step | None:
    return _current.get()


def enter_scope(scope: str, instance_id: int | None = None) -> None:
    """The runtime loaded an instance of ``scope``: later expressions in this call belong to it."""
    step = _current.get()
    if step is None:
        return
    step.instance_id = instance_id
    if step.scope != scope:
        step.scope = scope
        step.memo.clear()

"""The engine's notion of "now", injectable so tests never sleep.

SpiffWorkflow reads ``datetime.now(timezone.utc)`` inside its timer event definitions. We
swap the ``datetime`` name of that one module for a subclass whose ``now()`` asks the clock
bound to the current context; outside a runtime call it is the system clock.
"""
from __future__ import annotations

import contextvars
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Iterator, Protocol

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FixedClock:
    """A clock that only moves when told to: for tests and for firing timers at a given instant."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when

    def advance(self, **delta: float) -> datetime:
        self._now = self._now + timedelta(**delta)
        return self._now


_current: contextvars.ContextVar[Clock] = contextvars.ContextVar("engine_clock", default=SystemClock())


@contextmanager
def using(clock: Clock) -> Iterator[Clock]:
    """Bind ``clock`` for the duration of a runtime call (thread- and task-local)."""
    token = _current.set(clock)
    try:
        yield clock
    finally:
        _current.reset(token)


def now() -> datetime:
    return _current.get().now()


class ClockedDatetime(datetime):
    @classmethod
    def now(cls, tz=None):  # type: ignore[override]
        current = _current.get().now()
        return current.astimezone(tz) if tz is not None else current.replace(tzinfo=None)


_spiff_timer.datetime = ClockedDatetime

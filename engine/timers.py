"""Firing due timers. The timer table (projected after every step) is the record of every due
time; a sweep fires what is due, one instance per transaction, and goes on while due timers
remain. A timer whose firing fails, for whatever reason, is retried with backoff and then
becomes an incident (engine/incidents.py); it never stops the sweep for anyone else."""
from __future__ import annotations

import logging
import time
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from . import clock as clocks
from . import incidents
from . import step as steps
from .db import is_postgres, unit_of_work
from .errors import Conflict
from .execution import SYSTEM_ACTOR, Execution
from .limits import LimitExceeded, step_budget
from .models import ProcessInstance, Timer

log = logging.getLogger(__name__)


class Timers(Execution):
    """The timer sweep (a mixin of WorkflowRuntime)."""

    retry_policy: incidents.RetryPolicy

    def fire_due(self, factory: sessionmaker[Session], now: datetime | None = None, *,
                 budget_seconds: float = 30.0) -> int:
        """Fire the timers due before ``now`` until none is left or ``budget_seconds`` of work is
        spent (the caller sweeps again). Safe with several workers at once: a timer row is locked
        (SKIP LOCKED on PostgreSQL) while its instance advances, and the instance's version check
        turns any race into a retry, never a double fire."""
        at = now or self.clock.now()
        fired, raced = 0, set()
        stop = time.monotonic() + budget_seconds
        while time.monotonic() < stop:
            timer_id = None
            try:
                with unit_of_work(factory) as session:
                    timer = self._next_due(session, at, raced)
                    if timer is None:
                        return fired
                    timer_id = timer.id
                    self._fire(session, timer, at)
                fired += 1
            except Conflict:
                raced.add(timer_id)  # a concurrent step moved the instance first; the next sweep retries
            except Exception as exc:
                if timer_id is None or incidents.is_connection_error(exc):
                    raise  # the database itself is away: nothing to blame on this timer
                self._timer_failed(factory, timer_id, at, exc)
        return fired

    def timers_due(self, factory: sessionmaker[Session], now: datetime | None = None) -> bool:
        """Whether a sweep now would find work (timers another worker holds locked included)."""
        with unit_of_work(factory) as session:
            return session.scalar(sa.select(_due(now or self.clock.now()).exists())) or False

    @staticmethod
    def _next_due(session: Session, at: datetime, raced: set[int]) -> Timer | None:
        query = _due(at).order_by(Timer.fire_at, Timer.id).limit(1)
        if raced:
            query = query.where(Timer.id.not_in(raced))
        if is_postgres(session):
            query = query.with_for_update(skip_locked=True)
        return session.scalar(query)

    def _fire(self, session: Session, timer: Timer, at: datetime) -> None:
        with clocks.using(clocks.FixedClock(at)), steps.running(session), step_budget(self.limits):
            instance = session.get(ProcessInstance, timer.instance_id)
            workflow = self._load(instance)
            self._record(session, instance, SYSTEM_ACTOR, "timer", timer.spec_name, None,
                         {"fire_at": timer.fire_at.isoformat()})
            session.expunge(timer)  # its row is rewritten by the projection; the lock stays held
            workflow.refresh_timers()
            self._advance(session, instance, workflow)
            self._save(session, instance, workflow, SYSTEM_ACTOR)

    def _timer_failed(self, factory: sessionmaker[Session], timer_id: int, at: datetime, exc: Exception) -> None:
        with unit_of_work(factory) as session:
            timer = session.get(Timer, timer_id, with_for_update=True)
            if timer is None:
                return  # the instance moved on meanwhile: nothing left to fire
            instance = session.get(ProcessInstance, timer.instance_id)
            failure = incidents.Failure(scope=instance.scope, instance_id=instance.id, element=timer.spec_name,
                                        error=incidents.describe(exc), final=isinstance(exc, LimitExceeded))
            incidents.record_failure(session, timer, failure, at, self.retry_policy)


def _due(at: datetime) -> sa.Select:
    """Timers due at ``at``: not waiting for an administrator, nor for their next retry."""
    return sa.select(Timer).where(Timer.fire_at < at, Timer.incident_id.is_(None),
                                  sa.or_(Timer.retry_at.is_(None), Timer.retry_at < at))

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
        turns any race into a retry, never a double fire. A timer whose instance another step is
        changing right now (its row locked, a deadlock broken, a version conflict) is counted as a
        failed attempt and retried after the backoff: a race that keeps happening becomes an
        incident instead of being retried at every sweep in silence."""
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
            except Exception as exc:
                if timer_id is None or incidents.is_connection_error(exc):
                    raise  # the database itself is away: nothing to blame on this timer
                raced.add(timer_id)
                try:
                    self._timer_failed(factory, timer_id, at, _as_conflict(exc))
                except Exception as recording:  # still contended: the next sweep takes it again
                    if not incidents.is_contention(recording):
                        raise
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
            # The instance is locked right after its timer, without waiting: a step holding it (a
            # person completing, another worker firing its other timer) would otherwise wait on
            # this timer's row while we wait on it — a deadlock.
            lock = {"nowait": True} if is_postgres(session) else None
            instance = session.get(ProcessInstance, timer.instance_id, with_for_update=lock)
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


def _as_conflict(exc: Exception) -> Exception:
    if incidents.is_contention(exc):
        return Conflict("another step was changing the process at the same moment; retried later")
    return exc

"""Failed work and what becomes of it, as the job executors people trust do it (Camunda's job
retries and incidents): a job that fails — a timer's firing, an outbox message's handling — is
retried with backoff; after its last attempt it becomes an incident that names the element and
the error, and it waits for the scope's process admin to retry it, skip it or cancel the
instance. Nothing is dropped, and nothing is retried forever in silence."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Union

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from .errors import Conflict, NotFound
from .models import HistoryEntry, Incident, InstanceStatus, Outbox, ProcessInstance, Timer

log = logging.getLogger(__name__)

Job = Union[Timer, Outbox]
JOB_KINDS = {Timer: "timer", Outbox: "message"}


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4                         # the first run and three retries
    first_delay: timedelta = timedelta(minutes=1)
    max_delay: timedelta = timedelta(hours=1)

    def delay(self, failures: int) -> timedelta:
        """1 min, 2 min, 4 min … after the 1st, 2nd, 3rd failure, never more than max_delay."""
        return min(self.first_delay * (2 ** (failures - 1)), self.max_delay)


DEFAULT_POLICY = RetryPolicy()


@dataclass(frozen=True)
class Failure:
    """What failed, where: the scope and instance the incident belongs to, and the element."""

    scope: str
    instance_id: int | None
    element: str | None
    error: str
    final: bool = False  # retrying cannot help (a hard limit): an incident at once


def describe(exc: BaseException) -> str:
    """The error as an administrator reads it in the incident list."""
    message = getattr(exc, "message", None)
    return message if isinstance(message, str) else f"{type(exc).__name__}: {exc}"


# PostgreSQL's answers to two transactions wanting the same rows: a deadlock broken, a lock not
# taken (NOWAIT or lock_timeout), a serialization failure. The work is fine; it runs again later.
CONTENTION_CODES = frozenset({"40P01", "55P03", "40001"})


def is_contention(exc: BaseException) -> bool:
    return isinstance(exc, DBAPIError) and getattr(exc.orig, "pgcode", None) in CONTENTION_CODES


def is_connection_error(exc: BaseException) -> bool:
    """The database itself is away: the failure is nobody's job's fault and counts no attempt."""
    return (isinstance(exc, (OperationalError, InterfaceError, DisconnectionError, PoolTimeout))
            and not is_contention(exc))


def record_failure(session: Session, job: Job, failure: Failure, now: datetime,
                   policy: RetryPolicy = DEFAULT_POLICY) -> Incident | None:
    """Count a failed attempt of ``job``: schedule its retry, or raise the incident when the
    attempts are spent. Written in its own transaction by the caller (the failed one rolled back)."""
    job.attempts += 1
    job.last_error = failure.error[:4000]
    if job.attempts < policy.attempts and not failure.final:
        job.retry_at = now + policy.delay(job.attempts)
        log.warning("%s %s failed (attempt %d of %d), retry at %s: %s", JOB_KINDS[type(job)], job.id,
                    job.attempts, policy.attempts, job.retry_at.isoformat(), failure.error)
        _history(session, failure, now, f"{JOB_KINDS[type(job)]}_failed", {"error": job.last_error, "attempt": job.attempts,
                                                       "retry_at": job.retry_at.isoformat()})
        return None
    job.retry_at = None
    incident = Incident(scope=failure.scope, instance_id=failure.instance_id, job=JOB_KINDS[type(job)],
                        job_id=job.id, element=failure.element, error=job.last_error, attempts=job.attempts,
                        created_at=now)
    session.add(incident)
    session.flush()
    job.incident_id = incident.id
    log.error("incident %s: %s %s of scope %s failed %d time(s): %s", incident.id, incident.job, job.id,
              failure.scope, job.attempts, failure.error)
    _history(session, failure, now, "incident", {"incident": incident.id, "error": job.last_error})
    return incident


def record_step_failure(session: Session, failure: Failure, task_id: int, now: datetime) -> Incident:
    """A person's step that the diagram failed (its code, or a hard limit): the person was told;
    the diagram's admins get an incident (one per task, its count going up if people try again).
    Nothing to retry: the step is the person's to take again once the diagram is fixed."""
    incident = session.scalar(sa.select(Incident).where(Incident.instance_id == failure.instance_id,
                                                        Incident.job == "task", Incident.job_id == task_id,
                                                        Incident.resolved_at.is_(None)))
    if incident is None:
        incident = Incident(scope=failure.scope, instance_id=failure.instance_id, job="task", job_id=task_id,
                            element=failure.element, error=failure.error[:4000], attempts=0, created_at=now)
        session.add(incident)
    incident.attempts += 1
    incident.error = failure.error[:4000]
    session.flush()
    log.error("incident %s: the step of task %s of scope %s failed: %s", incident.id, task_id,
              failure.scope, failure.error)
    _history(session, failure, now, "incident", {"incident": incident.id, "error": incident.error})
    return incident


def _history(session: Session, failure: Failure, now: datetime, action: str, data: dict) -> None:
    if failure.instance_id is not None:
        session.add(HistoryEntry(instance_id=failure.instance_id, at=now, actor="system", action=action,
                                 spec_name=failure.element, title=None, data=data))


def listed(session: Session, scope: str, *, open_only: bool = True, limit: int = 200) -> list[Incident]:
    query = sa.select(Incident).where(Incident.scope == scope)
    if open_only:
        query = query.where(Incident.resolved_at.is_(None))
    return list(session.scalars(query.order_by(Incident.id.desc()).limit(limit)))


def open_incident(session: Session, incident_id: int, scope: str) -> Incident:
    """An unresolved incident of ``scope``, locked against a second administrator's decision."""
    # populate_existing: the row may already be in the session (a view of it); the check must
    # read what the lock waited for, or a second admin would decide a decided incident again.
    incident = session.get(Incident, incident_id, with_for_update=True, populate_existing=True)
    if incident is None or incident.scope != scope:
        raise NotFound(f"incident {incident_id} not found")
    if incident.resolved_at is not None:
        raise Conflict(f"incident {incident_id} was already resolved ({incident.resolution})")
    return incident


def job_of(session: Session, incident: Incident) -> Job | None:
    """The timer or outbox row that failed; None for a person's step (nothing to run again)."""
    model = {"timer": Timer, "message": Outbox}.get(incident.job)
    job = session.get(model, incident.job_id) if model else None
    return job if job is not None and job.incident_id == incident.id else None


def resolve(incident: Incident, resolution: str, actor: str, now: datetime) -> None:
    incident.resolved_at, incident.resolution, incident.resolved_by = now, resolution, actor


def release(job: Job) -> None:
    """Give the job its attempts back and let the sweep or the relay take it again."""
    job.attempts, job.retry_at, job.incident_id = 0, None, None
    if isinstance(job, Outbox):
        job.published_at = None


class Incidents:
    """What a process admin does with an incident (a mixin of WorkflowRuntime): retry the job,
    skip it (the timer is not fired, the message not delivered), or cancel the instance."""

    def incidents(self, session: Session, scope: str, *, open_only: bool = True) -> list[Incident]:
        return listed(session, scope, open_only=open_only)

    def incident(self, session: Session, incident_id: int, scope: str) -> Incident:
        incident = session.get(Incident, incident_id)
        if incident is None or incident.scope != scope:
            raise NotFound(f"incident {incident_id} not found")
        return incident

    def retry_incident(self, session: Session, incident_id: int, scope: str, actor: str) -> Incident:
        incident = open_incident(session, incident_id, scope)
        if incident.job == "task":
            raise Conflict(f"incident {incident_id}: a person's step has nothing to retry; once the diagram is "
                           "fixed, the person completes the task again (skip the incident, or cancel the instance)")
        job = job_of(session, incident)
        now = self.clock.now()
        if job is None:  # the instance moved on and the timer or message is gone: nothing left to retry
            resolve(incident, "obsolete", actor, now)
            return incident
        release(job)
        resolve(incident, "retried", actor, now)
        _history(session, _failure_of(incident), now, "incident_retried", {"incident": incident.id, "by": actor})
        return incident

    def skip_incident(self, session: Session, incident_id: int, scope: str, actor: str) -> Incident:
        incident = open_incident(session, incident_id, scope)
        job = job_of(session, incident)
        now = self.clock.now()
        if isinstance(job, Timer):
            session.delete(job)  # the waiting timer stays in the state; only this firing is given up
        elif isinstance(job, Outbox):
            job.handled_at = now
        resolve(incident, "skipped", actor, now)
        _history(session, _failure_of(incident), now, "incident_skipped", {"incident": incident.id, "by": actor})
        return incident

    def cancel_incident(self, session: Session, incident_id: int, scope: str, actor: str, reason: str) -> Incident:
        incident = open_incident(session, incident_id, scope)
        if incident.instance_id is None:
            raise Conflict(f"incident {incident_id} belongs to no process instance; retry or skip it")
        job = job_of(session, incident)
        if isinstance(job, Outbox):
            job.handled_at = self.clock.now()
        instance = session.get(ProcessInstance, incident.instance_id)
        if instance.status == InstanceStatus.RUNNING:
            self.cancel(session, instance.id, scope, actor, reason)
        resolve(incident, "cancelled" if instance.status == InstanceStatus.CANCELLED else "obsolete", actor, self.clock.now())
        return incident


def _failure_of(incident: Incident) -> Failure:
    return Failure(incident.scope, incident.instance_id, incident.element, incident.error)

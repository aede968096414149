"""Tables the workflow runtime owns. ``scope`` is an opaque tenant key (the domain passes an
agency identifier, or "default" for the global diagrams); the engine knows nothing more of it."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base

DEFAULT_SCOPE = "default"


class InstanceStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class TaskStatus(StrEnum):
    READY = "ready"          # in someone's queue
    COMPLETED = "completed"  # a person completed it
    CANCELLED = "cancelled"  # the flow withdrew it (a timer, a cancel, a re-route)


class ProcessDefinition(Base):
    __tablename__ = "process_definition"
    __table_args__ = (sa.UniqueConstraint("scope", "key", "version", name="uq_definition_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(35), index=True)
    key: Mapped[str] = mapped_column(sa.String(100))
    version: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(255))
    bpmn_xml: Mapped[str] = mapped_column(sa.Text)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    created_by: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime]
    active: Mapped[bool] = mapped_column(default=True)


class ProcessInstance(Base):
    __tablename__ = "process_instance"

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(sa.ForeignKey("process_definition.id"), index=True)
    scope: Mapped[str] = mapped_column(sa.String(35), index=True)
    business_key: Mapped[str | None] = mapped_column(sa.String(200), index=True)
    status: Mapped[str] = mapped_column(sa.String(20), index=True)  # an InstanceStatus
    state: Mapped[str] = mapped_column(sa.Text)
    state_format: Mapped[int] = mapped_column(default=1)
    version: Mapped[int] = mapped_column(default=1)
    started_by: Mapped[str] = mapped_column(sa.String(100))
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]

    # Optimistic locking: every UPDATE carries "WHERE version = :seen"; a stale writer gets a conflict.
    __mapper_args__ = {"version_id_col": version}


class HumanTask(Base):
    """Projection of a READY user/manual task, rewritten after every step of its instance."""

    __tablename__ = "human_task"
    __table_args__ = (sa.Index("ix_human_task_queue", "scope", "status", "candidate_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(sa.ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(sa.String(35))
    task_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    spec_name: Mapped[str] = mapped_column(sa.String(255))
    title: Mapped[str] = mapped_column(sa.String(255))
    lane: Mapped[str | None] = mapped_column(sa.String(100))
    candidate_role: Mapped[str | None] = mapped_column(sa.String(50))
    candidate_unit: Mapped[str | None] = mapped_column(sa.String(50))
    candidate_user: Mapped[str | None] = mapped_column(sa.String(100))
    assignee: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    form_key: Mapped[str | None] = mapped_column(sa.String(100))
    # The element's domainRole (engine/marks.py): the domain finds its steps by role, not by id.
    role: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime]
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    urgency: Mapped[int] = mapped_column(default=0)  # 0 normal … 3 flash: queues sort on it first
    status: Mapped[str] = mapped_column(sa.String(20), default=TaskStatus.READY)  # a TaskStatus
    completed_by: Mapped[str | None] = mapped_column(sa.String(100))
    completed_at: Mapped[datetime | None]


class Timer(Base):
    __tablename__ = "timer"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(sa.ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str] = mapped_column(sa.String(36))
    spec_name: Mapped[str] = mapped_column(sa.String(255))
    kind: Mapped[str] = mapped_column(sa.String(40))  # TimeDateEventDefinition | DurationTimer… | CycleTimer…
    fire_at: Mapped[datetime] = mapped_column(index=True)
    # A firing that fails (a script error, a broken expression) is retried later, not every sweep.
    attempts: Mapped[int] = mapped_column(default=0)
    retry_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    # Set once the attempts are spent: the timer waits for an administrator (engine/incidents.py).
    incident_id: Mapped[int | None] = mapped_column(sa.ForeignKey("incident.id", ondelete="SET NULL"))


class MessageWait(Base):
    """An instance waiting for a named message, keyed by its correlation value."""

    __tablename__ = "message_wait"
    __table_args__ = (sa.Index("ix_message_wait_lookup", "scope", "name", "correlation_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(sa.ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    # Correlation never crosses agencies: a message reaches only instances of the thrower's scope.
    scope: Mapped[str] = mapped_column(sa.String(35))
    name: Mapped[str] = mapped_column(sa.String(255))
    correlation_key: Mapped[str | None] = mapped_column(sa.String(200))


class Outbox(Base):
    """Work caused by a transaction, written in it and published after it commits."""

    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_pending", "handled_at", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(sa.String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    scope: Mapped[str | None] = mapped_column(sa.String(35))  # whose incident it becomes if it fails
    created_at: Mapped[datetime]
    # Published is not done: a row is done when its handler has run (handled_at). A row published
    # and not handled within the visibility timeout is published again (lost in the broker).
    published_at: Mapped[datetime | None]
    handled_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    retry_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    incident_id: Mapped[int | None] = mapped_column(sa.ForeignKey("incident.id", ondelete="SET NULL"))


class Incident(Base):
    """Work that failed every attempt (a timer's firing, a message's delivery): it waits for the
    scope's process admin to retry it, skip it or cancel the instance; nothing retries it alone."""

    __tablename__ = "incident"
    __table_args__ = (sa.Index("ix_incident_open", "scope", "resolved_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(35))
    instance_id: Mapped[int | None] = mapped_column(sa.ForeignKey("process_instance.id", ondelete="CASCADE"),
                                                    index=True)
    job: Mapped[str] = mapped_column(sa.String(20))  # timer | message | task (a person's step)
    job_id: Mapped[int]
    element: Mapped[str | None] = mapped_column(sa.String(255))
    error: Mapped[str] = mapped_column(sa.Text)
    attempts: Mapped[int]
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(sa.String(20))  # retried | skipped | cancelled | obsolete
    resolved_by: Mapped[str | None] = mapped_column(sa.String(100))


class HistoryEntry(Base):
    """One step of an instance: who did what, when, with which data."""

    __tablename__ = "workflow_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(sa.ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(sa.String(100))
    action: Mapped[str] = mapped_column(sa.String(40))
    spec_name: Mapped[str | None] = mapped_column(sa.String(255))
    title: Mapped[str | None] = mapped_column(sa.String(255))
    data: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)

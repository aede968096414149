"""The transactional outbox: work is written in the transaction that causes it and handed to
the broker only after that transaction commits. A row is done when its handler has run, not when
the broker took it: the relay publishes rows never published, rows whose handling failed once
their retry time comes, and rows published but not handled within the visibility timeout (lost
in the broker: a Redis restart, a worker killed). Handlers are idempotent (mark_handled)."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from . import clock
from .db import is_postgres, unit_of_work
from .models import Outbox

log = logging.getLogger(__name__)

VISIBILITY_TIMEOUT = timedelta(minutes=2)

# Called after a commit that wrote outbox rows; the worker layer sets it to "wake the relay".
_after_commit_hooks: list[Callable[[], None]] = []


def on_commit(hook: Callable[[], None]) -> None:
    """Register ``hook`` once (registering the same hook again changes nothing)."""
    if hook not in _after_commit_hooks:
        _after_commit_hooks.append(hook)


def clear_hooks() -> None:
    _after_commit_hooks.clear()


def enqueue(session: Session, topic: str, payload: dict[str, Any], *, scope: str | None = None) -> Outbox:
    """Write a row in the caller's transaction; ``scope`` owns the incident if its handling fails."""
    row = Outbox(topic=topic, payload=payload, scope=scope, created_at=clock.now(), attempts=0)
    session.add(row)
    session.info["outbox_written"] = True
    return row


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    if session.info.pop("outbox_written", False):
        for hook in list(_after_commit_hooks):
            try:
                hook()
            except Exception:  # best effort: the relay re-publishes what this failed to send
                log.exception("publishing after commit failed; the outbox relay will retry")


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop("outbox_written", None)


def claim_due(session: Session, now: datetime, *, older_than: timedelta = timedelta(0),
              visibility: timedelta = VISIBILITY_TIMEOUT, limit: int = 100) -> list[Outbox]:
    """Rows to publish at ``now``, locked so that two relays never take the same row."""
    waiting = sa.and_(Outbox.published_at.is_(None), sa.or_(Outbox.retry_at.is_(None), Outbox.retry_at <= now))
    lost = Outbox.published_at < now - visibility
    query = (sa.select(Outbox)
             .where(Outbox.handled_at.is_(None), Outbox.incident_id.is_(None), sa.or_(waiting, lost))
             .order_by(Outbox.id).limit(limit))
    if older_than:
        query = query.where(Outbox.created_at <= now - older_than)
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def relay(factory: sessionmaker[Session], publish: Callable[[Outbox], None], *, now: datetime | None = None,
          older_than: timedelta = timedelta(0), visibility: timedelta = VISIBILITY_TIMEOUT, limit: int = 100) -> int:
    """Publish the rows due at ``now`` (the engine's clock: the one retry times were set by); each
    is marked published in the same transaction as its claim, so a crash before the commit leaves
    it to be published again (handlers are idempotent)."""
    at = now or clock.now()
    with unit_of_work(factory) as session:
        rows = claim_due(session, at, older_than=older_than, visibility=visibility, limit=limit)
        for row in rows:
            publish(row)
            row.published_at = at
        return len(rows)


def mark_handled(session: Session, outbox_id: int) -> bool:
    """Claim the right to handle a row exactly once in effect: False when already handled."""
    result = session.execute(
        sa.update(Outbox)
        .where(Outbox.id == outbox_id, Outbox.handled_at.is_(None))
        .values(handled_at=clock.now())
    )
    return result.rowcount == 1

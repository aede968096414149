"""The transactional outbox: work is written in the transaction that causes it and handed to
the broker only after that transaction commits. A row that was never published (a crash
between commit and publish, a lost Redis message) is found again by the relay."""
from __future__ import annotations

from datetime import timedelta
from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

import logging

from . import clock
from .db import is_postgres, unit_of_work
from .models import Outbox

log = logging.getLogger(__name__)

# Called after a commit that wrote outbox rows; the worker layer sets it to "wake the relay".
_after_commit_hooks: list[Callable[[], None]] = []


def on_commit(hook: Callable[[], None]) -> None:
    _after_commit_hooks.append(hook)


def clear_hooks() -> None:
    _after_commit_hooks.clear()


def enqueue(session: Session, topic: str, payload: dict[str, Any]) -> Outbox:
    row = Outbox(topic=topic, payload=payload, created_at=clock.now(), attempts=0)
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


def claim_unpublished(session: Session, *, older_than: timedelta = timedelta(0), limit: int = 100) -> list[Outbox]:
    """Rows not yet handed to the broker, locked so that two relays never take the same row."""
    query = sa.select(Outbox).where(Outbox.published_at.is_(None)).order_by(Outbox.id).limit(limit)
    if older_than:
        query = query.where(Outbox.created_at <= clock.now() - older_than)
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def relay(factory: sessionmaker[Session], publish: Callable[[Outbox], None], *,
          older_than: timedelta = timedelta(0), limit: int = 100) -> int:
    """Publish unpublished rows; each is marked published in the same transaction as its claim,
    so a crash before the commit leaves it to be published again (handlers are idempotent)."""
    with unit_of_work(factory) as session:
        rows = claim_unpublished(session, older_than=older_than, limit=limit)
        for row in rows:
            publish(row)
            row.published_at = clock.now()
            row.attempts += 1
        return len(rows)


def mark_handled(session: Session, outbox_id: int) -> bool:
    """Claim the right to handle a row exactly once in effect: False when already handled."""
    result = session.execute(
        sa.update(Outbox)
        .where(Outbox.id == outbox_id, Outbox.handled_at.is_(None))
        .values(handled_at=clock.now())
    )
    return result.rowcount == 1


def pending_count(session: Session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Outbox).where(Outbox.handled_at.is_(None))) or 0



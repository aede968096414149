"""The audit trail: every action, who did it, when, and what changed (NĐ 30 PL VI III.5)."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from engine import clock

from .models import AuditEvent

OBJECT_ID_LENGTH = AuditEvent.__table__.c.object_id.type.length


def record(session: Session, action: str, *, actor_id: int | None, agency_code: str | None,
           object_type: str | None = None, object_id: Any = None,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> AuditEvent:
    object_id = None if object_id is None else str(object_id)
    if object_id is not None and len(object_id) > OBJECT_ID_LENGTH:
        # A name longer than the column (a sender's reference is up to 200 characters): the
        # column keeps its start for searching, the event keeps it whole.
        after = {**(after or {}), "object_id": object_id}
        object_id = object_id[:OBJECT_ID_LENGTH]
    event = AuditEvent(at=clock.now(), actor_id=actor_id, agency_code=agency_code, action=action,
                       object_type=object_type, object_id=object_id, before=before, after=after)
    session.add(event)
    return event

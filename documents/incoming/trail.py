"""The audit event of an action on an incoming document (NĐ 30 PL VI III.5: every action is logged)."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from .. import audit
from ..accounts import Identity

OBJECT_TYPE = "incoming_document"


def record(session: Session, who: Identity, action: str, document_id: int, after: dict[str, Any]) -> None:
    audit.record(session, action, actor_id=who.user_id, agency_code=who.agency_code, object_type=OBJECT_TYPE,
                 object_id=document_id, after=after)

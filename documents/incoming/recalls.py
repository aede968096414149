"""The recipient's side of a recall, update or replacement asked by the sender of a received
document (edXML business types 1–3, status 13): the request arrives through the outbox, the
clerk confirms (15) or refuses (16) with a reason, and the sender is told.

(Foundation stub: filled in by the recall work of issue 10.)"""
from __future__ import annotations

from sqlalchemy.orm import Session

TOPIC = "outgoing.recall"


def arrive(system, session: Session, outbox_id: int) -> bool:
    """Handle one outbox row of TOPIC; False when it was handled before (idempotent)."""
    raise NotImplementedError

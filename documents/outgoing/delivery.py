"""Delivery of an issued document to its recipients of this deployment: one outbox row per
recipient, written in the issue's transaction, handled by the workers, arriving in the
recipient's incoming queue (documents/incoming/service.receive_electronic).

(Foundation stub: filled in by the delivery work of issue 10.)"""
from __future__ import annotations

from sqlalchemy.orm import Session

from .models import OutgoingDocument

TOPIC = "outgoing.deliver"


def enqueue(session: Session, document: OutgoingDocument) -> None:
    """Called by the issue, in its transaction: one outbox row per recipient of this deployment,
    one interchange message per external recipient."""


def deliver(system, session: Session, outbox_id: int) -> bool:
    """Handle one outbox row of TOPIC; False when it was handled before (idempotent)."""
    raise NotImplementedError

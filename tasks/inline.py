"""The outbox's work, run in this process: one handler per topic (the actors call it), and a
synchronous drain for tests, benchmarks and maintenance — what the workers do, without a broker.

A handler that fails is never retried by the broker: its failure is counted on the outbox row
(engine.runtime.outbox_failed), which the relay publishes again at its retry time, and which
becomes an incident for the scope's process admin when its attempts are spent."""
from __future__ import annotations

import logging
from typing import Callable

from sqlalchemy.orm import Session

from documents.exchange import statuses as exchange_statuses
from documents.incoming import recalls as incoming_recalls
from documents.notifications import email as notification_email
from documents.outgoing import delivery as outgoing_delivery
from documents.system import System
from engine import incidents, outbox
from engine.db import unit_of_work
from engine.runtime import MESSAGE_TOPIC

log = logging.getLogger(__name__)

# topic -> how one outbox row of that topic is handled (idempotent: a redelivery is a no-op)
HANDLERS: dict[str, Callable[[System, Session, int], object]] = {
    MESSAGE_TOPIC: lambda system, session, outbox_id: system.runtime.handle_outbox_message(session, outbox_id),
    exchange_statuses.TOPIC: lambda system, session, outbox_id: exchange_statuses.deliver(session, outbox_id),
    outgoing_delivery.TOPIC: outgoing_delivery.deliver,
    incoming_recalls.TOPIC: incoming_recalls.arrive,
    notification_email.TOPIC: notification_email.deliver,
}


def handle(system: System, topic: str, outbox_id: int) -> bool:
    """Handle one outbox row in its own transaction; False when it failed (and was counted)."""
    try:
        with unit_of_work(system.sessions) as session:
            HANDLERS[topic](system, session, outbox_id)
        return True
    except Exception as exc:
        if incidents.is_connection_error(exc):
            raise  # the database is away: the row stays published and unhandled, the relay takes it again
        system.runtime.outbox_failed(system.sessions, outbox_id, exc)
        return False


def drain(system: System, rounds: int = 3) -> int:
    """Publish the outbox and handle every row here; a handled row may write new ones, hence up
    to ``rounds`` rounds, stopping at the first that finds nothing. Returns the rows handled."""
    handled = 0
    for _ in range(rounds):
        published: list[tuple[str, int]] = []
        outbox.relay(system.sessions, lambda row: published.append((row.topic, row.id)), now=system.runtime.clock.now())
        if not published:
            break
        for topic, outbox_id in published:
            handled += handle(system, topic, outbox_id)
    return handled

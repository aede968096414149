"""The outbox's work, run in this process: one handler per topic (the actors call it), and a
synchronous drain for tests, benchmarks and maintenance — what the workers do, without a broker."""
from __future__ import annotations

from typing import Callable

from sqlalchemy.orm import Session

from documents.exchange import statuses as exchange_statuses
from documents.system import System
from engine import outbox
from engine.db import unit_of_work
from engine.runtime import MESSAGE_TOPIC

# topic -> how one outbox row of that topic is handled (idempotent: a redelivery is a no-op)
HANDLERS: dict[str, Callable[[System, Session, int], object]] = {
    MESSAGE_TOPIC: lambda system, session, outbox_id: system.runtime.handle_outbox_message(session, outbox_id),
    exchange_statuses.TOPIC: lambda system, session, outbox_id: exchange_statuses.deliver(session, outbox_id),
}


def handle(system: System, topic: str, outbox_id: int) -> None:
    """Handle one outbox row in its own transaction."""
    with unit_of_work(system.sessions) as session:
        HANDLERS[topic](system, session, outbox_id)


def drain(system: System, rounds: int = 3) -> int:
    """Publish the outbox and handle every row here; a handled row may write new ones, hence up
    to ``rounds`` rounds, stopping at the first that finds nothing. Returns the rows handled."""
    handled = 0
    for _ in range(rounds):
        published: list[tuple[str, int]] = []
        outbox.relay(system.sessions, lambda row: published.append((row.topic, row.id)))
        if not published:
            break
        for topic, outbox_id in published:
            handle(system, topic, outbox_id)
            handled += 1
    return handled

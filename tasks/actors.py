"""The actors. Named "area.verb", take ids and JSON scalars, idempotent."""
from __future__ import annotations

import logging
from datetime import timedelta

import dramatiq
from dramatiq.brokers.stub import StubBroker

from documents.exchange import statuses as exchange_statuses
from engine import outbox
from engine.db import unit_of_work
from engine.runtime import MESSAGE_TOPIC

from . import context, inline

log = logging.getLogger(__name__)

# Actors are declared on a placeholder and attached to the real broker by bind(), so importing
# this module never connects anywhere.
_placeholder = StubBroker()


@dramatiq.actor(broker=_placeholder, actor_name="engine.advance", max_retries=5, min_backoff=1_000, max_backoff=60_000)
def advance(instance_id: int) -> None:
    system = context.system()
    with unit_of_work(system.sessions) as session:
        system.runtime.advance(session, instance_id)


@dramatiq.actor(broker=_placeholder, actor_name="engine.deliver", max_retries=5, min_backoff=1_000, max_backoff=60_000)
def deliver(outbox_id: int) -> None:
    inline.handle(context.system(), MESSAGE_TOPIC, outbox_id)


@dramatiq.actor(broker=_placeholder, actor_name="exchange.deliver_status", max_retries=5, min_backoff=1_000,
                max_backoff=60_000)
def deliver_status(outbox_id: int) -> None:
    inline.handle(context.system(), exchange_statuses.TOPIC, outbox_id)


@dramatiq.actor(broker=_placeholder, actor_name="engine.sweep_timers", max_retries=0)
def sweep_timers() -> None:
    system = context.system()
    fired = system.runtime.fire_due(system.sessions)
    if fired:
        log.info("fired %d timer(s)", fired)


# Topics in the outbox and the actor that handles each.
HANDLERS = {MESSAGE_TOPIC: deliver, exchange_statuses.TOPIC: deliver_status}


def _publish(row: outbox.Outbox) -> None:
    HANDLERS[row.topic].send(row.id)


@dramatiq.actor(broker=_placeholder, actor_name="outbox.relay", max_retries=0)
def relay(older_than_seconds: float = 0.0) -> None:
    system = context.system()
    published = outbox.relay(system.sessions, _publish, older_than=timedelta(seconds=older_than_seconds))
    if published:
        log.info("published %d outbox message(s)", published)


ALL = (advance, deliver, deliver_status, sweep_timers, relay)


def bind(broker: dramatiq.Broker) -> None:
    """Attach every actor to ``broker`` (the process may build more than one app, e.g. in tests)."""
    dramatiq.set_broker(broker)
    for actor in ALL:
        actor.broker = broker
        broker.declare_actor(actor)


def wake_relay() -> None:
    """After a commit that wrote outbox rows: publish them now rather than at the next sweep."""
    relay.send()

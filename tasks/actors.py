"""The actors. Named "area.verb", take ids and JSON scalars, idempotent.

Retries are not the broker's: a failed handling is counted on its outbox row and a failed timer
on its timer row, retried with backoff from the database and then raised as an incident
(engine/incidents.py), so the actors themselves never retry (max_retries=0) and nothing fails
in a dead-letter queue nobody reads."""
from __future__ import annotations

import logging
from datetime import timedelta

import dramatiq
from dramatiq.brokers.stub import StubBroker

from documents.exchange import statuses as exchange_statuses
from documents.incoming import recalls as incoming_recalls
from documents.notifications import digest as notification_digest
from documents.notifications import email as notification_email
from documents.outgoing import delivery as outgoing_delivery
from engine import outbox
from engine.runtime import MESSAGE_TOPIC

from . import context, inline

log = logging.getLogger(__name__)

# Actors are declared on a placeholder and attached to the real broker by bind(), so importing
# this module never connects anywhere.
_placeholder = StubBroker()
SWEEP_SECONDS = 30.0  # one sweep's work before it hands over to the next message
HELP_AFTER_SECONDS = 1.0  # a sweep still finding work after this long asks another worker to join


@dramatiq.actor(broker=_placeholder, actor_name="engine.deliver", max_retries=0)
def deliver(outbox_id: int) -> None:
    inline.handle(context.system(), MESSAGE_TOPIC, outbox_id)


@dramatiq.actor(broker=_placeholder, actor_name="exchange.deliver_status", max_retries=0)
def deliver_status(outbox_id: int) -> None:
    inline.handle(context.system(), exchange_statuses.TOPIC, outbox_id)


@dramatiq.actor(broker=_placeholder, actor_name="engine.sweep_timers", max_retries=0, time_limit=120_000)
def sweep_timers() -> None:
    """Fire what is due. A burst (deadlines in working time cluster at 07:30 and 13:30) is shared
    at once: a sweep that fired something in its first second and still sees timers due sends
    one more sweep, so an idle worker thread or process joins now rather than at the scheduler's
    next tick (the helper does the same, until every idle worker is busy). Only a sweep that fired
    asks for help, so timers another sweep holds locked never make sweeps chase each other. When
    the budget runs out with timers still due, it sweeps on in a new message."""
    system = context.system()
    runtime, sessions = system.runtime, system.sessions
    fired = runtime.fire_due(sessions, budget_seconds=HELP_AFTER_SECONDS)
    if fired and runtime.timers_due(sessions):
        sweep_timers.send()
        fired += runtime.fire_due(sessions, budget_seconds=SWEEP_SECONDS - HELP_AFTER_SECONDS)
        if runtime.timers_due(sessions):
            sweep_timers.send()
    if fired:
        log.info("fired %d timer(s)", fired)


@dramatiq.actor(broker=_placeholder, actor_name="outgoing.deliver", max_retries=0)
def deliver_document(outbox_id: int) -> None:
    inline.handle(context.system(), outgoing_delivery.TOPIC, outbox_id)


@dramatiq.actor(broker=_placeholder, actor_name="outgoing.recall", max_retries=0)
def deliver_recall(outbox_id: int) -> None:
    inline.handle(context.system(), incoming_recalls.TOPIC, outbox_id)


@dramatiq.actor(broker=_placeholder, actor_name="notify.email", max_retries=0)
def deliver_email(outbox_id: int) -> None:
    inline.handle(context.system(), notification_email.TOPIC, outbox_id)


@dramatiq.actor(broker=_placeholder, actor_name="notify.digest", max_retries=0, time_limit=120_000)
def send_digests() -> None:
    """The daily digests due now (each person's once a day, whichever worker writes it)."""
    written = notification_digest.send_due(context.system())
    if written:
        log.info("wrote %d digest(s)", written)


# Topics in the outbox and the actor that handles each.
HANDLERS = {MESSAGE_TOPIC: deliver, exchange_statuses.TOPIC: deliver_status,
            outgoing_delivery.TOPIC: deliver_document, incoming_recalls.TOPIC: deliver_recall,
            notification_email.TOPIC: deliver_email}


def _publish(row: outbox.Outbox) -> None:
    HANDLERS[row.topic].send(row.id)


@dramatiq.actor(broker=_placeholder, actor_name="outbox.relay", max_retries=0)
def relay(older_than_seconds: float = 0.0) -> None:
    system = context.system()
    published = outbox.relay(system.sessions, _publish, now=system.runtime.clock.now(),
                             older_than=timedelta(seconds=older_than_seconds))
    if published:
        log.info("published %d outbox message(s)", published)


ALL = (deliver, deliver_status, deliver_document, deliver_recall, deliver_email, send_digests, sweep_timers, relay)


def bind(broker: dramatiq.Broker) -> None:
    """Attach every actor to ``broker`` (the process may build more than one app, e.g. in tests)."""
    dramatiq.set_broker(broker)
    for actor in ALL:
        actor.broker = broker
        broker.declare_actor(actor)


def wake_relay() -> None:
    """After a commit that wrote outbox rows: publish them now rather than at the next sweep."""
    relay.send()

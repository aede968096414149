"""The delivery through the real Redis broker and a Dramatiq worker, as deployed: the issue's
commit wakes the relay, the worker delivers the document into B's queue, and the arrival (01)
travels back to A the same way — each message handled once although it is sent twice."""
from __future__ import annotations

import sqlalchemy as sa
from dramatiq import Worker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from documents.incoming.models import IncomingDocument
from documents.outgoing import delivery, tracking
from engine import outbox
from engine.db import unit_of_work
from engine.models import Outbox
from tasks import actors, context
from tests.conftest import REDIS_URL
from tests.integration.conftest import clean_redis  # noqa: F401  (the fixture)

from .delivery_fixtures import B, issue, world  # noqa: F401  (the fixture)


def test_delivery_through_redis_and_a_worker(world, clean_redis):  # noqa: F811
    broker = RedisBroker(url=REDIS_URL)
    actors.bind(broker)
    context.use(world.system)
    outbox.on_commit(actors.wake_relay)  # as tasks/worker.py: a commit with outbox rows wakes the relay
    worker = Worker(broker, worker_threads=2, worker_timeout=100)
    worker.start()
    try:
        document_id = issue(world, recipients=[{"agency": B}])  # its commit publishes the delivery
        with unit_of_work(world.system.sessions) as session:
            outbox_id = session.scalar(sa.select(Outbox.id).where(Outbox.topic == delivery.TOPIC))
        actors.deliver_document.send(outbox_id)  # a duplicate, as a redelivered message
        broker.join("default", timeout=30_000)
        worker.join()
    finally:
        worker.stop()
        outbox.clear_hooks()
        actors.bind(StubBroker())
        broker.close()

    with unit_of_work(world.system.sessions) as session:
        copies = session.scalars(sa.select(IncomingDocument)).all()
        assert [(c.agency_id, c.status, c.number_notation) for c in copies] == \
            [(world.people["b.clerk"].agency_id, "01", "12/CQA-KT")]
        assert [c["verdict"] for c in copies[0].signature_check] == ["valid"]
        rows = session.scalars(sa.select(Outbox)).all()
        assert all(row.handled_at is not None and row.attempts == 0 for row in rows) and len(rows) == 2
    view = world.run(tracking.of_document, world.people["a.clerk"], document_id)
    assert [(s.recipient.status, [h.code for h in s.history]) for s in view.recipients] == [("01", ["01"])]

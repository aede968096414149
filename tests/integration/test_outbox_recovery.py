"""A crash between commit and publish loses nothing: the message written in the transaction
is found by the relay, published through the real Redis, and delivered exactly once."""
from __future__ import annotations

import sqlalchemy as sa
from dramatiq import Worker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from engine import outbox
from engine.db import unit_of_work
from engine.models import Outbox
from engine.runtime import Principal
from tasks import actors, context
from tests.conftest import REDIS_URL
from tests.engine import diagrams

SCOPE = "000.00.01.H99"


def _crashing_publish() -> None:
    raise RuntimeError("process died before publishing")


def test_crash_between_commit_and_publish_loses_nothing(pg, clean_redis):
    runtime = pg.runtime
    with unit_of_work(pg.sessions) as session:
        runtime.deploy(session, "default", diagrams.SENDER, "t")
        runtime.deploy(session, "default", diagrams.RECEIVER, "t")
    with unit_of_work(pg.sessions) as session:
        receiver = runtime.start(session, SCOPE, "receiver", "t", business_key="doc-7").id
        sender = runtime.start(session, SCOPE, "sender", "t").id
        write = runtime.open_tasks(session, sender)[0].id

    broker = RedisBroker(url=REDIS_URL)
    actors.bind(broker)
    context.use(pg)
    outbox.on_commit(_crashing_publish)
    try:
        with unit_of_work(pg.sessions) as session:
            runtime.complete(session, write, Principal("u", SCOPE, frozenset({"staff"})),
                             {"target": "doc-7", "note": "thu hồi"})
        outbox.clear_hooks()  # the commit happened; the publish after it "crashed"

        with unit_of_work(pg.sessions) as session:
            row = session.scalar(sa.select(Outbox))
            assert row.published_at is None and row.handled_at is None
            assert [t.spec_name for t in runtime.open_tasks(session, receiver)] == []
        assert clean_redis.llen("dramatiq:default") == 0  # nothing reached the broker

        # Recovery: the periodic relay publishes it; a worker on Redis delivers it.
        worker = Worker(broker, worker_threads=1, worker_timeout=100)
        worker.start()
        try:
            actors.relay.send()
            actors.deliver.send(row.id)  # a duplicate delivery, as after a redelivered message
            broker.join("default", timeout=20_000)
            worker.join()
        finally:
            worker.stop()

        with unit_of_work(pg.sessions) as session:
            row = session.get(Outbox, row.id)
            assert row.published_at is not None and row.handled_at is not None
            assert [t.spec_name for t in runtime.open_tasks(session, receiver)] == ["read"]
            messages = [h for h in runtime.history(session, receiver) if h.action == "message"]
            assert len(messages) == 1
    finally:
        outbox.clear_hooks()
        actors.bind(StubBroker())
        broker.close()

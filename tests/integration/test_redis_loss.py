"""A message is done when its handler has run, not when Redis took it. The worker is stopped,
the relay publishes, Redis restarts without saving (a restart or failover while the worker was
behind), the worker starts again: after the visibility timeout the relay publishes the lost
rows again and every message is delivered exactly once. A Redis server of the test's own,
on a free port, so the shared one is never restarted."""
from __future__ import annotations

import socket
import subprocess
import time
from typing import Iterator

import pytest
import redis
import sqlalchemy as sa
from dramatiq import Worker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from engine import outbox
from engine.db import unit_of_work
from engine.models import HistoryEntry, Outbox
from engine.runtime import Principal
from tasks import actors, context
from tests.engine import diagrams
from tests.tools import require_program

SCOPE = "000.00.01.H99"
LETTERS = 12


class PrivateRedis:
    def __init__(self, program: str) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.program, self.process = program, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen([self.program, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                         "--appendonly", "no"], stdout=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        # Until it answers or exits: a refused connection returns at once, so a count of tries
        # could run out before the server has even bound its port on a loaded machine.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                pass
        raise RuntimeError(f"the test's Redis did not start (exit code {self.process.poll()})")

    def crash(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis(require_program("redis-server", "redis-server"))
    server.start()
    yield server
    server.crash()


def test_messages_lost_by_a_redis_restart_are_delivered_exactly_once(pg, clock, private_redis):
    runtime = pg.runtime
    with unit_of_work(pg.sessions) as session:
        runtime.deploy(session, "default", diagrams.SENDER, "t")
        runtime.deploy(session, "default", diagrams.RECEIVER, "t")
    receivers = []
    for n in range(LETTERS):
        with unit_of_work(pg.sessions) as session:
            receivers.append(runtime.start(session, SCOPE, "receiver", "t", business_key=f"doc-{n}").id)
            sender = runtime.start(session, SCOPE, "sender", "t").id
            write = runtime.open_tasks(session, sender)[0].id
        with unit_of_work(pg.sessions) as session:
            runtime.complete(session, write, Principal("u", SCOPE, frozenset({"staff"})),
                             {"target": f"doc-{n}", "note": f"thư {n}"})

    broker = RedisBroker(url=private_redis.url)
    actors.bind(broker)
    context.use(pg)
    try:
        # The worker is stopped: the relay hands every row to Redis, where they wait.
        assert outbox.relay(pg.sessions, actors._publish, now=clock.now()) == LETTERS
        assert redis.Redis.from_url(private_redis.url).llen("dramatiq:default") == LETTERS
        private_redis.crash()
        private_redis.start()  # empty: --save "" --appendonly no
        broker.close()
        broker = RedisBroker(url=private_redis.url)
        actors.bind(broker)

        worker = Worker(broker, worker_threads=2, worker_timeout=100)
        worker.start()
        try:
            assert outbox.relay(pg.sessions, actors._publish, now=clock.now()) == 0  # not yet: maybe in flight
            clock.advance(seconds=outbox.VISIBILITY_TIMEOUT.total_seconds() + 1)
            assert outbox.relay(pg.sessions, actors._publish, now=clock.now()) == LETTERS
            for row_id in _row_ids(pg):  # and a late duplicate of each, as a redelivery would be
                actors.deliver.send(row_id)
            broker.join("default", timeout=60_000)
            worker.join()
        finally:
            worker.stop()
    finally:
        actors.bind(StubBroker())
        broker.close()

    with unit_of_work(pg.sessions) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Outbox).where(Outbox.handled_at.is_(None))) == 0
        caught = session.execute(sa.select(HistoryEntry.instance_id, sa.func.count())
                                 .where(HistoryEntry.action == "message").group_by(HistoryEntry.instance_id)).all()
        assert sorted(caught) == sorted((instance_id, 1) for instance_id in receivers)
        assert all([t.spec_name for t in runtime.open_tasks(session, r)] == ["read"] for r in receivers)
    assert outbox.relay(pg.sessions, actors._publish, now=clock.now() + outbox.VISIBILITY_TIMEOUT * 10) == 0


def _row_ids(pg) -> list[int]:
    with unit_of_work(pg.sessions) as session:
        return list(session.scalars(sa.select(Outbox.id)))

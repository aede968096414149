"""Chooses the broker: Redis when REDIS_URL is set, otherwise an in-memory broker served by a
worker thread inside the web process (the embedded default)."""
from __future__ import annotations

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from documents.settings import Settings


REDIS_CONNECT_SECONDS = 5


def make_broker(settings: Settings) -> dramatiq.Broker:
    if settings.redis_url:
        # A bounded connect: an unreachable Redis host (no refusal, just silence) must not hang the
        # readiness probe or a request publishing after its commit.
        client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=REDIS_CONNECT_SECONDS)
        return RedisBroker(client=client)
    return StubBroker()


def is_embedded(broker: dramatiq.Broker) -> bool:
    return isinstance(broker, StubBroker)


def ping(broker: dramatiq.Broker) -> None:
    """Raise if the broker cannot be reached (health check)."""
    if isinstance(broker, RedisBroker):
        broker.client.ping()

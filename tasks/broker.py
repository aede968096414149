"""Chooses the broker: Redis when REDIS_URL is set, otherwise an in-memory broker served by a
worker thread inside the web process (the embedded default)."""
from __future__ import annotations

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from documents.settings import Settings


def make_broker(settings: Settings) -> dramatiq.Broker:
    if settings.redis_url:
        return RedisBroker(url=settings.redis_url)
    return StubBroker()


def is_embedded(broker: dramatiq.Broker) -> bool:
    return isinstance(broker, StubBroker)


def ping(broker: dramatiq.Broker) -> None:
    """Raise if the broker cannot be reached (health check)."""
    if isinstance(broker, RedisBroker):
        broker.client.ping()

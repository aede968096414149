from __future__ import annotations

from typing import Iterator

import pytest
import redis

from tests.conftest import REDIS_URL


@pytest.fixture
def clean_redis() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()

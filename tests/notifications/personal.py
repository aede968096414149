"""What the tests of one's own notifications and choices share (H3's: the centre, the email
choices): PostgreSQL only, the test's clock as the services' context clock, a service call in a
unit of work of its own as a request makes it."""
from __future__ import annotations

import pytest

from engine import clock as clocks
from engine.db import unit_of_work


@pytest.fixture
def system(pg):
    return pg


@pytest.fixture(autouse=True)
def context_clock(clock):
    """The services read the engine's context clock: the test's."""
    with clocks.using(clock):
        yield clock


def run(system, function, *args, **kwargs):
    with unit_of_work(system.sessions) as session:
        return function(session, *args, **kwargs)

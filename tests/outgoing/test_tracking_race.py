"""Two clerks mark the same paper copy sent at once: the second waits for the first's row lock,
then finds it sent (409); one record, one audit event. Row locks are PostgreSQL's (the world is)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from documents import accounts
from documents.errors import Conflict
from documents.models import Agency, AuditEvent
from documents.outgoing import tracking
from engine import clock as clocks
from engine.db import unit_of_work
from tests.conftest import PASSWORD

from .delivery_fixtures import A, issue, world  # noqa: F401  (the fixture)


def test_two_clerks_at_once_the_second_waits_then_gets_409(world, clock):
    document_id = issue(world, recipients=[{"external": ("000.00.00.G01", "Văn phòng Chính phủ"), "paper": True}])
    with unit_of_work(world.system.sessions) as session:
        agency = session.scalar(sa.select(Agency).where(Agency.code == A))
        second = accounts.identity_of(session, accounts.create_user(session, agency, "a.clerk2", "clerk2 a", PASSWORD,
                                                                    ["clerk"]))
    (recipient_id,) = [s.recipient.id for s in world.run(tracking.of_document, world.people["a.clerk"],
                                                            document_id).recipients]

    def second_clerk():
        with clocks.using(clock):
            return world.run(tracking.mark_paper_sent, second, document_id, recipient_id)

    with ThreadPoolExecutor(max_workers=1) as pool:
        with unit_of_work(world.system.sessions) as session:
            tracking.mark_paper_sent(session, world.people["a.clerk"], document_id, recipient_id)
            racer = pool.submit(second_clerk)
            with pytest.raises(TimeoutError):  # it waits for the first clerk's row lock
                racer.result(timeout=1.0)
        with pytest.raises(Conflict):  # then finds the copy sent
            racer.result(timeout=10)
    with unit_of_work(world.system.sessions) as session:
        events = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "outgoing.paper_sent")).all()
        assert [e.actor_id for e in events] == [world.people["a.clerk"].user_id]

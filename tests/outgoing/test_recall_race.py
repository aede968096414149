"""Two people on the same recall at once — A's clerk and leader recalling, B's two clerks
answering: the second waits for the first's row lock, then finds it done (409). And a request
that reaches B before the document it recalls: counted as a failure, taken again once the
document has arrived. Row locks are PostgreSQL's: this module runs there."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from documents import accounts
from documents.errors import Conflict
from documents.incoming import recalls as received
from documents.incoming.models import IncomingRecall
from documents.models import Agency
from documents.outgoing import recalls
from documents.outgoing.models import OutgoingRecall
from engine import clock as clocks
from engine.db import unit_of_work
from engine.models import Outbox
from tasks import inline
from tests.conftest import PASSWORD

from .delivery_fixtures import B, issue, world  # noqa: F401  (the fixture)
from .test_recall import pending, taken_in


def _racing(world, clock, first, second):
    """``first`` holds its transaction open while ``second`` runs in another thread: the second
    waits for the lock, then (the first committed) raises a conflict."""
    def in_thread():
        with clocks.using(clock), unit_of_work(world.system.sessions) as session:
            return second(session)

    with ThreadPoolExecutor(max_workers=1) as pool:
        with unit_of_work(world.system.sessions) as session:
            first(session)
            racer = pool.submit(in_thread)
            with pytest.raises(TimeoutError):  # it waits for the first one's row lock
                racer.result(timeout=1.0)
        with pytest.raises(Conflict):
            racer.result(timeout=10)


def test_the_clerk_and_the_leader_recall_at_once_one_wins(world, clock):
    document_id, _ = taken_in(world)
    _racing(world, clock,
            lambda s: recalls.request_recall(s, world.people["a.clerk"], document_id, "Văn thư thu hồi"),
            lambda s: recalls.request_recall(s, world.people["a.leader"], document_id, "Lãnh đạo thu hồi"))
    with unit_of_work(world.system.sessions) as session:
        assert session.scalars(sa.select(OutgoingRecall.reason)).all() == ["Văn thư thu hồi"]
        assert session.scalar(sa.select(sa.func.count()).select_from(Outbox)
                              .where(Outbox.topic == received.TOPIC)) == 1


def test_two_clerks_answer_at_once_one_wins(world, clock):
    document_id, _ = taken_in(world)
    with unit_of_work(world.system.sessions) as session:
        agency = session.scalar(sa.select(Agency).where(Agency.code == B))
        second = accounts.identity_of(session, accounts.create_user(session, agency, "b.clerk2", "clerk2 b", PASSWORD,
                                                                    ["clerk"]))
        recalls.request_recall(session, world.people["a.clerk"], document_id, "Ban hành nhầm")
    inline.drain(world.system)
    [asked] = pending(world)
    runtime = world.system.runtime
    _racing(world, clock,
            lambda s: received.answer(s, runtime, world.people["b.clerk"], asked.id, "accept", None),
            lambda s: received.answer(s, runtime, second, asked.id, "refuse", "Không đồng ý"))
    with unit_of_work(world.system.sessions) as session:
        assert session.get(IncomingRecall, asked.id).answer == "15"


def test_a_request_before_its_document_is_taken_again_once_it_has_arrived(world, clock):
    document_id = issue(world, recipients=[{"agency": B}])
    with unit_of_work(world.system.sessions) as session:
        recalls.request_recall(session, world.people["a.clerk"], document_id, "Ban hành nhầm")
        session.flush()
        request_id = session.scalar(sa.select(Outbox.id).where(Outbox.topic == received.TOPIC))
    assert inline.handle(world.system, received.TOPIC, request_id) is False  # B has no copy yet
    with unit_of_work(world.system.sessions) as session:
        row = session.get(Outbox, request_id)
        assert (row.attempts, row.handled_at) == (1, None) and "no document" in row.last_error
    inline.drain(world.system)  # the document arrives; the request waits for its retry time
    clock.advance(hours=1)
    inline.drain(world.system)
    assert [r.kind for r in pending(world)] == ["recall"]

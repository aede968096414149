"""Two people resolve the same re-assignment request at once, on PostgreSQL: the second waits
for the first's row lock, then finds the request resolved and gets 409 with nothing changed."""
from __future__ import annotations

import threading

import pytest

from documents.errors import Conflict
from documents.incoming import handling, reassignment
from documents.incoming.models import IncomingDocument
from engine import clock as clocks
from engine.db import unit_of_work


@pytest.fixture
def system(pg):
    return pg


def test_the_second_resolver_waits_then_gets_409(case, bureau, clock):
    document_id = case.handled()
    request = case.run(reassignment.ask, bureau["a.staff"], document_id, "Bận việc khác")
    outcome = {}

    def second() -> None:
        with clocks.using(clock):
            try:
                case.run(handling.reassign, case.system.runtime, bureau["a.leader"], document_id,
                         lead_user_id=bureau["a.staff2"].user_id, lead_unit_id=None, reason="Giao người khác",
                         request_id=request.id)
            except Conflict as exc:
                outcome["refused"] = exc

    with unit_of_work(case.system.sessions) as session:
        reassignment.decline(session, bureau["a.head1"], document_id, request.id, "Phòng không còn người")
        racer = threading.Thread(target=second)
        racer.start()
        racer.join(timeout=1.0)
        assert racer.is_alive(), "the second resolver should wait for the first one's lock"
    racer.join(timeout=10)
    assert isinstance(outcome.get("refused"), Conflict)
    (resolved,) = case.run(lambda s: reassignment.of(s, s.get(IncomingDocument, document_id)))
    assert (resolved.state, resolved.resolved_by) == ("declined", bureau["a.head1"].user_id)
    case.act("a.staff", document_id, "handle", {"result": "Vẫn tôi xử lý", "completed": True})

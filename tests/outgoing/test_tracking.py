"""The sender follows each recipient (002 Đ10.3): 01 on arrival, 03 once the recipient's clerk
accepts, 02 with its reason on a refusal, the recall answers; paper copies listed and marked
sent once; the tracking is its agency's, and among them its drafter's, clerks' and leaders'."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from documents.errors import Conflict, NotAllowed, NotFound
from documents.exchange import statuses
from documents.incoming import service
from documents.models import AuditEvent
from documents.outgoing import tracking
from engine import clock
from engine.db import unit_of_work
from tasks import inline

from .delivery_fixtures import A, B, issue, world  # noqa: F401  (the fixture)


def _states(world, document_id, who="a.clerk"):
    view = world.run(tracking.of_document, world.people[who], document_id)
    return [(s.recipient.name, s.recipient.status, s.recipient.status_reason, [h.code for h in s.history])
            for s in view.recipients]


def _arrived_at_b(world, document_id):
    view = world.run(tracking.of_document, world.people["a.clerk"], document_id)
    return view.recipients[0].recipient.delivered_document_id


def test_arrival_then_acceptance_reach_the_sender(world):
    document_id = issue(world, recipients=[{"agency": B}])
    inline.drain(world.system)
    assert _states(world, document_id) == [("Cơ quan B", "01", None, ["01"])]

    world.run(lambda s: service.accept(s, world.system.runtime, world.people["b.clerk"], _arrived_at_b(world, document_id)))
    inline.drain(world.system)
    assert _states(world, document_id) == [("Cơ quan B", "03", None, ["01", "03"])]
    # The drafter and the leader see the same; so would the signer.
    assert _states(world, document_id, "a.staff") == _states(world, document_id, "a.leader")


def test_a_refusal_reaches_the_sender_with_its_reason(world):
    document_id = issue(world, recipients=[{"agency": B}])
    inline.drain(world.system)
    world.run(service.refuse, world.people["b.clerk"], _arrived_at_b(world, document_id), "Không thuộc thẩm quyền")
    inline.drain(world.system)
    assert _states(world, document_id) == [("Cơ quan B", "02", "Không thuộc thẩm quyền", ["01", "02"])]


def test_statuses_handled_out_of_order_leave_the_latest(world):
    """Two workers may handle 03 before 01: the recipient's row still ends at the latest."""
    document_id = issue(world, recipients=[{"agency": B}])
    inline.drain(world.system)
    incoming_id = _arrived_at_b(world, document_id)
    later = clock.now().replace(hour=5)

    def report(session, code, at, reason=None):
        agencies = dict(session.execute(sa.text("SELECT code, id FROM agency")).all())
        statuses.send(session, sender_agency_id=agencies[A], sender_reference=f"{A},2026/11/23,12/CQA-KT",
                      recipient_agency_id=agencies[B], recipient_document_id=incoming_id, code=code, at=at,
                      reason=reason)

    world.run(report, "05", later)
    world.run(report, "04", later.replace(hour=4))  # handled after 05, happened before it
    inline.drain(world.system)
    assert _states(world, document_id)[0][1] == "05"
    world.run(report, "16", later, "Văn bản đã được xử lý xong")
    inline.drain(world.system)
    view = world.run(tracking.of_document, world.people["a.clerk"], document_id)
    row = view.recipients[0].recipient
    assert (row.status, row.recall_status, row.recall_reason) == ("05", "16", "Văn bản đã được xử lý xong")
    assert row.recall_answered_at == later


def test_only_the_drafter_the_signer_clerks_and_leaders_follow_it_and_other_agencies_not_at_all(world):
    document_id = issue(world, recipients=[{"agency": B}])
    with pytest.raises(NotFound):
        world.run(tracking.of_document, world.people["b.clerk"], document_id)
    with pytest.raises(NotFound):
        world.run(tracking.of_document, world.people["b.leader"], document_id)
    with pytest.raises(NotAllowed):
        world.run(tracking.of_document, world.people["a.outsider"], document_id)
    with pytest.raises(NotAllowed):
        world.run(tracking.of_document, world.people["a.head"], document_id)
    world.run(tracking.of_document, world.people["a.staff"], document_id)  # the drafter


def test_paper_copies_are_listed_until_sent_once(world):
    document_id = issue(world, recipients=[{"external": ("000.00.00.G01", "Văn phòng Chính phủ"), "paper": True},
                                           {"agency": B}])
    clerk = world.people["a.clerk"]
    listed = world.run(lambda s: [(d.id, r.name) for d, r in tracking.paper_to_send(s, clerk)])
    assert listed == [(document_id, "Văn phòng Chính phủ")]
    view = world.run(tracking.of_document, clerk, document_id)
    paper_id, other_id = (s.recipient.id for s in view.recipients)
    assert view.may_mark_paper

    with pytest.raises(NotAllowed):
        world.run(tracking.mark_paper_sent, world.people["a.staff"], document_id, paper_id)
    with pytest.raises(NotFound):
        world.run(tracking.mark_paper_sent, world.people["b.clerk"], document_id, paper_id)
    with pytest.raises(Conflict):
        world.run(tracking.mark_paper_sent, clerk, document_id, other_id)  # no paper copy for it
    world.run(tracking.mark_paper_sent, clerk, document_id, paper_id)
    with pytest.raises(Conflict):
        world.run(tracking.mark_paper_sent, clerk, document_id, paper_id)  # the second clerk
    assert world.run(tracking.paper_to_send, clerk) == []
    with unit_of_work(world.system.sessions) as session:
        event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "outgoing.paper_sent"))
        assert (event.actor_id, event.after["name"]) == (clerk.user_id, "Văn phòng Chính phủ")
    view = world.run(tracking.of_document, clerk, document_id)
    assert (view.recipients[0].recipient.paper_sent_by, view.recipients[0].recipient.paper_sent_at) == \
        (clerk.user_id, clock.now())

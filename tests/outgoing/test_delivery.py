"""Delivery of an issued document: agencies of the deployment find it in their clerk's incoming
queue through the workers, with the person's and the agency's signatures verified and bound to
the sender; external recipients get one interchange message each; internal units their list."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from documents.files.service import attachments_of
from documents.incoming import queries
from documents.incoming.models import IncomingDocument, IncomingRecall
from documents.models import AuditEvent
from documents.outgoing import delivery, tracking
from documents.outgoing.models import InterchangeMessage, OutgoingDocument, OutgoingRecipient
from engine.db import unit_of_work
from engine.models import Outbox
from tasks import inline

from .delivery_fixtures import A, B, issue, world  # noqa: F401  (the fixture)


def _recipients(world, document_id):
    with unit_of_work(world.system.sessions) as session:
        rows = session.scalars(sa.select(OutgoingRecipient).where(OutgoingRecipient.document_id == document_id)
                               .order_by(OutgoingRecipient.position))
        return [(r.kind, r.sent_at is not None, r.delivered_document_id, r.status) for r in rows]


def test_an_agency_of_the_deployment_finds_it_in_its_clerks_queue_with_both_signatures_valid(world):
    document_id = issue(world, recipients=[{"agency": B}], reply_by=date(2026, 12, 10), annexes=1)
    with unit_of_work(world.system.sessions) as session:
        rows = session.scalars(sa.select(Outbox).where(Outbox.topic == delivery.TOPIC)).all()
        assert [(r.scope, r.payload["document_id"]) for r in rows] == [(B, document_id)]  # B's incident if it fails

    inline.drain(world.system)

    with unit_of_work(world.system.sessions) as session:
        total, found = queries.search(session, world.people["b.clerk"], queries.Filters(status="01"))
        assert total == 1
        arrived = found[0]
        assert (arrived.channel, arrived.issuer_code, arrived.issuer_name) == ("electronic", A, "Cơ quan A")
        assert (arrived.number_notation, arrived.doc_type, arrived.urgency) == ("12/CQA-KT", "Công văn", "urgent")
        assert (arrived.document_date, arrived.due_date) == (date(2026, 11, 23), date(2026, 12, 10))
        assert arrived.sender_reference == f"{A},2026/11/23,12/CQA-KT" and arrived.signer_name == "staff a"
        assert [a.file_name for a in attachments_of(session, "incoming_document", arrived.id)] == \
            ["12-KT.pdf", "phu-luc-1.pdf"]
        # Both files: the person's signature and the agency's, valid, trusted and the sender's.
        assert [c["verdict"] for c in arrived.signature_check] == ["valid", "valid"]
        for check in arrived.signature_check:
            assert [(s["valid"], s["trusted"], s["sender"]) for s in check["signatures"]] == [(True, True, True)] * 2
        # A's clerk cannot see it: it is B's.
        assert queries.search(session, world.people["a.clerk"], queries.Filters(status="01"))[0] == 0
    assert _recipients(world, document_id) == [("agency", True, arrived.id, "01")]


def test_redelivery_is_a_no_op(world):
    issue(world, recipients=[{"agency": B}])
    with unit_of_work(world.system.sessions) as session:
        outbox_id = session.scalar(sa.select(Outbox.id).where(Outbox.topic == delivery.TOPIC))
    inline.drain(world.system)
    with unit_of_work(world.system.sessions) as session:
        assert delivery.deliver(world.system, session, outbox_id) is False  # a redelivered message
    with unit_of_work(world.system.sessions) as session:
        row = session.get(Outbox, outbox_id)
        row.handled_at = None  # even a row handled again (lost mark) does not deliver twice
    with unit_of_work(world.system.sessions) as session:
        assert delivery.deliver(world.system, session, outbox_id) is False
    with unit_of_work(world.system.sessions) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(IncomingDocument)) == 1


def test_external_recipients_get_one_interchange_message_each_and_units_their_list(world):
    """And the sender named among the recipients (its own copy) gets neither a message nor a delivery."""
    document_id = issue(world, recipients=[
        {"external": ("000.00.00.G01", "Văn phòng Chính phủ"), "paper": True},
        {"external": ("000.00.00.G02", "Bộ Nội vụ")},
        {"unit": world.units["a.unit"]}, {"agency": A}])  # the sender itself: nothing travels
    inline.drain(world.system)
    with unit_of_work(world.system.sessions) as session:
        messages = session.scalars(sa.select(InterchangeMessage).order_by(InterchangeMessage.id)).all()
        assert [(m.payload["recipient"]["name"], m.state, m.business_type) for m in messages] == \
            [("Văn phòng Chính phủ", "pending", "0"), ("Bộ Nội vụ", "pending", "0")]
        payload = messages[0].payload
        assert payload["identifier"] == f"{A},2026/11/23,12/CQA-KT" and payload["notation"] == "12/CQA-KT"
        assert payload["subject"] == "Về việc kiểm tra công tác văn thư" and len(payload["files"]) == 1
        assert session.scalar(sa.select(sa.func.count()).select_from(IncomingDocument)) == 0
        assert [m.id for m in tracking.interchange_waiting(session, world.people["a.clerk"])] == [m.id for m in messages]
        # The unit's members find it in their list; another unit's do not.
        assert [d.id for d in tracking.for_units(session, world.people["a.staff"])] == [document_id]
        assert tracking.for_units(session, world.people["a.outsider"]) == []
        assert session.scalar(sa.select(sa.func.count()).select_from(Outbox).where(Outbox.topic == delivery.TOPIC)) == 0
    assert [sent for _, sent, _, _ in _recipients(world, document_id)] == [True, True, True, True]


def test_a_replacement_names_what_it_supersedes_at_the_recipient(world):
    old_id = issue(world, recipients=[{"agency": B}, {"external": ("000.00.00.G01", "Văn phòng Chính phủ")}])
    inline.drain(world.system)
    new_id = issue(world, number=13, recipients=[{"agency": B}, {"external": ("000.00.00.G01", "Văn phòng Chính phủ")}],
                   supersedes=old_id, business_type="3")
    inline.drain(world.system)
    with unit_of_work(world.system.sessions) as session:
        old_copy, new_copy = session.scalars(sa.select(IncomingDocument).order_by(IncomingDocument.id)).all()
        request = session.scalar(sa.select(IncomingRecall).where(IncomingRecall.document_id == old_copy.id))
        assert (request.kind, request.replacement_id, request.answer) == ("replace", new_copy.id, None)
        message = session.scalar(sa.select(InterchangeMessage).where(InterchangeMessage.document_id == new_id))
        assert (message.business_type, message.payload["supersedes"]) == ("3", f"{A},2026/11/23,12/CQA-KT")


def test_a_failed_delivery_is_counted_and_sends_nothing_half(world):
    document_id = issue(world, recipients=[{"agency": B}])
    with unit_of_work(world.system.sessions) as session:
        store_key = session.scalar(sa.select(sa.text("storage_key FROM attachment")))
    world.system.files.delete(store_key)  # the issued file lost from the store
    assert inline.drain(world.system) == 0
    with unit_of_work(world.system.sessions) as session:
        row = session.scalar(sa.select(Outbox).where(Outbox.topic == delivery.TOPIC))
        assert row.handled_at is None and row.attempts == 1 and row.scope == B
        assert session.scalar(sa.select(sa.func.count()).select_from(IncomingDocument)) == 0
    assert _recipients(world, document_id) == [("agency", True, None, None)]


def test_sending_is_audited(world):
    document_id = issue(world, recipients=[{"agency": B}])
    inline.drain(world.system)
    with unit_of_work(world.system.sessions) as session:
        actions = session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_id == str(document_id),
                                                                     AuditEvent.object_type == "outgoing_document"))
        assert {"outgoing.sent", "outgoing.delivered"} <= set(actions)


def test_enqueue_refuses_a_document_not_issued(world):
    document_id = issue(world, recipients=[{"agency": B}])
    with unit_of_work(world.system.sessions) as session:
        document = session.get(OutgoingDocument, document_id)
        document.identifier = None
        with pytest.raises(ValueError, match="not issued"):
            delivery.enqueue(session, document)
        session.rollback()

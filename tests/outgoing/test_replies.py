"""Replies: A asks B and C for a reply by a date; B's reply — an outgoing document of B answering
the incoming copy — gives that copy its reply number and, delivered to A, closes B's obligation
at A; C, silent, is overdue once the date has passed."""
from __future__ import annotations

from datetime import date, datetime, timezone

import sqlalchemy as sa

from documents import accounts
from documents.incoming import service
from documents.incoming.models import IncomingDocument
from documents.outgoing import replies, tracking
from engine import clock
from engine.db import unit_of_work
from tasks import inline

from .delivery_fixtures import A, B, issue, world  # noqa: F401  (the fixture)

C = "000.00.03.H99"


def _obligations(world, document_id):
    view = world.run(tracking.of_document, world.people["a.leader"], document_id)
    return [(s.recipient.name, s.reply.state, s.reply.reply_notation) for s in view.recipients if s.reply]


def test_a_reply_closes_the_recipients_obligation_and_the_silent_one_falls_overdue(world):
    with unit_of_work(world.system.sessions) as session:
        accounts.create_agency(session, C, "Cơ quan C")
    asked = issue(world, recipients=[{"agency": B}, {"external": (C, "Cơ quan C")}], reply_by=date(2026, 11, 30))
    inline.drain(world.system)
    assert _obligations(world, asked) == [("Cơ quan B", "waiting", None), ("Cơ quan C", "waiting", None)]

    with unit_of_work(world.system.sessions) as session:
        copy_id = session.scalar(sa.select(IncomingDocument.id))
    world.run(lambda s: service.accept(s, world.system.runtime, world.people["b.clerk"], copy_id))
    inline.drain(world.system)

    issue(world, author="b.staff", number=7, recipients=[{"agency": A}], in_reply_to=copy_id,
                  subject="V/v trả lời Văn bản số 12/CQA-KT")
    with unit_of_work(world.system.sessions) as session:
        assert session.get(IncomingDocument, copy_id).reply_number == "7/CQB-KT"  # B's tracking register
    inline.drain(world.system)

    assert _obligations(world, asked) == [("Cơ quan B", "replied", "7/CQB-KT"), ("Cơ quan C", "waiting", None)]
    view = world.run(tracking.of_document, world.people["a.clerk"], asked)
    row = view.recipients[0].recipient
    assert row.reply_identifier == f"{B},2026/11/23,7/CQB-KT" and row.replied_at is not None
    # The reply itself arrived at A as any document does, in A's clerk's queue.
    with unit_of_work(world.system.sessions) as session:
        at_a = session.scalar(sa.select(IncomingDocument).where(IncomingDocument.sender_reference == row.reply_identifier))
        assert (at_a.number_notation, at_a.status) == ("7/CQB-KT", "01")

    with clock.using(clock.FixedClock(datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc))):
        assert _obligations(world, asked) == [("Cơ quan B", "replied", "7/CQB-KT"), ("Cơ quan C", "overdue", None)]


def test_a_second_reply_does_not_overwrite_the_first(world):
    asked = issue(world, recipients=[{"agency": B}], reply_by=date(2026, 11, 30))
    inline.drain(world.system)
    with unit_of_work(world.system.sessions) as session:
        copy_id = session.scalar(sa.select(IncomingDocument.id))
    issue(world, author="b.staff", number=7, recipients=[{"agency": A}], in_reply_to=copy_id)
    issue(world, author="b.staff", number=8, recipients=[{"agency": A}], in_reply_to=copy_id)
    inline.drain(world.system)
    assert _obligations(world, asked) == [("Cơ quan B", "replied", "7/CQB-KT")]


def test_a_reply_to_a_document_from_outside_the_deployment_only_numbers_it(world):
    """A paper document registered by B's clerk: the reply gives it its number, nothing travels back."""
    with unit_of_work(world.system.sessions) as session:
        registered = service.register(session, world.system.runtime, world.system.files, world.system.keystore,
                                      world.people["b.clerk"], {
                                          "issuer_name": "Sở Nội vụ", "number_notation": "5/SNV-VP",
                                          "document_date": "2026-11-20", "doc_type": "Công văn",
                                          "subject": "Về việc báo cáo"}, channel="manual").document
        copy_id = registered.id
    issue(world, author="b.staff", number=9, recipients=[{"external": ("000.00.31.H41", "Sở Nội vụ")}],
          in_reply_to=copy_id)
    with unit_of_work(world.system.sessions) as session:
        assert session.get(IncomingDocument, copy_id).reply_number == "9/CQB-KT"
        assert replies.answered_reference(session, session.get(
            replies.OutgoingDocument, session.scalar(sa.select(replies.OutgoingDocument.id)))) is None

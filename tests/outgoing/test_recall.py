"""Recall, update and replace across two agencies of the deployment (002 Đ9.2, 004 Đ6.3, Đ8.5):
A issues to B (and to an agency outside), B's clerk takes the document in, A asks; the request
reaches B through the workers; B's clerk confirms (15: withdrawn from every list, its handling
cancelled) or refuses (16 with the reason); A sees the answer; A's copy is frozen."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from documents import processes, worklist
from documents.errors import Conflict, InvalidData, NotAllowed, NotFound
from documents.exchange.models import DeliveryStatus
from documents.files.service import store_attachment
from documents.incoming import participants, queries, reassignment
from documents.incoming import recalls as received
from documents.incoming import service as incoming
from documents.incoming.models import IncomingDocument, IncomingRecall
from documents.models import Agency, AuditEvent
from documents.outgoing import delivery
from documents.outgoing import recalls
from documents.outgoing.models import InterchangeMessage, OutgoingDocument, OutgoingRecall, OutgoingRecipient, State
from engine import clock as clocks
from engine.db import unit_of_work
from engine.models import Outbox
from tasks import inline

from .delivery_fixtures import A, B, issue, signed_pdf, world  # noqa: F401  (the fixture)

EXTERNAL = ("000.00.00.G22", "Văn phòng Chính phủ")


def taken_in(world) -> tuple[int, int]:
    """A's document issued to B and an outside agency; B's copy arrived and accepted by B's
    clerk, its handling waiting at B's leader. Returns (A's document, B's copy)."""
    document_id = issue(world, recipients=[{"agency": B}, {"external": EXTERNAL}])
    inline.drain(world.system)
    with unit_of_work(world.system.sessions) as session:
        copy = session.scalar(sa.select(IncomingDocument).where(IncomingDocument.agency_id != _agency(session, A)))
        incoming.accept(session, world.system.runtime, world.people["b.clerk"], copy.id)
        copy_id = copy.id
    assert leader_tasks(world) == [copy_id]
    return document_id, copy_id


def _agency(session, code: str) -> int:
    return session.scalar(sa.select(Agency.id).where(Agency.code == code))


def leader_tasks(world, who: str = "b.leader") -> list[int]:
    with unit_of_work(world.system.sessions) as session:
        found = worklist.of(session, world.system.runtime, world.people[who], worklist.Filters())
        return [row.document.id for row in found.rows if row.document is not None]


def listed(world, who: str = "b.clerk") -> list[int]:
    with unit_of_work(world.system.sessions) as session:
        return [d.id for d in queries.search(session, world.people[who], queries.Filters())[1]]


def recall(world, who: str, document_id: int, reason: str | None = "Ban hành nhầm đối tượng nhận"):
    with unit_of_work(world.system.sessions) as session:
        return recalls.request_recall(session, world.people[who], document_id, reason).id


def answer(world, who: str, recall_id: int, decision: str, reason: str | None = None):
    with unit_of_work(world.system.sessions) as session:
        done = received.answer(session, world.system.runtime, world.people[who], recall_id, decision, reason)
        return done.answer


def pending(world, who: str = "b.clerk") -> list[IncomingRecall]:
    with unit_of_work(world.system.sessions) as session:
        found = received.requests(session, world.people[who], pending_only=True)
        session.expunge_all()
        return [r.recall for r in found]


def recipients(world, document_id: int) -> list[tuple[str, str | None, str | None]]:
    with unit_of_work(world.system.sessions) as session:
        rows = session.scalars(sa.select(OutgoingRecipient).where(OutgoingRecipient.document_id == document_id)
                               .order_by(OutgoingRecipient.position))
        return [(r.kind, r.recall_status, r.recall_reason) for r in rows]


def test_a_recall_confirmed_withdraws_the_copy_everywhere_and_the_sender_sees_15(world):
    document_id, copy_id = taken_in(world)
    recall_id = recall(world, "a.clerk", document_id)
    with unit_of_work(world.system.sessions) as session:
        document = session.get(OutgoingDocument, document_id)
        assert (document.state, document.frozen_at) == (State.RECALLED, clocks.now())
        kept = session.get(OutgoingRecall, recall_id)
        assert (kept.kind, kept.reason, kept.requested_by) == ("recall", "Ban hành nhầm đối tượng nhận",
                                                                 world.people["a.clerk"].user_id)
        message = session.scalar(sa.select(InterchangeMessage).where(InterchangeMessage.business_type == "1"))
        assert message.payload["document_id"] == document.identifier and message.payload["status"] == "13"
        request = session.scalar(sa.select(Outbox).where(Outbox.topic == received.TOPIC))
        assert request.scope == B  # a request that never arrives is B's incident
    assert recipients(world, document_id) == [("agency", "13", None), ("external", "13", None)]

    inline.drain(world.system)
    [asked] = pending(world)
    assert (asked.document_id, asked.kind, asked.reason, asked.answer) == (copy_id, "recall",
                                                                          "Ban hành nhầm đối tượng nhận", None)
    assert listed(world) == [copy_id]  # asked, not yet withdrawn: the clerk decides
    with pytest.raises(NotAllowed):
        answer(world, "b.leader", asked.id, "accept")
    with pytest.raises(NotFound):
        answer(world, "a.clerk", asked.id, "accept")

    assert answer(world, "b.clerk", asked.id, "accept") == "15"
    with pytest.raises(Conflict):  # a second clerk, or the same one twice: answered already
        answer(world, "b.clerk", asked.id, "refuse", "Muộn")
    with unit_of_work(world.system.sessions) as session:
        copy = session.get(IncomingDocument, copy_id)
        assert copy.withdrawn_at == clocks.now()
        instance = world.system.runtime.instance(session, copy.process_instance_id, B)
        assert instance.status == "cancelled"
        assert world.system.runtime.open_tasks(session, instance.id) == []
        # The recall's own metadata stays on the withdrawn copy, for the clerk.
        [shown] = received.of_document(session, world.people["b.clerk"], copy)
        assert (shown.recall.reason, shown.recall.answer) == ("Ban hành nhầm đối tượng nhận", "15")
    assert listed(world) == [] and leader_tasks(world) == []
    assert pending(world) == []

    inline.drain(world.system)
    assert recipients(world, document_id) == [("agency", "15", None), ("external", "13", None)]
    with unit_of_work(world.system.sessions) as session:
        codes = session.scalars(sa.select(DeliveryStatus.code).where(DeliveryStatus.recipient_document_id == copy_id)
                                .order_by(DeliveryStatus.id)).all()
        assert codes[-1] == "15"
        actions = set(session.scalars(sa.select(AuditEvent.action)))
        assert {"outgoing.recall_requested", "incoming.recall_requested", "incoming.recall_accepted"} <= actions


def test_the_handlers_tasks_and_requests_go_with_the_withdrawn_copy(world):
    document_id, copy_id = taken_in(world)
    staff = world.people["b.staff"]
    with unit_of_work(world.system.sessions) as session:
        copy = session.get(IncomingDocument, copy_id)
        task = participants.task_of(session, world.people["b.leader"], copy, "incoming.distribute")
        processes.complete(session, world.system.runtime, world.people["b.leader"], task.id, {
            "decision": "assign", "direction": "Phòng Kinh tế xử lý", "lead_user_id": staff.user_id,
            "lead_unit_id": staff.unit_id})
    with unit_of_work(world.system.sessions) as session:
        reassignment.ask(session, staff, copy_id, "Không đúng chuyên môn của tôi")
    assert leader_tasks(world, "b.staff") == [copy_id]
    recall(world, "a.clerk", document_id)
    inline.drain(world.system)
    [asked] = pending(world)
    answer(world, "b.clerk", asked.id, "accept")
    assert leader_tasks(world, "b.staff") == [] and leader_tasks(world, "b.leader") == []
    with unit_of_work(world.system.sessions) as session:
        assert reassignment.pending(session, world.people["b.leader"]) == []
        done = worklist.of(session, world.system.runtime, world.people["b.leader"],
                           worklist.Filters(queue=worklist.Queue.DONE))
        assert done.rows == []  # not even among the steps the leader completed


def test_a_refusal_keeps_the_copy_and_the_sender_sees_16_with_the_reason(world):
    document_id, copy_id = taken_in(world)
    recall(world, "a.leader", document_id)
    inline.drain(world.system)
    [asked] = pending(world)
    with pytest.raises(InvalidData):
        answer(world, "b.clerk", asked.id, "refuse", "   ")
    with pytest.raises(InvalidData):
        answer(world, "b.clerk", asked.id, "maybe", "Không rõ")
    assert [r.answer for r in pending(world)] == [None]  # nothing stored

    assert answer(world, "b.clerk", asked.id, "refuse", "Văn bản đã được triển khai thực hiện") == "16"
    assert listed(world) == [copy_id] and leader_tasks(world) == [copy_id]
    inline.drain(world.system)
    assert recipients(world, document_id)[0] == ("agency", "16", "Văn bản đã được triển khai thực hiện")


def test_the_frozen_copy_refuses_everything_more(world):
    document_id, _ = taken_in(world)
    recall(world, "a.clerk", document_id)
    with pytest.raises(Conflict):
        recall(world, "a.leader", document_id, "Lần hai")
    with unit_of_work(world.system.sessions) as session, pytest.raises(Conflict):
        recalls.start_replacement(session, world.system.runtime, world.people["a.clerk"], document_id, "replace",
                                  "Thay thế")
    with unit_of_work(world.system.sessions) as session:
        assert len(recalls.history(session, session.get(OutgoingDocument, document_id))) == 1


def test_only_the_sending_agencys_clerk_or_leader_recalls_an_issued_document(world):
    document_id, _ = taken_in(world)
    with pytest.raises(NotAllowed):
        recall(world, "a.staff", document_id)
    with pytest.raises(NotAllowed):
        recall(world, "a.head", document_id)
    with pytest.raises(NotFound):
        recall(world, "b.clerk", document_id)
    with pytest.raises(NotFound):
        recall(world, "a.clerk", 999_999)
    with pytest.raises(InvalidData):
        recall(world, "a.clerk", document_id, "  ")
    with unit_of_work(world.system.sessions) as session:
        assert session.get(OutgoingDocument, document_id).state == State.ISSUED
        assert session.scalar(sa.select(sa.func.count()).select_from(OutgoingRecall)) == 0
        draft = OutgoingDocument(agency_id=_agency(session, A), author_id=world.people["a.staff"].user_id,
                                 subject="Dự thảo", doc_type="Công văn", state=State.DRAFTING, search_text="",
                                 created_at=clocks.now(), updated_at=clocks.now())
        session.add(draft)
        session.flush()
        draft_id = draft.id
    with pytest.raises(Conflict):  # not issued: nothing to recall
        recall(world, "a.clerk", draft_id)


def test_a_request_handled_twice_is_recorded_once(world):
    document_id, copy_id = taken_in(world)
    recall(world, "a.clerk", document_id)
    with unit_of_work(world.system.sessions) as session:
        row_id = session.scalar(sa.select(Outbox.id).where(Outbox.topic == received.TOPIC))
    for expected in (True, False):
        with unit_of_work(world.system.sessions) as session:
            assert received.arrive(world.system, session, row_id) is expected
    assert [r.document_id for r in pending(world)] == [copy_id]


def superseding(world, document_id: int, kind: str, reason: str = "Sai sót ngày hiệu lực") -> int:
    """A's clerk starts the update or replacement; the new draft is issued as the issue does."""
    with unit_of_work(world.system.sessions) as session:
        draft = recalls.start_replacement(session, world.system.runtime, world.people["a.clerk"], document_id,
                                          kind, reason)
        draft_id = draft.id
        assert (draft.business_type, draft.supersedes_id) == (recalls.KINDS[kind], document_id)
        original = session.get(OutgoingDocument, document_id)
        assert [(r.kind, r.code) for r in draft.recipients] == [(r.kind, r.code) for r in original.recipients]
    with pytest.raises(Conflict):  # one at a time
        with unit_of_work(world.system.sessions) as session:
            recalls.start_replacement(session, None, world.people["a.clerk"], document_id, kind, reason)
    with pytest.raises(Conflict):  # nor a recall while it is prepared
        recall(world, "a.clerk", document_id)
    _issue(world, draft_id)
    return draft_id


def _issue(world, draft_id: int) -> None:
    """What the issue does to a draft, by hand: number, identifier, signed file, delivery, hooks."""
    at = clocks.now()
    data = signed_pdf(world, A, at)
    with unit_of_work(world.system.sessions) as session:
        draft = session.get(OutgoingDocument, draft_id)
        draft.number, draft.notation = 13, "13/CQA-KT"
        draft.identifier, draft.issued_at, draft.issued_by = f"{A},{at:%Y/%m/%d},13/CQA-KT", at, draft.author_id
        draft.state, draft.signer_id = State.ISSUED, draft.author_id
        draft.issued_file_id = store_attachment(session, world.system.files, filename="13-KT.pdf", data=data,
                                                uploaded_by=draft.author_id, owner_type="outgoing_issued",
                                                owner_id=draft.id, max_bytes=10_000_000).id
        session.flush()
        delivery.enqueue(session, draft)
        recalls.on_issued(session, draft)


def test_a_replacement_supersedes_and_withdraws_the_old_copy_at_every_recipient(world):
    document_id, copy_id = taken_in(world)
    new_id = superseding(world, document_id, "replace")
    with unit_of_work(world.system.sessions) as session:
        new = session.get(OutgoingDocument, new_id)
        assert [(r.kind, r.code) for r in new.recipients] == [("agency", B), ("external", EXTERNAL[0])]  # copied
        old = session.get(OutgoingDocument, document_id)
        assert old.state == State.REPLACED and old.frozen_at is not None
        kept = session.scalar(sa.select(OutgoingRecall).where(OutgoingRecall.document_id == document_id))
        assert (kept.kind, kept.reason, kept.replacement_id) == ("replace", "Sai sót ngày hiệu lực", new_id)
        # The agency outside gets the new document as a replacement (edXML business type 3).
        message = session.scalar(sa.select(InterchangeMessage).where(InterchangeMessage.document_id == new_id))
        assert message.business_type == "3" and message.payload["supersedes"] == old.identifier
    assert recipients(world, document_id) == [("agency", "13", None), ("external", "13", None)]

    inline.drain(world.system)  # the new document arrives at B, carrying what it supersedes
    [asked] = pending(world)
    assert (asked.document_id, asked.kind) == (copy_id, "replace")
    with unit_of_work(world.system.sessions) as session:
        new_copy = session.get(IncomingDocument, asked.replacement_id)
        assert new_copy.number_notation == "13/CQA-KT" and new_copy.agency_id == _agency(session, B)
        new_copy_id = new_copy.id

    assert answer(world, "b.clerk", asked.id, "accept") == "15"
    with unit_of_work(world.system.sessions) as session:
        old_copy = session.get(IncomingDocument, copy_id)
        assert (old_copy.superseded_by_id, old_copy.withdrawn_at) == (new_copy_id, clocks.now())
    assert listed(world) == [new_copy_id] and leader_tasks(world) == []
    inline.drain(world.system)
    assert recipients(world, document_id)[0] == ("agency", "15", None)
    with pytest.raises(Conflict):  # the replaced document is frozen
        recall(world, "a.clerk", document_id)


def test_an_update_points_the_old_copy_to_the_new_one_and_keeps_it(world):
    document_id, copy_id = taken_in(world)
    superseding(world, document_id, "update")
    with unit_of_work(world.system.sessions) as session:
        old = session.get(OutgoingDocument, document_id)
        assert old.state == State.ISSUED and old.frozen_at is None  # updated, not replaced
    inline.drain(world.system)
    [asked] = pending(world)
    assert answer(world, "b.clerk", asked.id, "accept") == "15"
    with unit_of_work(world.system.sessions) as session:
        old_copy = session.get(IncomingDocument, copy_id)
        assert (old_copy.superseded_by_id, old_copy.withdrawn_at) == (asked.replacement_id, None)
    assert sorted(listed(world)) == sorted([copy_id, asked.replacement_id])
    assert leader_tasks(world) == [copy_id]  # its handling goes on

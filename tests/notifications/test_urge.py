"""The leader's đôn đốc (urge): allowed to the agency's leaders on any document, to a unit head on
the documents their unit leads, only on overdue work; it notifies the people holding the work (and
an incoming document's lead person), is kept as an Urge row with an audit record, and shows in the
incoming document's history. Refusals store nothing."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from documents.errors import InvalidData, NotAllowed, NotFound
from documents.incoming import story
from documents.incoming import reading as readings
from documents.incoming.models import IncomingDocument
from documents.models import AuditEvent
from documents.notifications import urge
from documents.notifications.models import Kind, Notification, Urge
from documents.outgoing.models import OutgoingDocument
from engine import clock as clocks
from engine.models import HumanTask
from tests.incoming.conftest import bureau, case, keystore, store  # noqa: F401  (fixtures)
from tests.outgoing.workflow_office import flow  # noqa: F401  (fixture)

VN = timezone(timedelta(hours=7))
DEADLINE = datetime(2026, 11, 27, 17, 0, tzinfo=VN)   # START is Monday 23/11/2026 08:00 (Vietnam)


@pytest.fixture
def system(pg):
    return pg


def overdue_document(case, clock, lead="a.staff") -> int:
    """A document the leader gave ``lead`` (of Phòng Kinh tế) with DEADLINE, the clock past it."""
    document_id = case()
    person = case.people[lead]
    case.act("a.leader", document_id, "distribute", {
        "decision": "assign", "direction": "Đề nghị xử lý", "lead_user_id": person.user_id,
        "lead_unit_id": person.unit_id, "deadline": DEADLINE.isoformat()})
    clock.advance(days=5)  # Saturday 28/11 08:00: past Friday's 17:00
    return document_id


def rows(system, model, *where):
    with system.sessions() as session:
        found = list(session.scalars(sa.select(model).where(*where)))
        session.expunge_all()
        return found


def test_a_leader_urges_the_holder_and_the_urge_is_kept_in_the_history(case, clock, system, bureau):
    document_id = overdue_document(case, clock)
    made = case.run(urge.urge, bureau["a.leader"], incoming_document_id=document_id, note="Khẩn trương báo cáo")
    staff = bureau["a.staff"].user_id
    (kept,) = rows(system, Urge)
    assert (kept.incoming_document_id, kept.by_user_id, kept.note, kept.recipients, kept.at) == (
        document_id, bureau["a.leader"].user_id, "Khẩn trương báo cáo", [staff], clock.now())
    assert kept.instance_id is not None and made.id == kept.id
    (told,) = rows(system, Notification)
    assert (told.user_id, told.kind, told.link, told.dedupe_key) == (
        staff, Kind.URGE, f"/incoming/{document_id}", f"urge:{kept.id}:u{staff}")
    assert told.title == "Đôn đốc: Về việc kiểm tra công tác văn thư năm 2026"
    assert "leader a đôn đốc xử lý văn bản đến số 1" in told.body and "17:00 27/11/2026" in told.body
    assert told.body.endswith("\nKhẩn trương báo cáo")
    (audited,) = rows(system, AuditEvent, AuditEvent.action == "document.urged")
    assert (audited.object_type, audited.object_id, audited.after["recipients"]) == (
        "incoming_document", str(document_id), [staff])

    def history(session):
        reading = readings.of(session, system.runtime, bureau["a.leader"], session.get(IncomingDocument, document_id))
        return [e for e in story.of(reading, []) if e.what == "urged"]
    (event,) = case.run(history)
    assert (event.who, event.facts["person"], event.note, event.at) == (
        "leader a", "staff a", "Khẩn trương báo cáo", clock.now())


def test_the_head_of_the_lead_unit_may_urge_and_every_holder_is_reached(case, clock, system, bureau):
    document_id = case()
    person = bureau["a.staff"]
    case.act("a.leader", document_id, "distribute", {
        "decision": "assign", "direction": "Đề nghị xử lý", "lead_user_id": person.user_id,
        "lead_unit_id": person.unit_id, "deadline": DEADLINE.isoformat(),
        "coordinators": [bureau["a.u2"]]})
    clock.advance(days=5)
    made = case.run(urge.urge, bureau["a.head1"], incoming_document_id=document_id)
    # The lead person and Phòng Tổng hợp's coordinating step (offered to its unit head and staff).
    holders = {person.user_id, bureau["a.head2"].user_id, bureau["a.staff3"].user_id}
    assert set(made.recipients) <= holders and person.user_id in made.recipients
    assert {n.user_id for n in rows(system, Notification)} == set(made.recipients)


@pytest.mark.parametrize("who, refusal", [
    ("a.staff2", NotAllowed), ("a.head2", NotAllowed), ("a.clerk", NotAllowed), ("b.leader", NotFound)])
def test_only_leaders_and_the_lead_units_head_may_urge(case, clock, system, bureau, who, refusal):
    document_id = overdue_document(case, clock)
    with pytest.raises(refusal):
        case.run(urge.urge, bureau[who], incoming_document_id=document_id)
    assert rows(system, Urge) == [] and rows(system, Notification) == []


def test_work_not_yet_overdue_is_not_urged(case, clock, system, bureau):
    document_id = case()
    person = bureau["a.staff"]
    case.act("a.leader", document_id, "distribute", {
        "decision": "assign", "direction": "Đề nghị xử lý", "lead_user_id": person.user_id,
        "lead_unit_id": person.unit_id, "deadline": DEADLINE.isoformat()})
    with pytest.raises(InvalidData) as refused:
        case.run(urge.urge, bureau["a.leader"], incoming_document_id=document_id)
    assert refused.value.message == urge.NOT_OVERDUE
    undated = case()  # no deadline at all: never overdue
    with pytest.raises(InvalidData):
        case.run(urge.urge, bureau["a.leader"], incoming_document_id=undated)
    assert rows(system, Urge) == [] and rows(system, Notification) == []


def test_one_document_and_a_bounded_note(case, clock, system, bureau):
    document_id = overdue_document(case, clock)
    leader = bureau["a.leader"]
    for ids in ({}, {"incoming_document_id": document_id, "outgoing_document_id": 1}):
        with pytest.raises(InvalidData) as refused:
            case.run(urge.urge, leader, **ids)
        assert refused.value.message == urge.ONE_DOCUMENT
    with pytest.raises(InvalidData) as refused:
        case.run(urge.urge, leader, incoming_document_id=document_id, note="x" * (urge.NOTE_MAX + 1))
    assert refused.value.errors == {"note": urge.NOTE_TOO_LONG}
    with pytest.raises(NotFound):
        case.run(urge.urge, leader, incoming_document_id=999_999)
    assert rows(system, Urge) == []


def test_each_urge_is_a_notification_of_its_own(case, clock, system, bureau):
    document_id = overdue_document(case, clock)
    case.run(urge.urge, bureau["a.leader"], incoming_document_id=document_id)
    clock.advance(hours=1)
    case.run(urge.urge, bureau["a.leader2"], incoming_document_id=document_id, note="Lần hai")
    assert len(rows(system, Notification)) == 2
    shown = case.run(lambda s: urge.history(s, incoming_document_id=document_id))
    assert [(u.by, u.note, u.reached) for u in shown] == [("leader a", "", ["staff a"]),
                                                         ("leader2 a", "Lần hai", ["staff a"])]


def past_due(flow, document_id, hours=1):
    """The draft's open step given a due time an hour before now (as the issuing deadline sets it)."""
    def set_due(session):
        instance = session.get(OutgoingDocument, document_id).process_instance_id
        for task in session.scalars(sa.select(HumanTask).where(HumanTask.instance_id == instance,
                                                                HumanTask.completed_at.is_(None))):
            task.due_at = clocks.now() - timedelta(hours=hours)
    flow.run(set_due)


def test_an_outgoing_document_with_a_step_past_due_is_urged_by_its_drafting_units_head(flow, system, clock):
    document_id = flow.new(author="a.staff", unit="a.u1")
    with pytest.raises(InvalidData):  # no step past due yet
        flow.run(urge.urge, flow["a.head1"], outgoing_document_id=document_id)
    past_due(flow, document_id)
    with pytest.raises(NotAllowed):
        flow.run(urge.urge, flow["a.head2"], outgoing_document_id=document_id)
    made = flow.run(urge.urge, flow["a.head1"], outgoing_document_id=document_id, note="Trình ký ngay")
    assert made.recipients == [flow["a.staff"].user_id]
    (told,) = rows(system, Notification)
    assert (told.kind, told.link, told.user_id) == (Kind.URGE, f"/outgoing/{document_id}", flow["a.staff"].user_id)
    shown = flow.run(lambda s: urge.history(s, outgoing_document_id=document_id))
    assert [(u.by, u.note, u.reached) for u in shown] == [("head1 a", "Trình ký ngay", ["staff a"])]

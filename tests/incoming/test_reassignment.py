"""Re-assignment requests: the handler asks with a reason; the head of the handling unit and the
leaders see it; the unit head re-assigns inside the unit (granting it) or declines it; a request
is resolved once."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from documents.errors import Conflict, InvalidData, NotAllowed, NotFound
from documents.incoming import handling, reassignment
from documents.incoming.models import IncomingDocument
from documents.models import AuditEvent
from engine.models import HistoryEntry, HumanTask


def ask(case, who, document_id, reason="Tôi được cử đi học tập trung hai tháng"):
    return case.run(reassignment.ask, case.people[who], document_id, reason)


def reassign(case, who, document_id, lead, *, request_id=None, unit=None, reason="Giao đồng chí khác xử lý"):
    return case.run(handling.reassign, case.system.runtime, case.people[who], document_id,
                    lead_user_id=case.people[lead].user_id if lead else None, lead_unit_id=unit, reason=reason,
                    request_id=request_id)


def pending(case, who, state="open"):
    return [(r.document_id, r.state) for r in case.run(reassignment.pending, case.people[who], state)]


def handle_task(case, document_id):
    with case.system.sessions() as session:
        return session.scalar(sa.select(HumanTask).where(HumanTask.spec_name == "handle", HumanTask.status == "ready")
                              .join(IncomingDocument, IncomingDocument.process_instance_id == HumanTask.instance_id)
                              .where(IncomingDocument.id == document_id))


def test_the_request_waits_for_the_unit_head_and_the_leaders_only(case, bureau):
    document_id = case.handled()
    request = ask(case, "a.staff", document_id)
    assert (request.state, request.unit_id, request.requested_by, request.reason) == (
        "open", bureau["a.u1"], bureau["a.staff"].user_id, "Tôi được cử đi học tập trung hai tháng")
    for who in ("a.head1", "a.leader", "a.leader2"):
        assert pending(case, who) == [(document_id, "open")], who
    assert pending(case, "a.head2") == []                  # another unit's head
    assert pending(case, "b.leader") == []                 # another agency
    for who in ("a.staff", "a.clerk"):
        with pytest.raises(NotAllowed):
            pending(case, who)
    with pytest.raises(InvalidData) as refused:
        pending(case, "a.leader", "closed")
    assert "state" in refused.value.errors


def test_only_the_handler_asks_once_with_a_reason(case):
    document_id = case.handled()
    for who in ("a.staff2", "a.head1", "a.leader"):
        with pytest.raises(NotAllowed):
            ask(case, who, document_id)
    with pytest.raises(InvalidData) as refused:
        ask(case, "a.staff", document_id, "   ")
    assert refused.value.errors == {"reason": "Trường «Lý do» là bắt buộc."}
    ask(case, "a.staff", document_id)
    with pytest.raises(Conflict):
        ask(case, "a.staff", document_id, "Nhắc lại")
    with pytest.raises(NotFound):
        ask(case, "b.staff", document_id)


def test_the_unit_head_reassigns_inside_the_unit_and_grants_the_request(case, bureau):
    document_id = case.handled()
    request = ask(case, "a.staff", document_id)
    reassign(case, "a.head1", document_id, "a.staff2", request_id=request.id, reason="Đồng ý, giao chuyên viên 2")
    task = handle_task(case, document_id)
    assert (task.candidate_user, task.candidate_unit, task.assignee) == (str(bureau["a.staff2"].user_id),
                                                                         str(bureau["a.u1"]), None)
    (closed,) = case.run(lambda s: reassignment.of(s, s.get(IncomingDocument, document_id)))
    assert (closed.state, closed.resolved_by, closed.new_handler_id, closed.resolution) == (
        "granted", bureau["a.head1"].user_id, bureau["a.staff2"].user_id, "Đồng ý, giao chuyên viên 2")
    assert pending(case, "a.head1") == [] and pending(case, "a.head1", None) == [(document_id, "granted")]
    with case.system.sessions() as session:
        reasons = session.scalars(sa.select(HistoryEntry.data["reason"].as_string())
                                  .where(HistoryEntry.action == "retargeted"))
        assert list(reasons) == ["Đồng ý, giao chuyên viên 2"]
        event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "incoming.reassigned"))
        assert event.after["requests"] == [request.id] and event.actor_id == bureau["a.head1"].user_id
    # The new handler works on it; the one relieved no longer can.
    with pytest.raises(AssertionError):
        case.act("a.staff", document_id, "handle", {"result": "Tôi vẫn làm", "completed": True})
    case.act("a.staff2", document_id, "handle", {"result": "Đã xử lý", "completed": True})


def test_a_leader_reassigning_closes_the_open_request_too(case, bureau):
    document_id = case.handled()
    ask(case, "a.staff", document_id)
    reassign(case, "a.leader", document_id, "a.staff3", unit=bureau["a.u2"])
    assert pending(case, "a.leader", "granted") == [(document_id, "granted")]
    assert handle_task(case, document_id).candidate_user == str(bureau["a.staff3"].user_id)


def test_a_unit_head_stays_inside_the_unit(case, bureau):
    document_id = case.handled()
    with pytest.raises(NotAllowed):                              # not their unit's handling
        reassign(case, "a.head2", document_id, "a.staff3")
    with pytest.raises(InvalidData) as outside:                  # a person of another unit
        reassign(case, "a.head1", document_id, "a.staff3")
    assert "lead_user_id" in outside.value.errors
    with pytest.raises(InvalidData) as other_unit:
        reassign(case, "a.head1", document_id, "a.staff2", unit=bureau["a.u2"])
    assert "lead_unit_id" in other_unit.value.errors
    with pytest.raises(InvalidData):                             # a unit head names a person
        reassign(case, "a.head1", document_id, None, unit=bureau["a.u1"])
    for who in ("a.staff", "a.clerk"):
        with pytest.raises(NotAllowed):
            reassign(case, who, document_id, "a.staff2")
    assert handle_task(case, document_id).candidate_user == str(bureau["a.staff"].user_id)


def test_a_leader_names_only_people_and_units_of_the_agency(case, bureau):
    document_id = case.handled()
    with pytest.raises(InvalidData) as foreign_person:
        reassign(case, "a.leader", document_id, "b.staff")
    assert "lead_user_id" in foreign_person.value.errors
    with pytest.raises(InvalidData) as foreign_unit:
        reassign(case, "a.leader", document_id, None, unit=bureau["b.u1"])
    assert "lead_unit_id" in foreign_unit.value.errors


def test_declining_keeps_the_handler_and_a_resolved_request_is_not_resolved_again(case, bureau):
    document_id = case.handled()
    request = ask(case, "a.staff", document_id)
    for who in ("a.head2", "a.staff", "a.clerk"):
        with pytest.raises(NotAllowed):
            case.run(reassignment.decline, bureau[who], document_id, request.id, "Không")
    with pytest.raises(InvalidData):
        case.run(reassignment.decline, bureau["a.head1"], document_id, request.id, "")
    declined = case.run(reassignment.decline, bureau["a.head1"], document_id, request.id, "Phòng không còn người")
    assert (declined.state, declined.resolution, declined.new_handler_id) == ("declined", "Phòng không còn người", None)
    assert handle_task(case, document_id).candidate_user == str(bureau["a.staff"].user_id)
    with pytest.raises(Conflict):
        case.run(reassignment.decline, bureau["a.leader"], document_id, request.id, "Lần hai")
    with pytest.raises(Conflict):
        reassign(case, "a.head1", document_id, "a.staff2", request_id=request.id)
    assert handle_task(case, document_id).candidate_user == str(bureau["a.staff"].user_id)  # nothing moved
    with pytest.raises(NotFound):
        case.run(reassignment.decline, bureau["a.head1"], case.handled(), request.id, "Khác văn bản")
    ask(case, "a.staff", document_id, "Hỏi lại sau khi bị từ chối")  # a new request may be opened


def test_a_request_still_open_when_the_document_is_completed_lapses(case):
    document_id = case.handled()
    request = ask(case, "a.staff", document_id)
    case.act("a.staff", document_id, "handle", {"result": "Đã xử lý xong", "completed": True})
    assert pending(case, "a.head1") == [(document_id, "open")]  # in review: the handler may still be relieved
    case.act("a.head1", document_id, "review", {"approved": True})
    with case.system.sessions() as session:
        assert session.get(IncomingDocument, document_id).status == "06"
    assert pending(case, "a.head1") == [] and pending(case, "a.leader") == []
    assert pending(case, "a.leader", "lapsed") == [(document_id, "lapsed")]
    with pytest.raises(Conflict):  # nobody decides it any more
        case.run(reassignment.decline, case.people["a.head1"], document_id, request.id, "Không cần nữa")

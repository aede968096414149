"""The leader's hand beyond the handling: the distribution handed to another leader, one
coordinator's task re-assigned or given more time; each reason kept in the history and audit."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from documents.errors import Conflict, InvalidData, NotAllowed, NotFound
from documents.incoming import handling, participants
from documents.incoming.models import IncomingDocument
from documents.models import AuditEvent
from engine.models import HistoryEntry

DEADLINE = datetime(2026, 12, 4, 17, 0, tzinfo=timezone(timedelta(hours=7)))


def tasks(case, document_id, step):
    with case.system.sessions() as session:
        return participants.open_tasks(session, session.get(IncomingDocument, document_id), f"incoming.{step}")


def history(case, action):
    with case.system.sessions() as session:
        return [(h.spec_name, h.data["reason"]) for h in session.scalars(
            sa.select(HistoryEntry).where(HistoryEntry.action == action).order_by(HistoryEntry.id))]


def audited(case, action):
    with case.system.sessions() as session:
        return [e.after for e in session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action))]


def queue(case, who):
    return [t.spec_name for t in case.run(case.system.runtime.ready_tasks, case.people[who].principal)]


# --------------------------------------------------------------------------- distribution

def test_the_distribution_goes_to_another_leader(case, bureau):
    document_id = case()
    assert queue(case, "a.leader") == queue(case, "a.leader2") == ["distribute"]
    case.run(handling.reassign_distribution, case.system.runtime, bureau["a.leader"], document_id,
             leader_user_id=bureau["a.leader2"].user_id, reason="Đồng chí Giám đốc đi công tác")
    assert queue(case, "a.leader") == [] and queue(case, "a.leader2") == ["distribute"]
    assert history(case, "retargeted") == [("distribute", "Đồng chí Giám đốc đi công tác")]
    assert audited(case, "incoming.distribution_reassigned") == [
        {"leader_user_id": bureau["a.leader2"].user_id, "reason": "Đồng chí Giám đốc đi công tác"}]
    case.act("a.leader2", document_id, "distribute", {"decision": "assign", "direction": "Xử lý",
                                                       "lead_user_id": bureau["a.staff"].user_id})
    with pytest.raises(Conflict):  # distributed: nothing left to hand over
        case.run(handling.reassign_distribution, case.system.runtime, bureau["a.leader"], document_id,
                 leader_user_id=bureau["a.leader"].user_id, reason="Lấy lại")


def test_only_a_leader_hands_the_distribution_to_a_leader(case, bureau):
    document_id = case()
    for who in ("a.head1", "a.clerk", "a.staff"):
        with pytest.raises(NotAllowed):
            case.run(handling.reassign_distribution, case.system.runtime, bureau[who], document_id,
                     leader_user_id=bureau["a.leader2"].user_id, reason="Chuyển")
    for target in ("a.head1", "b.leader"):
        with pytest.raises(InvalidData) as refused:
            case.run(handling.reassign_distribution, case.system.runtime, bureau["a.leader"], document_id,
                     leader_user_id=bureau[target].user_id, reason="Chuyển")
        assert "leader_user_id" in refused.value.errors
    with pytest.raises(NotFound):
        case.run(handling.reassign_distribution, case.system.runtime, bureau["b.leader"], document_id,
                 leader_user_id=bureau["b.leader2"].user_id, reason="Chuyển")
    assert history(case, "retargeted") == []


# --------------------------------------------------------------------------- one coordinator's task

def test_one_coordinator_gets_more_time_the_other_keeps_its_deadline(case, bureau):
    document_id = case.handled(coordinators=("a.u1", "a.u2"))
    first, second = tasks(case, document_id, "coordinate")
    assert first.due_at == second.due_at == datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)  # Mon 08:00 + 5 working days, 24/11 off
    case.run(handling.extend_coordination, case.system.runtime, bureau["a.leader"], document_id, second.id,
             deadline=DEADLINE, reason="Phòng Tổng hợp chờ số liệu quý IV")
    first_after, second_after = tasks(case, document_id, "coordinate")
    assert (first_after.due_at, second_after.due_at) == (first.due_at, DEADLINE)
    assert second_after.candidate_unit == str(bureau["a.u2"])
    assert history(case, "retargeted") == [("coordinate", "Phòng Tổng hợp chờ số liệu quý IV")]
    assert audited(case, "incoming.coordination_extended")[0]["task"] == second.id


def test_one_coordinator_task_goes_to_another_unit_or_person(case, bureau):
    document_id = case.handled(coordinators=("a.u1", "a.u2"))
    first, second = tasks(case, document_id, "coordinate")
    case.run(handling.reassign_coordination, case.system.runtime, bureau["a.leader"], document_id, first.id,
             unit_id=bureau["a.u2"], user_id=None, reason="Phòng Kinh tế đã chủ trì")
    assert queue(case, "a.head1") == []
    assert queue(case, "a.head2").count("coordinate") == 2
    case.run(handling.reassign_coordination, case.system.runtime, bureau["a.leader"], document_id, second.id,
             unit_id=None, user_id=bureau["a.staff3"].user_id, reason="Giao trực tiếp chuyên viên")
    first_after, second_after = tasks(case, document_id, "coordinate")
    assert (first_after.candidate_unit, first_after.candidate_user) == (str(bureau["a.u2"]), None)
    assert (second_after.candidate_unit, second_after.candidate_user) == (str(bureau["a.u2"]),
                                                                          str(bureau["a.staff3"].user_id))
    assert queue(case, "a.staff3") == ["coordinate"]
    assert history(case, "retargeted") == [("coordinate", "Phòng Kinh tế đã chủ trì"),
                                           ("coordinate", "Giao trực tiếp chuyên viên")]
    case.act("a.staff3", document_id, "coordinate", {"opinion": "Thống nhất"})
    case.act("a.head2", document_id, "coordinate", {"opinion": "Đồng ý"})
    case.act("a.staff", document_id, "handle", {"result": "Xong", "completed": True})
    assert queue(case, "a.head1") == ["review"]  # both opinions in: on to the review


def test_coordination_changes_are_for_leaders_on_open_coordination_tasks(case, bureau):
    document_id = case.handled(coordinators=("a.u2",))
    (task,) = tasks(case, document_id, "coordinate")
    runtime = case.system.runtime

    def extend(who, task_id, **kw):
        return case.run(handling.extend_coordination, runtime, bureau[who], document_id, task_id,
                        **{"deadline": DEADLINE, "reason": "Gia hạn", **kw})

    for who in ("a.head1", "a.head2", "a.staff"):
        with pytest.raises(NotAllowed):
            extend(who, task.id)
    with pytest.raises(NotAllowed):
        case.run(handling.reassign_coordination, runtime, bureau["a.head2"], document_id, task.id,
                 unit_id=bureau["a.u1"], user_id=None, reason="Chuyển")
    (handle,) = tasks(case, document_id, "handle")
    for wrong in (handle.id, 999_999):
        with pytest.raises(NotFound):
            extend("a.leader", wrong)
    with pytest.raises(InvalidData) as naive:
        extend("a.leader", task.id, deadline=DEADLINE.replace(tzinfo=None))
    assert "deadline" in naive.value.errors
    with pytest.raises(InvalidData) as nobody:
        case.run(handling.reassign_coordination, runtime, bureau["a.leader"], document_id, task.id,
                 unit_id=None, user_id=None, reason="Chuyển")
    assert "unit_id" in nobody.value.errors
    with pytest.raises(InvalidData) as foreign:
        case.run(handling.reassign_coordination, runtime, bureau["a.leader"], document_id, task.id,
                 unit_id=bureau["b.u1"], user_id=None, reason="Chuyển")
    assert "unit_id" in foreign.value.errors
    case.act("a.head2", document_id, "coordinate", {"opinion": "Đồng ý"})
    with pytest.raises(Conflict):
        extend("a.leader", task.id)
    assert history(case, "retargeted") == []

"""Overdue means the handling deadline (issue 9 item 3): the document keeps its current assignment
from the engine's task events (lead unit and person, handling deadline), extensions and
re-assignments move it, and overdue — the register's filter and a loaded document's flag —
counts it, never the sender's requested reply date (``due_date``). A deadline already past is
refused at distribution, re-assignment and extension, nothing stored."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from documents.errors import InvalidData
from documents.incoming import deadlines, handling, participants, queries
from documents.incoming.models import IncomingDocument, Status
from engine.db import unit_of_work

VN = timezone(timedelta(hours=7))
DEADLINE = datetime(2026, 11, 27, 17, 0, tzinfo=VN)   # START is Monday 23/11/2026 08:00 (Vietnam)
LATER = datetime(2026, 12, 4, 17, 0, tzinfo=VN)
PAST = "Hạn xử lý đã qua: chọn một thời điểm sau bây giờ."


def distribute(case, document_id, *, lead="a.staff", unit=True, person=True, deadline=DEADLINE, coordinators=()):
    who = case.people[lead]
    data = {"decision": "assign", "direction": "Đề nghị xử lý", "coordinators": list(coordinators)}
    if person:
        data["lead_user_id"] = who.user_id
    if unit:
        data["lead_unit_id"] = who.unit_id
    if deadline is not None:
        data["deadline"] = deadline.isoformat()
    case.act("a.leader", document_id, "distribute", data)


def document(case, document_id) -> IncomingDocument:
    with case.system.sessions() as session:
        found = session.get(IncomingDocument, document_id)
        session.expunge(found)
        return found


def overdue_ids(case, who="a.leader") -> list[int]:
    with unit_of_work(case.system.sessions) as session:
        _, rows = queries.search(session, case.people[who], queries.Filters(overdue=True))
        return [d.id for d in rows]


def handle_due(case, document_id):
    with case.system.sessions() as session:
        (task,) = participants.open_tasks(session, session.get(IncomingDocument, document_id), "incoming.handle")
        return task.due_at


# --------------------------------------------------------------------------- the assignment the domain keeps

def test_the_distribution_names_the_lead_and_its_deadline_is_the_documents(case, bureau):
    document_id = case()
    distribute(case, document_id)
    shown = document(case, document_id)
    assert (shown.lead_unit_id, shown.lead_user_id) == (bureau["a.u1"], bureau["a.staff"].user_id)
    assert shown.handling_deadline == DEADLINE == handle_due(case, document_id)
    assert shown.due_date.isoformat() == "2026-12-15"  # the sender's date is kept apart


def test_without_a_deadline_the_diagrams_default_is_the_documents(case, bureau):
    document_id = case()
    distribute(case, document_id, deadline=None)
    shown = document(case, document_id)
    # The diagram's default: ten working days from the distribution.
    assert shown.handling_deadline == handle_due(case, document_id)
    assert shown.handling_deadline > case.system.runtime.clock.now() + timedelta(days=10)


def test_a_unit_lead_gets_its_person_when_the_unit_head_names_the_handler(case, bureau):
    document_id = case()
    distribute(case, document_id, person=False)
    shown = document(case, document_id)
    assert (shown.lead_unit_id, shown.lead_user_id, shown.handling_deadline) == (bureau["a.u1"], None, DEADLINE)
    case.act("a.head1", document_id, "unit_assign", {"unit_decision": "assign",
                                                     "handler_user_id": bureau["a.staff2"].user_id})
    shown = document(case, document_id)
    assert (shown.lead_unit_id, shown.lead_user_id) == (bureau["a.u1"], bureau["a.staff2"].user_id)
    assert shown.handling_deadline == DEADLINE


def test_a_reassignment_names_the_new_lead_and_may_move_the_deadline(case, bureau):
    document_id = case()
    distribute(case, document_id)
    case.run(handling.reassign, case.system.runtime, bureau["a.leader"], document_id,
             lead_user_id=bureau["a.staff3"].user_id, lead_unit_id=bureau["a.u2"], reason="Đúng chức năng")
    shown = document(case, document_id)
    assert (shown.lead_unit_id, shown.lead_user_id) == (bureau["a.u2"], bureau["a.staff3"].user_id)
    assert shown.handling_deadline == DEADLINE
    case.run(handling.reassign, case.system.runtime, bureau["a.head2"], document_id,
             lead_user_id=bureau["a.head2"].user_id, lead_unit_id=None, reason="Tự xử lý", deadline=LATER)
    shown = document(case, document_id)
    assert (shown.lead_unit_id, shown.lead_user_id) == (bureau["a.u2"], bureau["a.head2"].user_id)
    assert shown.handling_deadline == LATER == handle_due(case, document_id)


def test_an_extension_moves_the_documents_deadline_a_coordinators_does_not(case, bureau):
    document_id = case()
    distribute(case, document_id, coordinators=[bureau["a.u2"]])
    case.run(handling.extend_deadline, case.system.runtime, bureau["a.leader"], document_id, deadline=LATER,
             reason="Chờ số liệu")
    assert document(case, document_id).handling_deadline == LATER == handle_due(case, document_id)
    with case.system.sessions() as session:
        (coordination,) = participants.open_tasks(session, session.get(IncomingDocument, document_id),
                                                  "incoming.coordinate")
    case.run(handling.extend_coordination, case.system.runtime, bureau["a.leader"], document_id, coordination.id,
             deadline=LATER + timedelta(days=3), reason="Chờ ý kiến")
    assert document(case, document_id).handling_deadline == LATER


# --------------------------------------------------------------------------- overdue

def test_past_the_handling_deadline_it_is_overdue_though_the_sender_asked_later(case, bureau, clock):
    document_id = case()  # the sender asks for a reply by 15/12/2026
    distribute(case, document_id)
    assert overdue_ids(case) == [] and not queries.is_overdue(document(case, document_id))
    clock.set(DEADLINE + timedelta(minutes=1))  # the same day, one minute late: a moment, not a date
    assert overdue_ids(case) == [document_id]
    assert queries.is_overdue(document(case, document_id))
    assert deadlines.state(document(case, document_id)) == deadlines.OVERDUE
    assert overdue_ids(case, "b.leader") == []  # another agency's register


def test_past_the_senders_reply_date_but_not_the_handling_deadline_it_is_on_time(case, bureau, clock):
    document_id = case(due_date="2026-11-20")
    distribute(case, document_id)
    assert overdue_ids(case) == [] and not queries.is_overdue(document(case, document_id))
    clock.set(DEADLINE - timedelta(hours=2))
    assert deadlines.state(document(case, document_id)) == deadlines.SOON


def test_an_extension_takes_it_out_of_overdue(case, bureau, clock):
    document_id = case()
    distribute(case, document_id)
    clock.set(DEADLINE + timedelta(hours=1))
    assert overdue_ids(case) == [document_id]
    case.run(handling.extend_deadline, case.system.runtime, bureau["a.leader"], document_id, deadline=LATER,
             reason="Chờ số liệu")
    assert overdue_ids(case) == [] and not queries.is_overdue(document(case, document_id))


def test_a_completed_document_is_never_overdue(case, bureau, clock):
    document_id = case()
    distribute(case, document_id)
    case.act("a.staff", document_id, "handle", {"result": "Đã xử lý", "completed": True})
    case.act("a.head1", document_id, "review", {"approved": True})
    clock.set(LATER)
    shown = document(case, document_id)
    assert shown.status == Status.COMPLETED and shown.handling_deadline == DEADLINE
    assert overdue_ids(case) == [] and not queries.is_overdue(shown)


@pytest.mark.parametrize("finish", ["refused", "closed"])
def test_a_refused_or_closed_document_is_never_overdue(case, bureau, clock, finish):
    document_id = case()
    distribute(case, document_id)
    clock.set(LATER)
    assert overdue_ids(case) == [document_id]
    with unit_of_work(case.system.sessions) as session:
        found = session.get(IncomingDocument, document_id)
        if finish == "refused":
            found.status = Status.REFUSED
        else:
            found.closed_at = clock.now()
    assert overdue_ids(case) == [] and not queries.is_overdue(document(case, document_id))


# --------------------------------------------------------------------------- a deadline already past

def test_a_past_deadline_is_refused_at_the_distribution(case, bureau, clock):
    document_id = case()
    clock.set(DEADLINE + timedelta(seconds=1))
    with pytest.raises(InvalidData) as refused:
        distribute(case, document_id)
    assert refused.value.errors == {"deadline": PAST}
    shown = document(case, document_id)
    assert (shown.lead_unit_id, shown.lead_user_id, shown.handling_deadline, shown.status) == (
        None, None, None, Status.ACCEPTED)
    with case.system.sessions() as session:
        assert participants.task_of(session, bureau["a.leader"], session.get(IncomingDocument, document_id),
                                    "incoming.distribute") is not None


def test_a_past_deadline_is_refused_at_extension_and_reassignment(case, bureau, clock):
    document_id = case()
    distribute(case, document_id, coordinators=[bureau["a.u2"]])
    clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=VN))
    past = datetime(2026, 11, 25, 8, 59, tzinfo=VN)
    with case.system.sessions() as session:
        (coordination,) = participants.open_tasks(session, session.get(IncomingDocument, document_id),
                                                  "incoming.coordinate")
    attempts = [
        (handling.extend_deadline, (document_id,), {"deadline": past, "reason": "Gia hạn"}),
        (handling.extend_coordination, (document_id, coordination.id), {"deadline": past, "reason": "Gia hạn"}),
        (handling.reassign, (document_id,), {"lead_user_id": bureau["a.staff3"].user_id, "lead_unit_id": None,
                                             "reason": "Đổi người", "deadline": past}),
    ]
    for action, args, kwargs in attempts:
        with pytest.raises(InvalidData) as refused:
            case.run(action, case.system.runtime, bureau["a.leader"], *args, **kwargs)
        assert refused.value.errors == {"deadline": PAST}, action
    shown = document(case, document_id)
    assert (shown.lead_user_id, shown.handling_deadline) == (bureau["a.staff"].user_id, DEADLINE)
    assert handle_due(case, document_id) == DEADLINE

"""The default diagrams' deadline timers, driven by the injected clock (runtime.fire_due), across a
weekend and a public holiday (01/01/2027): the handling's reminder a working day before its
deadline, overdue to its holder and the unit head at the deadline, the leaders a working day
later — each once, nothing for a step already done, no timer left behind; an urgent document not
picked up in time is escalated and its open tasks' urgency raised; the issue's deadline tells the
clerks. PostgreSQL only: the workflow is the database's business."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from documents.incoming.models import IncomingDocument
from documents.models import User
from documents.notifications.models import Notification
from documents.outgoing import contract as outgoing_contract
from documents.outgoing.models import OutgoingDocument
from engine.db import unit_of_work
from engine.models import HumanTask, ProcessInstance, Timer
from tests.incoming.conftest import bureau, case, keystore, store  # noqa: F401  (fixtures)
from tests.outgoing.test_workflow import at_the_issue
from tests.outgoing.workflow_office import Flow

VN = timezone(timedelta(hours=7))
# Wednesday 30/12/2026 09:00; the handling is due Monday 04/01/2027 10:00. Friday 01/01 is New
# Year's Day, then a weekend: the working day before the deadline is Thursday 31/12.
DISTRIBUTED = datetime(2026, 12, 30, 9, 0, tzinfo=VN)
DEADLINE = datetime(2027, 1, 4, 10, 0, tzinfo=VN)
REMINDER = datetime(2026, 12, 31, 10, 0, tzinfo=VN)
LEADERS = datetime(2027, 1, 5, 10, 0, tzinfo=VN)
MINUTE = timedelta(minutes=1)


@pytest.fixture
def system(pg):
    return pg


def distribute(case, document_id: int, *, person: bool = True, deadline: datetime | None = DEADLINE) -> None:
    staff = case.people["a.staff"]
    data = {"decision": "assign", "direction": "Đề nghị xử lý", "lead_unit_id": staff.unit_id}
    if person:
        data["lead_user_id"] = staff.user_id
    if deadline is not None:
        data["deadline"] = deadline.isoformat()
    case.act("a.leader", document_id, "distribute", data)


def instance_of(case, document_id: int) -> int:
    with case.system.sessions() as session:
        return session.get(IncomingDocument, document_id).process_instance_id


def fire(case, at: datetime) -> int:
    return case.system.runtime.fire_due(case.system.sessions, at)


def notes(system, instance_id: int) -> list[tuple[str, str, str | None, str]]:
    """(kind, username, link, title) of the instance's notifications, in the order written."""
    with system.sessions() as session:
        rows = session.execute(sa.select(Notification.kind, User.username, Notification.link, Notification.title)
                               .join(User, User.id == Notification.user_id)
                               .where(Notification.instance_id == instance_id)
                               .order_by(Notification.created_at, Notification.id)).all()
        return [tuple(row) for row in rows]


def timers(system, instance_id: int) -> dict[str, datetime]:
    with system.sessions() as session:
        rows = session.execute(sa.select(Timer.spec_name, Timer.fire_at).where(Timer.instance_id == instance_id))
        return {name: at for name, at in rows}


def task_row(system, instance_id: int, spec: str) -> HumanTask:
    with system.sessions() as session:
        row = session.scalar(sa.select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                        HumanTask.spec_name == spec).order_by(HumanTask.id.desc()))
        session.expunge(row)
        return row


# --------------------------------------------------------------------------- the handling's deadline

def test_reminder_overdue_unit_head_then_leaders_each_once_across_a_holiday_and_a_weekend(case, clock):
    clock.set(DISTRIBUTED)
    document_id = case()
    distribute(case, document_id)
    instance_id = instance_of(case, document_id)
    assert timers(case.system, instance_id) == {"handle_reminder": REMINDER, "handle_overdue": DEADLINE,
                                         "handle_escalation": LEADERS}
    handle = task_row(case.system, instance_id, "handle")
    assert handle.due_at == DEADLINE

    assert fire(case, REMINDER - MINUTE) == 0 and notes(case.system, instance_id) == []
    assert fire(case, REMINDER + MINUTE) == 1
    assert [(k, u, link) for k, u, link, _ in notes(case.system, instance_id)] == [
        ("reminder", "a.staff", f"/tasks/{handle.id}")]
    assert fire(case, REMINDER + 2 * MINUTE) == 0  # the reminder does not come back

    assert fire(case, DEADLINE - MINUTE) == 0
    assert fire(case, DEADLINE + MINUTE) == 1
    assert fire(case, LEADERS - MINUTE) == 0
    assert fire(case, LEADERS + MINUTE) == 1
    written = notes(case.system, instance_id)
    assert [(k, u, link) for k, u, link, _ in written] == [
        ("reminder", "a.staff", f"/tasks/{handle.id}"),
        ("overdue", "a.staff", f"/tasks/{handle.id}"),
        ("escalation", "a.head1", f"/incoming/{document_id}"),
        ("escalation", "a.leader", f"/incoming/{document_id}"),
        ("escalation", "a.leader2", f"/incoming/{document_id}"),
    ]
    reminder_title, overdue_title = written[0][3], written[1][3]
    assert reminder_title.startswith("Sắp đến hạn: Xử lý văn bản đến — văn bản đến số đến ")
    assert "123/SNV-VP «Về việc kiểm tra công tác văn thư năm 2026»" in reminder_title
    assert reminder_title.endswith(", hạn 10:00 04/01/2027") and overdue_title.startswith("Quá hạn: ")
    assert timers(case.system, instance_id) == {}  # every deadline timer fired once; none re-armed

    # Fired again, swept twice later: nothing new.
    assert fire(case, LEADERS + timedelta(days=30)) == 0
    assert fire(case, LEADERS + timedelta(days=31)) == 0
    assert len(notes(case.system, instance_id)) == 5


def test_the_notify_service_writes_an_event_once(case, clock):
    """The same event notified again (a timer fired again) finds its rows and writes nothing."""
    from documents.deadlines import escalation
    from engine import step as steps

    clock.set(DISTRIBUTED)
    document_id = case()
    distribute(case, document_id)
    instance_id = instance_of(case, document_id)
    params = {"kind": "overdue", "to": "task", "task": "handle"}
    for expected in (1, 0):
        with unit_of_work(case.system.sessions) as session, steps.running(session):
            steps.enter_scope("000.00.01.H99", instance_id)
            assert escalation.notify(params, {})["notified"] == expected
    assert [k for k, *_ in notes(case.system, instance_id)] == ["overdue"]


def test_nothing_fires_once_the_handling_is_done_and_no_timer_outlives_the_process(case, clock):
    clock.set(DISTRIBUTED)
    document_id = case()
    distribute(case, document_id)
    instance_id = instance_of(case, document_id)
    case.act("a.staff", document_id, "handle", {"result": "Đã xử lý", "completed": True})
    assert timers(case.system, instance_id) == {}  # cancelled with the handling
    assert fire(case, LEADERS + timedelta(days=10)) == 0
    assert notes(case.system, instance_id) == []
    case.act("a.head1", document_id, "review", {"approved": True})
    with case.system.sessions() as session:
        assert session.get(ProcessInstance, instance_id).status == "completed"


def test_an_extended_deadline_moves_the_overdue_timer(case, clock):
    """The leader's extension moves the timers the contract names: overdue at the new deadline, the
    reminder a working day before it, the leaders' escalation a working day after."""
    from documents.calendar.business import DEFAULT_CALENDAR
    from documents.incoming import handling

    clock.set(DISTRIBUTED)
    document_id = case()
    distribute(case, document_id)
    instance_id = instance_of(case, document_id)
    later = DEADLINE + timedelta(days=7)
    case.run(handling.extend_deadline, case.system.runtime, case.people["a.leader"], document_id, deadline=later,
             reason="Chờ số liệu")
    moved = timers(case.system, instance_id)
    assert moved["handle_overdue"] == later
    assert moved["handle_reminder"] == DEFAULT_CALENDAR.working_days_before(later, 1)
    assert moved["handle_escalation"] == DEFAULT_CALENDAR.add_working_days(later, 1)
    fire(case, DEADLINE + MINUTE)
    assert "overdue" not in [k for k, *_ in notes(case.system, instance_id)]


# --------------------------------------------------------------------------- urgent documents not picked up

def test_an_urgent_document_not_distributed_in_four_working_hours_is_escalated_once(case, clock):
    document_id = case(urgency="urgent")  # Monday 23/11/2026 08:00
    instance_id = instance_of(case, document_id)
    window = datetime(2026, 11, 23, 14, 0, tzinfo=VN)  # 08:00–11:30, then 13:30–14:00
    assert timers(case.system, instance_id) == {"distribute_reminder": window}
    assert task_row(case.system, instance_id, "distribute").urgency == 1
    assert fire(case, window - MINUTE) == 0
    assert fire(case, window + MINUTE) == 1
    assert [(k, u, link) for k, u, link, _ in notes(case.system, instance_id)] == [
        ("urgency", "a.leader", f"/incoming/{document_id}"), ("urgency", "a.leader2", f"/incoming/{document_id}")]
    assert task_row(case.system, instance_id, "distribute").urgency == 2
    assert fire(case, window + timedelta(days=5)) == 0
    assert task_row(case.system, instance_id, "distribute").urgency == 2 and len(notes(case.system, instance_id)) == 2


def test_an_urgent_document_not_assigned_in_its_unit_is_escalated_to_the_unit_head(case, clock):
    document_id = case(urgency="very_urgent")
    instance_id = instance_of(case, document_id)
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=VN))
    distribute(case, document_id, person=False, deadline=None)
    window = datetime(2026, 11, 23, 15, 0, tzinfo=VN)  # 09:00–11:30, then 13:30–15:00
    assert timers(case.system, instance_id)["unit_assign_late"] == window
    assert task_row(case.system, instance_id, "unit_assign").urgency == 2
    assert fire(case, window + MINUTE) == 1
    assert [(k, u) for k, u, *_ in notes(case.system, instance_id)] == [("urgency", "a.head1")]
    assert task_row(case.system, instance_id, "unit_assign").urgency == 3


def test_a_normal_document_not_distributed_in_a_working_day_reminds_the_leaders(case, clock):
    document_id = case()  # Monday 23/11/2026 08:00; Tuesday 24/11 is a day off (Vietnamese Culture Day)
    instance_id = instance_of(case, document_id)
    due = datetime(2026, 11, 25, 8, 0, tzinfo=VN)
    assert timers(case.system, instance_id) == {"distribute_reminder": due}
    assert fire(case, due + MINUTE) == 1
    distribute_id = task_row(case.system, instance_id, "distribute").id
    assert [(k, u, link) for k, u, link, _ in notes(case.system, instance_id)] == [
        ("overdue", "a.leader", f"/tasks/{distribute_id}"), ("overdue", "a.leader2", f"/tasks/{distribute_id}")]
    assert task_row(case.system, instance_id, "distribute").urgency == 0


# --------------------------------------------------------------------------- the outgoing issue

def test_the_issue_deadline_tells_the_clerks_once(pg, bureau):  # noqa: F811
    flow = Flow(pg, bureau)
    document_id = at_the_issue(flow)
    with pg.sessions() as session:
        instance_id = session.get(OutgoingDocument, document_id).process_instance_id
    issue = flow.task(document_id, outgoing_contract.ISSUE)
    assert issue.due_at == datetime(2026, 11, 23, 17, 0, tzinfo=VN)
    assert pg.runtime.fire_due(pg.sessions, issue.due_at - MINUTE) == 0
    assert pg.runtime.fire_due(pg.sessions, issue.due_at + MINUTE) == 1
    assert pg.runtime.fire_due(pg.sessions, issue.due_at + timedelta(days=3)) == 0
    written = notes(pg, instance_id)
    assert [(k, u, link) for k, u, link, _ in written] == [("overdue", "a.clerk", f"/tasks/{issue.id}")]
    assert written[0][3].startswith("Quá hạn: Cấp số, ký số cơ quan và phát hành — văn bản đi «")



def test_without_the_leaders_deadline_the_agencys_policy_sets_it_and_the_timers_follow(case, clock):
    """An urgent document (khẩn: 2 working days by the national defaults) received Monday 23/11 08:00
    and distributed at 09:00 with no deadline: counted from its receipt (a handling sent back and
    reopened keeps it), Tuesday 24/11 being a day off, it is due Thursday 26/11 08:00."""
    document_id = case(urgency="urgent")
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=VN))
    distribute(case, document_id, deadline=None)
    instance_id = instance_of(case, document_id)
    due = datetime(2026, 11, 26, 8, 0, tzinfo=VN)
    assert task_row(case.system, instance_id, "handle").due_at == due
    assert timers(case.system, instance_id) == {"handle_reminder": due - timedelta(days=1), "handle_overdue": due,
                                                "handle_escalation": due + timedelta(days=1)}


@pytest.mark.parametrize("name", ["incoming.bpmn", "outgoing.bpmn"])
def test_every_deadline_expression_runs_in_process_without_a_sandbox_round_trip(name):
    """What keeps the timers cheap: their dates, the due dates and the services' parameters are of
    the shape engine/cheap.py evaluates in the engine's process (a helper round trip costs 0.1 ms
    idle, milliseconds under load)."""
    import xml.etree.ElementTree as ET
    from pathlib import Path

    from engine import cheap

    root = ET.parse(Path(__file__).resolve().parents[2] / "bpmn" / name).getroot()
    spiff = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"
    expressions = [e.text for e in root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}timeDate")]
    expressions += [p.get("value") for p in root.iter(f"{spiff}parameter")]
    expressions += [p.get("value") for p in root.iter(f"{spiff}property") if p.get("name") in ("dueDate", "urgency")]
    assert len(expressions) > 10
    assert [e for e in expressions if cheap._tree(e) is None] == []


def test_a_reminder_already_due_when_the_handling_opens_tells_the_handler_once(case, clock):
    """A deadline less than a working day away: the reminder's moment has passed when the handling
    opens, so its timer fires in the step that opens it — before the step's row exists. The
    handler is still told, once, in that step."""
    clock.set(DISTRIBUTED)  # Wednesday 30/12/2026 09:00
    document_id = case()
    close = datetime(2026, 12, 30, 15, 0, tzinfo=VN)  # the same afternoon
    distribute(case, document_id, deadline=close)
    instance_id = instance_of(case, document_id)
    told = [(kind, user, link) for kind, user, link, _ in notes(case.system, instance_id)]
    handle = task_row(case.system, instance_id, "handle")
    assert told == [("reminder", "a.staff", f"/tasks/{handle.id}")]
    assert "handle_reminder" not in timers(case.system, instance_id)
    assert fire(case, close - MINUTE) == 0 and len(notes(case.system, instance_id)) == 1

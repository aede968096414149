"""The daily digest, driven by the injected clock: at the start of each working day (the agency's
calendar: not before 07:30, nothing on a weekend or on a public holiday), once a day per person
with due-soon or overdue work, listing it with links; two workers never both write a day."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from dramatiq import Message
from dramatiq.brokers.stub import StubBroker

from documents import accounts
from documents.incoming.models import IncomingDocument
from documents.notifications import digest
from documents.notifications.models import DigestRun, Kind, Notification
from documents.vntime import VN_TZ
from engine.db import unit_of_work
from tasks import actors, scheduler
from tests.conftest import PASSWORD
from tests.engine import diagrams

AGENCY = "000.00.01.H99"
# A task offered to the person named by the data, due when the data says.
WORK = diagrams.linear(diagrams.user_task("work", "Xử lý văn bản", {"candidateUser": "who", "dueDate": "due"}),
                       ids=["work"])


def vn(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=VN_TZ)


@pytest.fixture
def people(pg):
    with unit_of_work(pg.sessions) as session:
        pg.runtime.deploy(session, "default", WORK, "t")
        agency = accounts.create_agency(session, AGENCY, "Văn phòng UBND tỉnh")
        a = accounts.create_user(session, agency, "nguyen-van-a", "Nguyễn Văn A", PASSWORD, ["staff"])
        b = accounts.create_user(session, agency, "tran-thi-b", "Trần Thị B", PASSWORD, ["staff"])
        c = accounts.create_user(session, agency, "le-van-c", "Lê Văn C", PASSWORD, ["staff"])
        return {"agency": agency.id, "a": a.id, "b": b.id, "c": c.id}


def task_for(pg, user_id: int, due: datetime) -> int:
    with unit_of_work(pg.sessions) as session:
        instance = pg.runtime.start(session, AGENCY, "p", "t", {"who": str(user_id), "due": due.isoformat()})
        return pg.runtime.open_tasks(session, instance.id)[0].id


def digests(pg, user_id: int) -> list[Notification]:
    with unit_of_work(pg.sessions) as session:
        rows = list(session.scalars(sa.select(Notification).where(Notification.user_id == user_id)
                                    .order_by(Notification.id)))
        session.expunge_all()
        return rows


def test_once_at_the_start_of_each_working_day_across_a_holiday_and_a_weekend(pg, clock, people):
    task_a = task_for(pg, people["a"], vn(23, 16))  # due Monday afternoon
    task_for(pg, people["b"], vn(30, 9))  # due the Monday after, 09:00
    task_for(pg, people["c"], vn(10, 9, month=12))  # due far ahead: never in a digest here

    written = {}
    # Mon 23, Tue 24 (Ngày Văn hóa Việt Nam, a public holiday from 2026), Wed 25, Sat 28, Sun 29, Mon 30 November 2026.
    for day in (23, 24, 25, 28, 29, 30):
        clock.set(vn(day, 7, 29))
        assert digest.send_due(pg) == 0  # before the working day starts
        clock.set(vn(day, 7, 30))
        written[day] = digest.send_due(pg)
        clock.set(vn(day, 15))
        assert digest.send_due(pg) == 0  # once a day
    assert written == {23: 1, 24: 0, 25: 1, 28: 0, 29: 0, 30: 2}

    first, second, third = digests(pg, people["a"])
    assert [n.kind for n in (first, second, third)] == [Kind.DIGEST] * 3
    assert first.dedupe_key == f"digest:2026-11-23:u{people['a']}" and first.created_at == vn(23, 7, 30)
    assert first.title == "Công việc ngày 23/11/2026: 0 quá hạn, 1 sắp đến hạn"
    assert first.body == f"- [Sắp đến hạn] Xử lý văn bản — hạn 16:00 23/11/2026: /tasks/{task_a}"
    assert first.link == "/tasks"
    assert second.title == "Công việc ngày 25/11/2026: 1 quá hạn, 0 sắp đến hạn"
    assert second.body.startswith("- [Quá hạn] Xử lý văn bản — hạn 16:00 23/11/2026")
    assert third.dedupe_key == f"digest:2026-11-30:u{people['a']}"
    [for_b] = digests(pg, people["b"])
    assert for_b.title == "Công việc ngày 30/11/2026: 0 quá hạn, 1 sắp đến hạn"
    assert digests(pg, people["c"]) == []

    with unit_of_work(pg.sessions) as session:
        runs = session.execute(sa.select(DigestRun.day, DigestRun.written).order_by(DigestRun.day)).all()
    assert [(d.day, w) for d, w in runs] == [(23, 1), (24, 0), (25, 1), (28, 0), (29, 0), (30, 2)]


def test_the_list_names_tasks_and_led_documents_most_overdue_first_and_counts_the_rest(pg, clock, people):
    clock.set(vn(25, 7, 30))
    led = lead_document(pg, people, vn(25, 16))
    tasks = [task_for(pg, people["a"], vn(23, 9) + timedelta(hours=i)) for i in range(11)]
    assert digest.send_due(pg) == 1
    [notification] = digests(pg, people["a"])
    assert notification.title == "Công việc ngày 25/11/2026: 11 quá hạn, 1 sắp đến hạn"
    lines = notification.body.splitlines()
    assert len(lines) == 11 and lines[-1] == "… và 2 việc khác."
    assert lines[0] == f"- [Quá hạn] Xử lý văn bản — hạn 09:00 23/11/2026: /tasks/{tasks[0]}"
    assert lines[9].endswith(f"/tasks/{tasks[9]}")
    # The led document (due this afternoon) comes after every overdue task: counted, not listed.
    with unit_of_work(pg.sessions) as session:
        items = digest.due_work(session, people["agency"], AGENCY, clock.now())[people["a"]]
    assert items[-1].link == f"/incoming/{led}" and items[-1].title == "Văn bản đến 12/UBND-VX Về việc kiểm tra"


def lead_document(pg, people, deadline: datetime) -> int:
    """An incoming document under handling that person A leads."""
    now = datetime(2026, 11, 20, 2, tzinfo=timezone.utc)
    with unit_of_work(pg.sessions) as session:
        document = IncomingDocument(
            agency_id=people["agency"], channel="paper", status="04", arrived_at=now, received_at=now,
            issuer_name="UBND tỉnh", number_notation="12/UBND-VX", document_date=now.date(), doc_type="Công văn",
            subject="Về việc kiểm tra", urgency="normal", search_text="", created_at=now,
            handling_deadline=deadline, lead_user_id=people["a"])
        session.add(document)
        session.flush()
        return document.id


def test_a_settled_day_costs_one_query_a_tick(pg, clock, people):
    task_for(pg, people["a"], vn(23, 16))
    clock.set(vn(23, 8))
    assert digest.send_due(pg) == 1
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    sa.event.listen(pg.db, "before_cursor_execute", listener)
    try:
        assert digest.send_due(pg) == 0
    finally:
        sa.event.remove(pg.db, "before_cursor_execute", listener)
    assert len(statements) == 1 and "digest_run" in statements[0]


def test_two_workers_never_both_write_a_day(pg, clock, people):
    """The other worker has inserted the day's run and not committed yet: this one waits for it,
    finds the row and writes nothing."""
    task_for(pg, people["a"], vn(23, 16))
    clock.set(vn(23, 8))
    with pg.db.connect() as other:
        other.execute(sa.insert(DigestRun).values(agency_id=people["agency"], day=vn(23, 8).date(),
                                                  at=clock.now(), written=0))
        result = {}
        worker = threading.Thread(target=lambda: result.update(written=digest.send_due(pg)))
        worker.start()
        deadline = time.monotonic() + 20
        while not waiting_for_lock(pg) and time.monotonic() < deadline:
            time.sleep(0.02)  # polling for the condition the test needs, not a fixed wait
        assert waiting_for_lock(pg)
        other.commit()
        worker.join(timeout=20)
    assert result == {"written": 0} and digests(pg, people["a"]) == []


def waiting_for_lock(pg) -> bool:
    with pg.db.connect() as probe:
        return bool(probe.scalar(sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%digest_run%'")))


def test_every_scheduler_tick_asks_for_the_digests():
    broker = StubBroker()
    actors.bind(broker)
    try:
        scheduler.tick()
        sent = [Message.decode(raw).actor_name for raw in broker.queues["default"].queue]
        assert "notify.digest" in sent
    finally:
        actors.bind(StubBroker())

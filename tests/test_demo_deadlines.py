"""The issue's "done means", end to end on the seeded demo province (real PostgreSQL, a real SMTP
server): the demo's walkthrough document 301/UBND-KT, received Monday 23/11/2026 07:59 and due two
working days later — Thursday 26/11 07:59, Tuesday 24/11 being a public holiday — is reminded,
then overdue and escalated to the unit head, then to the leader, as the clock moves one working day
at a time (the demo clock's own arithmetic, `qlvbdh demo-clock advance 1wd`); each notification
once, in the app and by email; and the leader's dashboard figures equal a hand count."""
from __future__ import annotations

import dataclasses
import email
import email.policy
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa

from documents import accounts, demo, demo_clock, demo_documents, demo_outgoing
from documents.demo_clock import DemoClock
from documents.dashboard import access, queries
from documents.incoming.models import IncomingDocument
from documents.models import User
from documents.notifications.models import EmailStatus, Kind, Notification
from documents.system import System
from documents.vntime import VN_TZ
from engine import clock as clocks
from engine.clock import FixedClock
from engine.db import unit_of_work
from tasks import inline
from tests.notifications.test_email import Collector, smtp  # noqa: F401  (the real SMTP server fixture)

WALKTHROUGH = "301/UBND-KT"
# Distributed a working minute before the seeding (Monday 07:59), due two working days later:
# Thursday 07:59, Tuesday being off; reminded Wednesday 07:59, the leader told Friday 07:59.
DEADLINE = datetime(2026, 11, 26, 7, 59, tzinfo=VN_TZ)
SPECIALIST, HEAD, LEADER = "chuyenvien", "truongphong", "lanhdao"


@pytest.fixture
def demo_time(clock: FixedClock, tmp_path: Path) -> DemoClock:
    """The demo clock as `make run` has it, on the test's clock instead of real time."""
    return DemoClock(tmp_path / "demo-clock", base=clock)


@pytest.fixture
def province(pg: System, smtp, demo_time: DemoClock) -> Iterator[System]:  # noqa: F811
    """The demo province as `qlvbdh seed-demo` makes it at Monday 08:00, on the demo clock,
    mailing to the SMTP server."""
    _, port = smtp
    pg.settings = dataclasses.replace(pg.settings, smtp_host="127.0.0.1", smtp_port=port)
    pg.runtime.clock = demo_time
    with clocks.using(demo_time):
        with unit_of_work(pg.sessions) as session:
            demo.seed(session, pg.runtime, pg.keystore)
        with unit_of_work(pg.sessions) as session:
            demo_documents.seed(session, pg.runtime, pg.keystore, pg.files)
        demo_outgoing.seed(pg, drain=lambda: inline.drain(pg))
        yield pg


def tick(system: System) -> None:
    """What the scheduler does at its next tick: fire the due timers, then send what they wrote."""
    system.runtime.fire_due(system.sessions)
    inline.drain(system)


def move(system: System, amount: str = "1wd") -> datetime:
    """`qlvbdh demo-clock advance <amount>` in another process: only the file tells the system."""
    return demo_clock.advance(DemoClock(system.runtime.clock.path, base=system.runtime.clock.base), amount)


def walkthrough_notes(system: System) -> list[tuple[str, str, str | None]]:
    """(username, kind, email status) of the walkthrough's notifications, in order."""
    with system.sessions() as session:
        instance = session.scalar(sa.select(IncomingDocument.process_instance_id)
                                  .where(IncomingDocument.number_notation == WALKTHROUGH))
        return [tuple(row) for row in session.execute(
            sa.select(User.username, Notification.kind, Notification.email_status)
            .join(User, User.id == Notification.user_id)
            .where(Notification.instance_id == instance).order_by(Notification.id))]


def walkthrough_mail(collector: Collector) -> list[tuple[list[str], str]]:
    """(recipients, subject) of what the SMTP server received about the walkthrough."""
    mail = [(rcpt, email.message_from_bytes(raw, policy=email.policy.default)) for _, rcpt, raw in collector.received]
    return [(rcpt, str(message["Subject"])) for rcpt, message in mail if WALKTHROUGH in str(message["Subject"])]


def figures(system: System, at: datetime) -> queries.Figures:
    with system.sessions() as session:
        leader = accounts.identity_of(session, session.scalar(sa.select(User).where(User.username == LEADER)))
        return queries.totals(session, access.scope_for(session, leader), at)


def address(username: str) -> list[str]:
    return [f"{username}@{demo.MAIL_DOMAIN}"]


def test_reminder_overdue_and_escalations_once_each_in_the_app_and_by_email(province, smtp, demo_time):  # noqa: F811
    collector, _ = smtp
    with clocks.using(demo_time):
        tick(province)  # the seeded overdue documents' timers fire at the first tick; not the walkthrough's
        assert walkthrough_notes(province) == [] and walkthrough_mail(collector) == []

        reminded = move(province)  # Wednesday 08:00: one working day before the deadline
        assert reminded == datetime(2026, 11, 25, 8, 0, tzinfo=VN_TZ)
        tick(province)
        sent = EmailStatus.SENT
        assert walkthrough_notes(province) == [(SPECIALIST, Kind.REMINDER, sent)]
        assert [rcpt for rcpt, _ in walkthrough_mail(collector)] == [address(SPECIALIST)]

        move(province)  # Thursday 08:00: the deadline
        tick(province)
        tick(province)  # a second sweep finds nothing more to do
        assert walkthrough_notes(province) == [(SPECIALIST, Kind.REMINDER, sent), (SPECIALIST, Kind.OVERDUE, sent),
                                               (HEAD, Kind.ESCALATION, sent)]
        assert [rcpt for rcpt, _ in walkthrough_mail(collector)] == [address(SPECIALIST), address(SPECIALIST),
                                                                     address(HEAD)]

        move(province)  # Friday 08:00: one working day overdue, the leader is told
        tick(province)
        notes = walkthrough_notes(province)
        assert notes[3:] == [(LEADER, Kind.ESCALATION, sent)] and len(notes) == 4
        assert [rcpt for rcpt, _ in walkthrough_mail(collector)][3:] == [address(LEADER)]

        move(province, "2 ngày làm việc")  # on to Tuesday: nothing more about this document
        tick(province)
        assert walkthrough_notes(province) == notes and len(walkthrough_mail(collector)) == 4


def test_the_leaders_dashboard_matches_a_hand_count(province, demo_time):
    """The office's 16 incoming documents: 88/BQL-KCN and 133/SNV-BVCT returned (02), 52/SCT-QLTM
    and 64/SNN-KH completed (06): 12 open. Overdue on Monday 08:00: 210/STC-NS (due 21/11 17:00) and
    77/SKHĐT-ĐT (due 22/11 17:00). 52/SCT-QLTM completed 16/11 09:00, due 20/11 17:00: on time, in
    72 h (received 13/11 09:00); 64/SNN-KH completed 20/11 09:00, due 17/11 17:00: late, in 97.5 h
    (received on Saturday 14/11, counted from Monday 16/11 07:30): 84.75 h on average."""
    monday = demo_time.now()
    assert figures(province, monday) == queries.Figures(open=12, due_soon=0, overdue=2, completed_on_time=1,
                                                        completed_late=1, average_handling_hours=84.75)
    wednesday = datetime(2026, 11, 25, 8, 1, tzinfo=VN_TZ)  # the walkthrough due within 24 h
    assert figures(province, wednesday) == queries.Figures(open=12, due_soon=1, overdue=2, completed_on_time=1,
                                                           completed_late=1, average_handling_hours=84.75)
    thursday = DEADLINE + timedelta(minutes=1)  # … and now overdue
    assert figures(province, thursday) == queries.Figures(open=12, due_soon=0, overdue=3, completed_on_time=1,
                                                          completed_late=1, average_handling_hours=84.75)
    with province.sessions() as session:
        leader = accounts.identity_of(session, session.scalar(sa.select(User).where(User.username == LEADER)))
        overdue = queries.items(session, access.scope_for(session, leader), thursday, queries.OVERDUE)
    assert [item.number_notation for item in overdue.items] == ["210/STC-NS", "77/SKHĐT-ĐT", WALKTHROUGH]

"""Email of notifications, read back from a real SMTP server on 127.0.0.1 (aiosmtpd): content,
recipient, subject and charset; the mail folder; a temporary refusal retried then an incident; a
permanent refusal failed for good; a send interrupted mid-way made uncertain, an incident, and
sent by the administrator's retry."""
from __future__ import annotations

import dataclasses
import email
import email.policy
import socket
from datetime import timedelta
from typing import Iterator

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from documents import accounts
from documents.notifications import email as notification_email
from documents.notifications.models import EmailStatus, Kind, Notification
from documents.notifications.service import Message, notify
from engine.db import unit_of_work
from engine.models import Incident, Outbox
from tasks import inline
from tests.conftest import PASSWORD

AGENCY = "000.00.01.H99"
PUBLIC = "https://vanban.example.vn"
TITLE = "Quá hạn xử lý: Công văn 12/UBND-VX về việc kiểm tra <khẩn>"


class Collector:
    """An SMTP server's handler: keeps every message; answers with ``refuse_rcpt`` / ``refuse_data``
    when set (an SMTP reply line), as a real server refusing would."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []
        self.refuse_rcpt: str | None = None
        self.refuse_data: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, options):
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_data:
            return self.refuse_data
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[tuple[Collector, int]]:
    handler, port = Collector(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def mailing(pg, smtp):
    handler, port = smtp
    pg.settings = dataclasses.replace(pg.settings, smtp_host="127.0.0.1", smtp_port=port, public_url=PUBLIC,
                                      mail_from="qlvbdh@example.vn")
    return pg


def seed(system, address: str | None = "chuyenvien@example.vn") -> tuple[int, int]:
    with unit_of_work(system.sessions) as session:
        agency = accounts.create_agency(session, AGENCY, "Văn phòng UBND tỉnh")
        user = accounts.create_user(session, agency, "nguyen-van-a", "Nguyễn Văn A", PASSWORD, ["staff"])
        user.email = address
        return agency.id, user.id


def notified(system, kind: str = Kind.OVERDUE, key: str = "timer:1") -> int:
    agency_id, user_id = seed(system)
    with unit_of_work(system.sessions) as session:
        rows = notify(session, agency_id, [user_id],
                      Message(kind, TITLE, "Hạn xử lý: 08:00 23/11/2026.\nĐề nghị hoàn thành ngay.", "/tasks/7"), key)
        return rows[0].id


def state(system, notification_id: int) -> Notification:
    with unit_of_work(system.sessions) as session:
        row = session.get(Notification, notification_id)
        session.expunge(row)
        return row


def incidents(system) -> list[Incident]:
    with unit_of_work(system.sessions) as session:
        rows = list(session.scalars(sa.select(Incident).order_by(Incident.id)))
        session.expunge_all()
        return rows


def outbox_row(system) -> Outbox:
    with unit_of_work(system.sessions) as session:
        row = session.scalar(sa.select(Outbox).where(Outbox.topic == notification_email.TOPIC))
        session.expunge(row)
        return row


def parsed(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def test_the_email_reaches_the_smtp_server_with_subject_link_and_charset(mailing, smtp):
    handler, _ = smtp
    notification_id = notified(mailing)
    assert inline.drain(mailing) == 1
    assert inline.drain(mailing) == 0  # handled: nothing published again

    [(sender, recipients, raw)] = handler.received
    assert sender == "qlvbdh@example.vn" and recipients == ["chuyenvien@example.vn"]
    message = parsed(raw)
    assert message["Subject"] == TITLE and message["To"] == "chuyenvien@example.vn"
    assert message["Message-ID"] == f"<notification-{notification_id}.qlvbdh@vanban.example.vn>"
    plain, page = message.get_body(("plain",)), message.get_body(("html",))
    assert plain.get_content_charset() == "utf-8" and page.get_content_charset() == "utf-8"
    text = plain.get_content()
    assert "Đề nghị hoàn thành ngay." in text and f"{PUBLIC}/tasks/7" in text and f"{PUBLIC}/account" in text
    markup = page.get_content()
    assert f'href="{PUBLIC}/tasks/7"' in markup and "&lt;khẩn&gt;" in markup and "<khẩn>" not in markup

    sent = state(mailing, notification_id)
    assert sent.email_status == EmailStatus.SENT and sent.email_sent_at is not None
    assert outbox_row(mailing).handled_at is not None


def test_a_redelivered_message_sends_nothing_again(mailing, smtp):
    handler, _ = smtp
    notification_id = notified(mailing)
    inline.drain(mailing)
    assert inline.handle(mailing, notification_email.TOPIC, outbox_row(mailing).id)
    assert len(handler.received) == 1 and state(mailing, notification_id).email_status == EmailStatus.SENT


def test_the_mail_folder_gets_one_eml_file_per_email(system, tmp_path):
    """On SQLite too (the embedded default, whose demo writes the mail folder): the claim's own
    transaction must not wait for the handler's."""
    system.settings = dataclasses.replace(system.settings, mail_dir=tmp_path / "mail", public_url=PUBLIC)
    notification_id = notified(system)
    inline.drain(system)
    [written] = list((tmp_path / "mail").iterdir())
    assert written.name == f"notification-{notification_id}.qlvbdh.eml"
    message = parsed(written.read_bytes())
    assert message["Subject"] == TITLE and message["To"] == "chuyenvien@example.vn"
    assert f"{PUBLIC}/tasks/7" in message.get_body(("plain",)).get_content()
    assert state(system, notification_id).email_status == EmailStatus.SENT


def test_no_transport_configured_marks_the_email_off(pg):
    notification_id = notified(pg)
    inline.drain(pg)
    assert state(pg, notification_id).email_status == EmailStatus.OFF


def test_a_temporary_refusal_is_retried_then_becomes_an_incident(mailing, smtp, clock):
    handler, _ = smtp
    handler.refuse_data = "451 4.3.0 Hệ thống bận, thử lại sau"
    notification_id = notified(mailing)
    inline.drain(mailing)
    assert state(mailing, notification_id).email_status == EmailStatus.PENDING  # claim released
    row = outbox_row(mailing)
    assert row.attempts == 1 and row.retry_at == clock.now() + timedelta(minutes=1) and "451" in row.last_error
    inline.drain(mailing)
    assert outbox_row(mailing).attempts == 1  # not taken before its retry time
    for attempt, minutes in ((2, 1), (3, 2), (4, 4)):
        clock.advance(minutes=minutes)
        inline.drain(mailing)
        assert outbox_row(mailing).attempts == attempt
    [incident] = incidents(mailing)
    assert incident.scope == AGENCY and incident.job == "message" and "451" in incident.error
    assert handler.received == [] and state(mailing, notification_id).email_status == EmailStatus.PENDING

    handler.refuse_data = None  # the server is back; the administrator retries
    with unit_of_work(mailing.sessions) as session:
        mailing.runtime.retry_incident(session, incident.id, AGENCY, "admin")
    assert inline.drain(mailing) == 1
    assert len(handler.received) == 1 and state(mailing, notification_id).email_status == EmailStatus.SENT


def test_a_refused_server_connection_is_temporary(pg):
    pg.settings = dataclasses.replace(pg.settings, smtp_host="127.0.0.1", smtp_port=free_port())
    notification_id = notified(pg)
    inline.drain(pg)
    assert state(pg, notification_id).email_status == EmailStatus.PENDING
    assert outbox_row(pg).attempts == 1 and incidents(pg) == []


@pytest.mark.parametrize("when, reply, error", [
    ("refuse_rcpt", "550 5.1.1 No such mailbox", "SMTP 550: chuyenvien@example.vn: 5.1.1 No such mailbox"),
    ("refuse_data", "554 5.6.0 Message refused", "SMTP 554: 5.6.0 Message refused"),
])
def test_a_permanent_refusal_fails_the_email_without_retry(mailing, smtp, clock, when, reply, error):
    handler, _ = smtp
    setattr(handler, when, reply)
    notification_id = notified(mailing)
    inline.drain(mailing)
    failed = state(mailing, notification_id)
    assert failed.email_status == EmailStatus.FAILED and failed.email_error == error
    row = outbox_row(mailing)
    assert row.handled_at is not None and row.attempts == 0
    clock.advance(hours=2)
    assert inline.drain(mailing) == 0 and incidents(mailing) == [] and handler.received == []


def test_a_send_interrupted_mid_way_is_uncertain_an_incident_and_the_retry_sends_it(mailing, smtp):
    """A worker died after claiming: the redelivery finds ``sending``, sends nothing, and asks
    an administrator at once; the administrator's retry sends it."""
    handler, _ = smtp
    notification_id = notified(mailing)
    with unit_of_work(mailing.sessions) as session:  # what the dead worker left committed
        session.get(Notification, notification_id).email_status = EmailStatus.SENDING
    inline.drain(mailing)
    assert handler.received == []
    assert state(mailing, notification_id).email_status == EmailStatus.UNCERTAIN
    [incident] = incidents(mailing)
    assert incident.attempts == 1 and incident.scope == AGENCY
    assert "có thể đã được gửi" in incident.error and "chuyenvien@example.vn" in incident.error
    assert inline.drain(mailing) == 0  # an incident waits for a person

    with unit_of_work(mailing.sessions) as session:
        mailing.runtime.retry_incident(session, incident.id, AGENCY, "admin")
    assert inline.drain(mailing) == 1
    assert len(handler.received) == 1 and state(mailing, notification_id).email_status == EmailStatus.SENT


def test_a_person_without_an_address_gets_no_email(pg):
    agency_id, user_id = seed(pg, address=None)
    with unit_of_work(pg.sessions) as session:
        [row] = notify(session, agency_id, [user_id], Message(Kind.OVERDUE, TITLE), "timer:2")
        assert row.email_status is None
    assert inline.drain(pg) == 0


def test_a_stray_redelivery_of_a_message_in_an_incident_sends_nothing(mailing, smtp):
    """The broker may hand over a dead worker's message again at any time: while its row waits
    for a person (an incident), it is not sent."""
    handler, _ = smtp
    notification_id = notified(mailing)
    with unit_of_work(mailing.sessions) as session:
        session.get(Notification, notification_id).email_status = EmailStatus.SENDING
    inline.drain(mailing)
    assert inline.handle(mailing, notification_email.TOPIC, outbox_row(mailing).id)
    assert handler.received == [] and state(mailing, notification_id).email_status == EmailStatus.UNCERTAIN
    assert len(incidents(mailing)) == 1 and outbox_row(mailing).handled_at is None


def test_paths_named_in_the_body_become_absolute_links(mailing, smtp):
    """A digest names each item's page by its path; in the email each is a link on the public URL."""
    handler, _ = smtp
    agency_id, user_id = seed(mailing)
    body = "- [Quá hạn] Xử lý văn bản 12/UBND-VX <b> — hạn 16:00 23/11/2026: /tasks/12"
    with unit_of_work(mailing.sessions) as session:
        notify(session, agency_id, [user_id], Message(Kind.DIGEST, "Công việc ngày 25/11/2026", body, "/tasks"),
               "digest:2026-11-25")
    inline.drain(mailing)
    message = parsed(handler.received[0][2])
    text = message.get_body(("plain",)).get_content()
    assert f"12/UBND-VX <b> — hạn 16:00 23/11/2026: {PUBLIC}/tasks/12" in text and f"Xem tại: {PUBLIC}/tasks\n" in text
    markup = message.get_body(("html",)).get_content()
    assert f'<a href="{PUBLIC}/tasks/12">/tasks/12</a>' in markup and "12/UBND-VX &lt;b&gt;" in markup

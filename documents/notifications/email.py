"""Email of a notification, from the outbox (topic ``notify.email``), after the commit that wrote
the notification.

Exactly once, as far as SMTP allows: the notification is claimed (``sending``) in a transaction
of its own, committed before the SMTP conversation starts, and marked ``sent`` with the outbox row
handled after it. A redelivery that finds ``sent`` does nothing; one that finds ``sending`` means a
worker died mid-send — maybe sent — so it is marked ``uncertain`` and becomes an incident at once
for the agency's process admin, whose retry sends it. Temporary SMTP errors release the claim and
are retried by the outbox with backoff; a permanent refusal marks the email ``failed``."""
from __future__ import annotations

import html
from datetime import datetime
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, parseaddr
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from engine import outbox
from engine.db import unit_of_work

from ..settings import Settings
from . import mailer
from .centre import APP_PATH  # a path in a notification's text: absolute in the email
from .models import EmailStatus, Notification
from .service import EMAIL_TOPIC

if TYPE_CHECKING:
    from ..system import System

TOPIC = EMAIL_TOPIC
ACCOUNT_PATH = "/account"  # where each person chooses which kinds come by email
CLAIMABLE = (EmailStatus.PENDING, EmailStatus.SENDING, EmailStatus.UNCERTAIN)


class MaybeSent(Exception):
    """A worker died between claiming the email and recording it sent: retrying could send it
    twice, so a person decides (``final``: an incident at once, no automatic retry)."""

    final = True

    def __init__(self, notification: Notification) -> None:
        self.message = (f"Email của thông báo {notification.id} gửi {notification.email_to} có thể đã được gửi "
                        "(tiến trình gửi dừng giữa chừng). Kiểm tra với người nhận; thử lại sẽ gửi lại email.")
        super().__init__(self.message)


def deliver(system: System, session: Session, outbox_id: int) -> None:
    """Send the email of the outbox row's notification (idempotent under redelivery)."""
    # Locked first and through the send (PostgreSQL): a duplicate of this message waits, then finds it handled.
    row = session.get(outbox.Outbox, outbox_id, with_for_update=True, populate_existing=True)
    # A row in an incident waits for a person: a stray redelivery from the broker must not send it.
    if row is None or row.topic != TOPIC or row.incident_id is not None or row.handled_at is not None:
        return
    notification_id = row.payload["notification_id"]
    sender = mailer.transport(system.settings)
    # The claim commits before this session writes anything: SQLite (the embedded default) has one
    # writer at a time, and this session's first write would make the claim wait for it forever.
    message = _claim(system, notification_id, sender is not None)
    if message is not None:
        try:
            sender.send(message)
        except mailer.PermanentFailure as exc:
            _finish(system, session, notification_id, EmailStatus.FAILED, str(exc))
        except BaseException:
            _release(system, notification_id)
            raise
        else:
            _finish(system, session, notification_id, EmailStatus.SENT)
    outbox.mark_handled(session, outbox_id)


def _claim(system: System, notification_id: int, can_send: bool) -> Message | None:
    """Claim the email in its own committed transaction; the message to send, or None."""
    maybe_sent = None
    message = None
    with unit_of_work(system.sessions) as session:
        notification = session.get(Notification, notification_id, with_for_update=True, populate_existing=True)
        if notification is None or notification.email_status not in CLAIMABLE:
            return None
        if not can_send:
            notification.email_status = EmailStatus.OFF
        elif notification.email_status == EmailStatus.SENDING:
            notification.email_status = EmailStatus.UNCERTAIN
            maybe_sent = MaybeSent(notification)
        else:
            try:
                message = compose(system.settings, notification, system.runtime.clock.now())
            except ValueError as exc:  # an address or title no email can carry
                notification.email_status, notification.email_error = EmailStatus.FAILED, str(exc)[:4000]
                return None
            notification.email_status = EmailStatus.SENDING
            notification.email_claimed_at = system.runtime.clock.now()
    if maybe_sent is not None:
        raise maybe_sent
    return message


def _release(system: System, notification_id: int) -> None:
    """Not sent (a temporary failure): back to pending, for the outbox's retry."""
    with unit_of_work(system.sessions) as session:
        notification = session.get(Notification, notification_id, with_for_update=True, populate_existing=True)
        if notification is not None and notification.email_status == EmailStatus.SENDING:
            notification.email_status, notification.email_claimed_at = EmailStatus.PENDING, None


def _finish(system: System, session: Session, notification_id: int, status: str,
            error: str | None = None) -> None:
    notification = session.get(Notification, notification_id, with_for_update=True, populate_existing=True)
    notification.email_status = status
    if status == EmailStatus.SENT:
        notification.email_sent_at, notification.email_error = system.runtime.clock.now(), None
    else:
        notification.email_error = (error or "")[:4000]


def message_id(settings: Settings, notification_id: int) -> str:
    """Stable per notification: a duplicate, should one ever leave, is recognisable as one."""
    host = urlsplit(settings.public_url).hostname or "localhost"
    return f"<notification-{notification_id}.qlvbdh@{host}>"


def compose(settings: Settings, notification: Notification, at: datetime) -> Message:
    """The email: the title as subject, a plain text and an HTML part with the absolute link.
    Built with the classic MIME classes: the newer EmailMessage folds a long Vietnamese subject
    into encoded words and loses the space at each fold (CPython 3.11)."""
    address = notification.email_to or ""
    if parseaddr(address)[1] != address or "@" not in address:
        raise ValueError(f"không phải địa chỉ email: {address!r}")
    link = settings.public_url + (notification.link or "/")
    account = settings.public_url + ACCOUNT_PATH
    message = MIMEMultipart("alternative")
    message["Subject"] = Header(" ".join(notification.title.split()), "utf-8")
    message["From"] = settings.mail_from
    message["To"] = address
    message["Date"] = format_datetime(at)
    message["Message-ID"] = message_id(settings, notification.id)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to this
    message.attach(MIMEText(_plain(notification, link, account, settings.public_url), "plain", "utf-8"))
    message.attach(MIMEText(_html(notification, link, account, settings.public_url), "html", "utf-8"))
    return message




def _plain(notification: Notification, link: str, account: str, base: str) -> str:
    body = APP_PATH.sub(lambda match: base + match.group(1), notification.body)
    parts = [notification.title, body, f"Xem tại: {link}",
             f"--\nThay đổi loại thông báo nhận qua email tại: {account}"]
    return "\n\n".join(part for part in parts if part) + "\n"


def _html_line(line: str, base: str) -> str:
    pieces = APP_PATH.split(line)  # text, path, text, path, … (the group is kept)
    return "".join(f'<a href="{html.escape(base + piece)}">{html.escape(piece)}</a>' if i % 2 else html.escape(piece)
                   for i, piece in enumerate(pieces))


def _html(notification: Notification, link: str, account: str, base: str) -> str:
    e = html.escape
    body = "".join(f"<p>{_html_line(line, base)}</p>" for line in notification.body.splitlines() if line.strip())
    return (f'<!doctype html><html lang="vi"><body>'
            f"<h1 style=\"font-size:1.2em\">{e(notification.title)}</h1>{body}"
            f'<p><a href="{e(link)}">Xem tại hệ thống</a></p>'
            f'<hr><p style="color:#555;font-size:.9em">Thay đổi loại thông báo nhận qua email tại '
            f'<a href="{e(account)}">{e(account)}</a>.</p></body></html>\n')

"""Email of a notification, from the outbox (topic ``notify.email``), after the commit that wrote
the notification. Owned by the email work; the lead's placeholder marks it off."""
from __future__ import annotations

from sqlalchemy.orm import Session

from engine import outbox

from .models import EmailStatus, Notification
from .service import EMAIL_TOPIC

TOPIC = EMAIL_TOPIC


def deliver(system, session: Session, outbox_id: int) -> None:
    row = session.get(outbox.Outbox, outbox_id)
    if row is None or row.topic != TOPIC or not outbox.mark_handled(session, outbox_id):
        return
    notification = session.get(Notification, row.payload["notification_id"], with_for_update=True)
    if notification is not None and notification.email_status == EmailStatus.PENDING:
        notification.email_status = EmailStatus.OFF

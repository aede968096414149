"""The one way anything tells a person something: ``notify`` writes one in-app notification per
person, in the caller's transaction, and — when the person wants this kind by email and has an
address — queues its email in the outbox (sent after the commit, documents/notifications/email.py).

Exactly once: ``key`` names the event (a timer of an instance's task, an urge, a day's digest); the
same event notified again (a timer fired again after a worker died before its commit, a digest
run twice) finds its row and writes nothing."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine import clock, outbox

from ..models import Agency, User
from .models import EmailStatus, Kind, Notification, NotificationPreference

EMAIL_TOPIC = "notify.email"
MAX_TITLE = 500


@dataclass(frozen=True)
class Message:
    kind: str      # a Kind
    title: str     # one line, Vietnamese, shown in the list and as the email's subject
    body: str = ""
    link: str | None = None  # a path inside the app: the task or the document


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def wants_email(session: Session, user_id: int, kind: str) -> bool:
    return user_id in _email_wanted(session, [user_id], kind)


def _email_wanted(session: Session, user_ids: list[int], kind: str) -> set[int]:
    """Who of ``user_ids`` wants ``kind`` by email: their own choice, else the kind's default."""
    chosen = dict(session.execute(sa.select(NotificationPreference.user_id, NotificationPreference.email).where(
        NotificationPreference.user_id.in_(user_ids), NotificationPreference.kind == kind)).all())
    default = kind in Kind.EMAIL_BY_DEFAULT
    return {user_id for user_id in user_ids if chosen.get(user_id, default)}


def notify(session: Session, agency_id: int, user_ids: Iterable[int], message: Message, key: str, *,
           instance_id: int | None = None, at: datetime | None = None) -> list[Notification]:
    """One notification of ``message`` to each person of ``user_ids`` (people of other agencies
    and inactive people are skipped: a notification never leaves its agency). Returns the rows
    written now (none for people this event already reached). Three statements when nobody
    gets it by email (a burst of timers writes thousands): the keys already written, the people,
    the insert."""
    if message.kind not in Kind.ALL:
        raise ValueError(f"unknown notification kind {message.kind!r}")
    ids = sorted(set(user_ids))
    if not ids:
        return []
    at = at or clock.now()
    keys = {user_id: f"{key}:u{user_id}"[:200] for user_id in ids}
    done = set(session.scalars(sa.select(Notification.dedupe_key).where(Notification.dedupe_key.in_(keys.values()))))
    people = [(user_id, email) for user_id, email in session.execute(sa.select(User.id, User.email).where(
        User.id.in_(ids), User.agency_id == agency_id, User.active.is_(True))).all() if keys[user_id] not in done]
    addressed = [user_id for user_id, email in people if email]
    by_email = _email_wanted(session, addressed, message.kind) if addressed else set()
    written = []
    for user_id, email in people:
        row = Notification(agency_id=agency_id, user_id=user_id, kind=message.kind,
                           title=_nfc(message.title)[:MAX_TITLE], body=_nfc(message.body), link=message.link,
                           dedupe_key=keys[user_id], instance_id=instance_id, created_at=at)
        if user_id in by_email:
            row.email_status, row.email_to = EmailStatus.PENDING, email
        session.add(row)
        written.append(row)
    if by_email:
        session.flush()
        scope = session.scalar(sa.select(Agency.code).where(Agency.id == agency_id))
        for row in written:
            if row.email_status:
                outbox.enqueue(session, EMAIL_TOPIC, {"notification_id": row.id}, scope=scope)
    return written


def unread_count(session: Session, user_id: int) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0

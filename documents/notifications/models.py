"""Notifications (the in-app centre, with their email), each person's choice of which kinds come
by email, and the leader's urges (đôn đốc), kept for the document's history.

``dedupe_key`` is unique: whatever writes a notification names the event it reports (a timer of an
instance's task, an urge, a day's digest), so the same event written twice — a timer fired again
after a worker died — is one notification. A notification is written in the transaction of the
step that caused it, and its email leaves only through the outbox after that commit."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base


class Kind:
    """What a notification reports; each person chooses which kinds also come by email."""

    REMINDER = "reminder"        # a deadline is near
    OVERDUE = "overdue"          # a deadline has passed (to the people responsible)
    ESCALATION = "escalation"    # an overdue item escalated to the unit head or the leader
    URGENCY = "urgency"          # an urgent document not picked up in time: escalated, urgency raised
    URGE = "urge"                # a leader's đôn đốc
    DIGEST = "digest"            # the day's due-soon and overdue work, at the start of the working day
    ALL = (REMINDER, OVERDUE, ESCALATION, URGENCY, URGE, DIGEST)
    # By email unless the person turns it off (the rest only in the app unless turned on).
    EMAIL_BY_DEFAULT = frozenset({OVERDUE, ESCALATION, URGENCY, URGE, DIGEST})


class EmailStatus:
    PENDING = "pending"          # waiting in the outbox
    SENDING = "sending"          # claimed by a worker, the SMTP conversation under way
    SENT = "sent"
    UNCERTAIN = "uncertain"      # a worker died mid-send: maybe sent; an incident asks an administrator
    FAILED = "failed"            # refused for good (no address, bad address): said on the notification
    OFF = "off"                  # no email transport configured


class Notification(Base):
    __tablename__ = "notification"
    __table_args__ = (sa.Index("ix_notification_unread", "user_id", "read_at"),
                      sa.Index("ix_notification_user_created", "user_id", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(500))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    link: Mapped[str | None] = mapped_column(sa.String(500))  # a path inside the app: the task or document
    dedupe_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    instance_id: Mapped[int | None] = mapped_column(sa.ForeignKey("process_instance.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    email_status: Mapped[str | None] = mapped_column(sa.String(20))  # an EmailStatus; None: app only
    email_to: Mapped[str | None] = mapped_column(sa.String(254))
    email_claimed_at: Mapped[datetime | None]
    email_sent_at: Mapped[datetime | None]
    email_error: Mapped[str | None] = mapped_column(sa.Text)


class NotificationPreference(Base):
    """A person's choice for one kind; no row: Kind.EMAIL_BY_DEFAULT decides."""

    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    email: Mapped[bool]


class Urge(Base):
    """A leader's đôn đốc on overdue work: who, when, why, whom it reached. Shown in the
    document's history."""

    __tablename__ = "urge"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(sa.ForeignKey("process_instance.id", ondelete="SET NULL"),
                                                    index=True)
    incoming_document_id: Mapped[int | None] = mapped_column(sa.ForeignKey("incoming_document.id"), index=True)
    outgoing_document_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outgoing_document.id"), index=True)
    by_user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"))
    at: Mapped[datetime]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    recipients: Mapped[list[int]] = mapped_column(sa.JSON, default=list)  # user ids notified
    details: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)


class DigestRun(Base):
    """The day an agency's digests were written: the scheduler asks often, writes once a day."""

    __tablename__ = "digest_run"

    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)  # the working day, in Vietnam
    at: Mapped[datetime]
    written: Mapped[int] = mapped_column(default=0)

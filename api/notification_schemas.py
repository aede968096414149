"""Bodies of the notification API: the centre (/api/notifications), one's email choices
(/api/me/notification-preferences) and the urge (/api/urges). Times in Vietnam time (ISO 8601)."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from documents.notifications.centre import Listing
from documents.notifications.models import Kind, Notification, Urge
from documents.notifications.preferences import EMAIL_MAX
from documents.notifications.urge import NOTE_MAX
from documents.vntime import iso

from .schemas import TEXT_BOUND

KindName = Literal[Kind.ALL]  # type: ignore[valid-type]


class NotificationOut(BaseModel):
    id: int
    kind: KindName
    title: str
    body: str
    link: str | None = Field(description="a path inside the app: the task or the document")
    created_at: str
    read_at: str | None
    email_status: str | None = Field(description="pending, sending, sent, uncertain, failed, off; null: app only")

    @classmethod
    def of(cls, row: Notification) -> NotificationOut:
        return cls(id=row.id, kind=row.kind, title=row.title, body=row.body, link=row.link,
                   created_at=iso(row.created_at), read_at=iso(row.read_at),
                   email_status=row.email_status)


class NotificationPage(BaseModel):
    total: int = Field(description="how many match the filter")
    unread: int = Field(description="the person's unread notifications, whatever the filter")
    offset: int
    limit: int
    items: list[NotificationOut]

    @classmethod
    def of(cls, found: Listing) -> NotificationPage:
        return cls(total=found.total, unread=found.unread, offset=found.offset, limit=found.limit,
                   items=[NotificationOut.of(row) for row in found.items])


class UnreadCount(BaseModel):
    unread: int


class MarkedAll(BaseModel):
    marked: int = Field(description="how many were unread and are now read")


class PreferencesOut(BaseModel):
    email: str | None = Field(description="where email notifications go; null: none come by email")
    by_email: dict[KindName, bool]


class PreferencesIn(BaseModel):
    """Either part may be left out and stays as it is; an empty email removes the address."""
    email: str | None = Field(default=None, max_length=EMAIL_MAX * 2, examples=["ten@coquan.gov.vn"])
    by_email: dict[KindName, bool] = Field(default_factory=dict, examples=[{"reminder": True, "digest": False}])


class UrgeIn(BaseModel):
    incoming_document_id: int | None = None
    outgoing_document_id: int | None = None
    note: str = Field(default="", max_length=TEXT_BOUND, description=f"optional, up to {NOTE_MAX} characters")


class UrgeOut(BaseModel):
    id: int
    at: str
    incoming_document_id: int | None
    outgoing_document_id: int | None
    note: str
    recipients: list[int] = Field(description="the people notified")

    @classmethod
    def of(cls, row: Urge) -> UrgeOut:
        return cls(id=row.id, at=iso(row.at), incoming_document_id=row.incoming_document_id,
                   outgoing_document_id=row.outgoing_document_id, note=row.note, recipients=list(row.recipients))

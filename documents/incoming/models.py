"""An incoming document and its status history. Field names follow the metadata of
NĐ 30/2020 Phụ lục VI part II (and so edXML)."""
from __future__ import annotations

from enum import StrEnum

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base

CHANNELS = ("paper", "electronic", "manual")
URGENCIES = ("normal", "urgent", "very_urgent", "flash")
# edXML Status codes reported back to the sender (QĐ 28/2018 Đ10.2h).
class Status(StrEnum):
    """The statuses of an incoming document, as the exchange between agencies numbers them
    (QĐ 28/2018: what the recipient reports to the sender)."""

    ARRIVED = "01"
    REFUSED = "02"
    ACCEPTED = "03"
    ASSIGNED = "04"
    IN_PROGRESS = "05"
    COMPLETED = "06"


STATUSES = {status.value: status.name.lower() for status in Status}  # code -> its name (locale keys)


class IncomingDocument(Base):
    __tablename__ = "incoming_document"
    __table_args__ = (
        # The duplicate warning looks documents up by issuer + number/notation.
        sa.Index("ix_incoming_duplicate", "agency_id", "number_notation", "issuer_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    channel: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(2), index=True)
    # Numbered when accepted; the register entry's unique key makes a duplicate number impossible.
    register_entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("register_entry.id"), unique=True)
    incoming_number: Mapped[int | None]
    arrived_at: Mapped[datetime]                 # when it entered the system
    received_at: Mapped[datetime] = mapped_column(index=True)  # counted receipt time (seed 002 Đ12)
    issuer_code: Mapped[str | None] = mapped_column(sa.String(35))
    issuer_name: Mapped[str] = mapped_column(sa.String(255))
    number_notation: Mapped[str] = mapped_column(sa.String(100))
    document_date: Mapped[date]
    doc_type: Mapped[str] = mapped_column(sa.String(100), index=True)
    subject: Mapped[str] = mapped_column(sa.String(500))
    signer_position: Mapped[str | None] = mapped_column(sa.String(255))
    signer_name: Mapped[str | None] = mapped_column(sa.String(255))
    urgency: Mapped[str] = mapped_column(sa.String(20), index=True)
    recipients: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    due_date: Mapped[date | None]
    page_count: Mapped[int | None]
    description: Mapped[str | None] = mapped_column(sa.Text)
    refusal_reason: Mapped[str | None] = mapped_column(sa.Text)
    # Closed without handling: the leader returned it and the clerk found it is not this agency's
    # (no edXML status follows 03 for that, so the status stays 03 and the sender is not told).
    closed_at: Mapped[datetime | None]
    closure_reason: Mapped[str | None] = mapped_column(sa.Text)
    # What the arrival check found in each PDF's signatures (shown to the clerk, kept as evidence).
    signature_check: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    # Electronic documents from an agency of the same deployment: where statuses go back to.
    sender_agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id"))
    sender_reference: Mapped[str | None] = mapped_column(sa.String(200))
    process_instance_id: Mapped[int | None] = mapped_column(sa.ForeignKey("process_instance.id"))
    # Accent-free lower-case text of the searchable fields: "quyet dinh" finds "Quyết định".
    search_text: Mapped[str] = mapped_column(sa.Text)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    created_at: Mapped[datetime]


class IncomingStatus(Base):
    __tablename__ = "incoming_status"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("incoming_document.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(sa.String(2))
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    details: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)

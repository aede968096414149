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
        # The dashboard (documents/dashboard/queries.py, migration 0016): each figure reads only the
        # entries it counts — running (not deadlines.FINISHED), completed, received — and finds the rest
        # in the entry itself (the running one holds status and closed_at: the due-soon and overdue
        # figures repeat the running condition).
        sa.Index("ix_incoming_dashboard_running", "agency_id", "handling_deadline",
                 postgresql_include=["lead_unit_id", "lead_user_id", "status", "closed_at"],
                 postgresql_where=sa.text("status NOT IN ('02', '06') AND closed_at IS NULL AND withdrawn_at IS NULL")),
        sa.Index("ix_incoming_dashboard_completed", "agency_id", "completed_at",
                 postgresql_include=["handling_deadline", "received_at", "lead_unit_id", "lead_user_id"],
                 postgresql_where=sa.text("completed_at IS NOT NULL AND withdrawn_at IS NULL")),
        sa.Index("ix_incoming_dashboard_received", "agency_id", "received_at",
                 postgresql_include=["lead_unit_id", "lead_user_id"], postgresql_where=sa.text("withdrawn_at IS NULL")),
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
    # Closed without handling: the leader returned it and the clerk found it is not this agency's.
    closed_at: Mapped[datetime | None]
    # When its handling was completed (status 06): the dashboard's on-time and handling-time figures.
    completed_at: Mapped[datetime | None]
    closure_reason: Mapped[str | None] = mapped_column(sa.Text)
    # What the arrival check found in each PDF's signatures (shown to the clerk, kept as evidence).
    signature_check: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    # Electronic documents from an agency of the same deployment: where statuses go back to.
    sender_agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id"))
    sender_reference: Mapped[str | None] = mapped_column(sa.String(200))
    process_instance_id: Mapped[int | None] = mapped_column(sa.ForeignKey("process_instance.id"))
    # The current assignment, kept by the domain as the handling moves (documents/incoming/assignment.py):
    # the deadline set at distribution, then the open handling's due time with its extensions.
    # Overdue is counted against it; ``due_date`` stays the sender's requested reply date.
    handling_deadline: Mapped[datetime | None] = mapped_column(index=True)
    lead_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_unit.id"))
    lead_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    # Number and notation of the reply (the register's "Số, ký hiệu văn bản trả lời").
    reply_number: Mapped[str | None] = mapped_column(sa.String(100))
    # Accepted although its signature check failed: the clerk's reason, kept and shown.
    signature_override_reason: Mapped[str | None] = mapped_column(sa.Text)
    signature_override_by: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    signature_override_at: Mapped[datetime | None]
    # What the scan quality check (seed 002 Đ9.3b) found wrong with a paper scan, kept and shown.
    scan_findings: Mapped[list[str] | None] = mapped_column(sa.JSON, default=list)
    # Received on paper during an outage and entered afterwards with its real arrival time.
    entered_late: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Accent-free lower-case text of the searchable fields: "quyet dinh" finds "Quyết định".
    search_text: Mapped[str] = mapped_column(sa.Text)
    # Withdrawn at its sender's recall (confirmed by the clerk): out of every list, tasks cancelled.
    withdrawn_at: Mapped[datetime | None] = mapped_column(index=True)
    # Replaced by its sender: the incoming document that carries the replacement.
    superseded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("incoming_document.id"))
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


PARTY_KINDS = ("coordinate", "inform")  # a coordinator, or told for information (để biết)


class IncomingParty(Base):
    """A unit or a person the distribution names besides the lead: a coordinator or one told for
    information. They may read the document; the for-information ones find it in their own list."""

    __tablename__ = "incoming_party"
    __table_args__ = (
        sa.CheckConstraint("unit_id IS NOT NULL OR user_id IS NOT NULL", name="ck_incoming_party_who"),
        sa.Index("ix_incoming_party_user", "user_id", "kind"),
        sa.Index("ix_incoming_party_unit", "unit_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("incoming_document.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_unit.id"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    named_by: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    named_at: Mapped[datetime]
    seen_at: Mapped[datetime | None]  # a for-information person opened it (units: None)


class IncomingCorrection(Base):
    """A correction of a registered document's metadata (NĐ 30 Đ24.3): the number never changes;
    each field's value before and after, who, when and why."""

    __tablename__ = "incoming_correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("incoming_document.id", ondelete="CASCADE"), index=True)
    corrected_by: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"))
    corrected_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(sa.Text)
    changes: Mapped[dict[str, Any]] = mapped_column(sa.JSON)  # field -> [before, after]


RECALL_ANSWERS = ("15", "16")  # edXML: recall (or update, replace) accepted, refused


class IncomingRecall(Base):
    """The sender of a received document asks to recall, update or replace it (edXML status 13);
    the clerk confirms (15: withdrawn, or the update/replacement taken in) or refuses (16) with a
    reason, and the sender is told. The request itself is kept whatever the answer."""

    __tablename__ = "incoming_recall"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("incoming_document.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))         # recall | update | replace
    reason: Mapped[str] = mapped_column(sa.Text)
    requested_at: Mapped[datetime]
    sender_reference: Mapped[str] = mapped_column(sa.String(200))  # the sender's request
    # update / replace: the document that arrived with the request.
    replacement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("incoming_document.id"))
    answer: Mapped[str | None] = mapped_column(sa.String(2))
    answer_reason: Mapped[str | None] = mapped_column(sa.Text)
    answered_by: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    answered_at: Mapped[datetime | None]

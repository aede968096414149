"""An outgoing document (văn bản đi) from its first draft to its issue and after: its versions,
the comments made on them, its recipients with what each reported back, and the recalls,
updates and replacements its sender asked for. Field names follow NĐ 30/2020 Phụ lục VI."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.db import Base


class State:
    """Where an outgoing document is. While its process runs, the state follows the role of the
    step that is open (documents/outgoing/steps.py), so an agency's own diagram may order, skip
    or repeat steps; a step the domain does not know leaves the state as it was."""

    DRAFTING = "drafting"
    CONSULTING = "consulting"
    REVIEWING = "reviewing"
    CHECKING = "checking"
    APPROVING = "approving"
    SIGNING = "signing"
    ISSUING = "issuing"
    ISSUED = "issued"
    REJECTED = "rejected"      # the leader refused it: the process ended without an issue
    RECALLED = "recalled"      # issued, then recalled by its sender: frozen
    REPLACED = "replaced"      # issued, then replaced by a newer document: frozen


STATES = (State.DRAFTING, State.CONSULTING, State.REVIEWING, State.CHECKING, State.APPROVING, State.SIGNING,
          State.ISSUING, State.ISSUED, State.REJECTED, State.RECALLED, State.REPLACED)
FROZEN = frozenset({State.RECALLED, State.REPLACED})
URGENCIES = ("normal", "urgent", "very_urgent", "flash")
# edXML business types (QCVN 102:2016): what a sent document does at its recipients.
BUSINESS_TYPES = {"0": "new", "1": "recall", "2": "update", "3": "replace"}


class OutgoingDocument(Base):
    __tablename__ = "outgoing_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    # The drafting unit: its abbreviation ends the notation of a công văn ("123/UBND-VX").
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_unit.id"))
    subject: Mapped[str] = mapped_column(sa.String(500))
    doc_type: Mapped[str] = mapped_column(sa.String(100))      # the NĐ 30 type's name: "Công văn", "Quyết định"
    summary: Mapped[str | None] = mapped_column(sa.Text)
    urgency: Mapped[str] = mapped_column(sa.String(20), default="normal", server_default="normal")
    # The reply the recipients are asked for, by this date (none: no reply requested).
    reply_by: Mapped[date | None]
    # The incoming document it answers (NĐ 30: a reply is linked to what it answers).
    in_reply_to: Mapped[int | None] = mapped_column(sa.ForeignKey("incoming_document.id"), index=True)
    state: Mapped[str] = mapped_column(sa.String(20), index=True)
    process_instance_id: Mapped[int | None] = mapped_column(sa.ForeignKey("process_instance.id"), index=True)
    # The person's signature: who signed which version, when (position and title as printed).
    signer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    signer_position: Mapped[str | None] = mapped_column(sa.String(255))
    signed_at: Mapped[datetime | None]
    signed_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outgoing_version.id", use_alter=True,
                                                                        name="fk_outgoing_document_signed_version"))
    signed_file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("attachment.id"))  # the PDF as the person signed it
    # The issue: the number from the agency's outgoing register (its unique entry), the notation
    # built from the type and abbreviations, the QĐ 28/2018 identifier, the agency-signed PDF.
    register_entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("register_entry.id"), unique=True)
    number: Mapped[int | None]
    notation: Mapped[str | None] = mapped_column(sa.String(100))     # "123/UBND-VX", "45/QĐ-UBND"
    identifier: Mapped[str | None] = mapped_column(sa.String(150), unique=True)  # "H39.1,2026/12/05,123/UBND-VX"
    issued_at: Mapped[datetime | None] = mapped_column(index=True)
    issued_by: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    issued_file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("attachment.id"))
    # edXML business type of this document: 0 new, 2 an update of, 3 a replacement of ``supersedes_id``.
    business_type: Mapped[str] = mapped_column(sa.String(1), default="0", server_default="0")
    supersedes_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outgoing_document.id"))
    # Recalled or replaced: the sender's copy is kept as it was and nothing more is done with it.
    frozen_at: Mapped[datetime | None]
    # Accent-free lower-case text of the searchable fields (as the incoming register's).
    search_text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Optimistic lock: two people changing the same draft at once, one wins, the other gets a conflict.
    row_version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": row_version}

    recipients: Mapped[list[OutgoingRecipient]] = relationship(
        order_by="OutgoingRecipient.position", cascade="all, delete-orphan", lazy="selectin")


class OutgoingVersion(Base):
    """One version of the draft: the PDF that is read, commented and signed, and the editable
    original (doc/docx/odt) it was made from. Every version is kept."""

    __tablename__ = "outgoing_version"
    __table_args__ = (sa.UniqueConstraint("document_id", "number", name="uq_outgoing_version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("outgoing_document.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]                                   # 1, 2, … per document
    pdf_file_id: Mapped[int] = mapped_column(sa.ForeignKey("attachment.id"))
    source_file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("attachment.id"))
    note: Mapped[str | None] = mapped_column(sa.Text)     # what changed
    uploaded_by: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"))
    uploaded_at: Mapped[datetime]


COMMENT_KINDS = ("opinion", "comment", "return", "reject", "approve")


class OutgoingComment(Base):
    """What someone said about a version: a consulted unit's or person's opinion, a reviewer's
    comment, the reason of a return or a rejection. Kept beside the version it answers."""

    __tablename__ = "outgoing_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("outgoing_document.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outgoing_version.id"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_unit.id"))  # asked of a unit: its head answers
    role: Mapped[str | None] = mapped_column(sa.String(60))  # the step's role ("outgoing.review")
    kind: Mapped[str] = mapped_column(sa.String(20))
    text: Mapped[str] = mapped_column(sa.Text)
    at: Mapped[datetime]


RECIPIENT_KINDS = ("agency", "external", "unit")  # of this deployment, outside it, an internal unit


class OutgoingRecipient(Base):
    """One place the document goes (nơi nhận): an agency of this deployment (delivered through
    the workers into its incoming queue), an external agency (one interchange record), or a unit
    of the agency itself; with a paper copy where the rules demand one. What the recipient
    reported (01–06), its reply, and its answer to a recall are kept here for the sender."""

    __tablename__ = "outgoing_recipient"
    __table_args__ = (sa.CheckConstraint("kind IN ('agency', 'external', 'unit')", name="ck_outgoing_recipient_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("outgoing_document.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]                                  # order on the document's "Nơi nhận"
    kind: Mapped[str] = mapped_column(sa.String(10))
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_unit.id"))
    code: Mapped[str | None] = mapped_column(sa.String(35))  # the recipient's identifier (mã định danh)
    name: Mapped[str] = mapped_column(sa.String(255))
    paper: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    paper_sent_at: Mapped[datetime | None]
    paper_sent_by: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    # Delivery within the deployment: the recipient's incoming document, and its latest status.
    sent_at: Mapped[datetime | None]
    delivered_document_id: Mapped[int | None] = mapped_column(sa.ForeignKey("incoming_document.id"))
    status: Mapped[str | None] = mapped_column(sa.String(2))
    status_at: Mapped[datetime | None]
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    # The recipient's reply (an outgoing document of its own, linked to what it answers).
    replied_at: Mapped[datetime | None]
    reply_notation: Mapped[str | None] = mapped_column(sa.String(100))
    reply_identifier: Mapped[str | None] = mapped_column(sa.String(150))
    # The recipient's answer to the latest recall/update/replace: 13 asked, 15 done, 16 refused.
    recall_status: Mapped[str | None] = mapped_column(sa.String(2))
    recall_reason: Mapped[str | None] = mapped_column(sa.Text)
    recall_answered_at: Mapped[datetime | None]


RECALL_KINDS = ("recall", "update", "replace")


class OutgoingRecall(Base):
    """The sender asks its recipients to withdraw (recall), amend (update) or replace an issued
    document; the request's own metadata is kept whatever the recipients answer."""

    __tablename__ = "outgoing_recall"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("outgoing_document.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    reason: Mapped[str] = mapped_column(sa.Text)
    requested_by: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"))
    requested_at: Mapped[datetime]
    # update / replace: the issued document that carries the change.
    replacement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outgoing_document.id"))


class InterchangeMessage(Base):
    """One message for a recipient outside the deployment, waiting for the interchange (the
    provincial axis, edXML): written in the issue's transaction, one per external recipient."""

    __tablename__ = "interchange_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("outgoing_document.id", ondelete="CASCADE"), index=True)
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("outgoing_recipient.id", ondelete="CASCADE"))
    business_type: Mapped[str] = mapped_column(sa.String(1))   # BUSINESS_TYPES
    state: Mapped[str] = mapped_column(sa.String(10), default="pending", server_default="pending")
    payload: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class SigningCredential(Base):
    """Where a person's (or the agency's) signing key is: a PKCS#12 file encrypted at rest, or a
    key on a PKCS#11 token (USB token, HSM). ``reference`` says where, by kind; the certificate
    is kept to show who signs and until when."""

    __tablename__ = "signing_credential"
    __table_args__ = (sa.CheckConstraint("kind IN ('pkcs12', 'pkcs11')", name="ck_signing_credential_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"), index=True)  # None: the agency's
    kind: Mapped[str] = mapped_column(sa.String(10))
    reference: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    certificate_pem: Mapped[str] = mapped_column(sa.Text)
    subject: Mapped[str] = mapped_column(sa.String(500))
    not_after: Mapped[datetime]
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[datetime]

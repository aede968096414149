"""What the people handling an incoming document leave on it besides completing their tasks:
progress notes, links to related documents (the case file), requests to be re-assigned."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base

# lapsed: the handling ended while the request was still open (nobody has to decide it any more)
REQUEST_STATES = ("open", "granted", "declined", "lapsed")


class ProgressNote(Base):
    __tablename__ = "incoming_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("incoming_document.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"))
    step: Mapped[str] = mapped_column(sa.String(50))  # the task it reports on: handle, or a coordinator's coordinate
    at: Mapped[datetime]
    text: Mapped[str] = mapped_column(sa.Text)
    percent: Mapped[int | None]


class RelatedLink(Base):
    """A link between two incoming documents of one agency, shown on both. Stored once, lower id
    first, so the unique key refuses A–B and B–A alike and the check refuses a self-link."""

    __tablename__ = "incoming_link"
    __table_args__ = (
        sa.UniqueConstraint("low_id", "high_id", name="uq_incoming_link"),
        sa.CheckConstraint("low_id < high_id", name="ck_incoming_link_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    low_id: Mapped[int] = mapped_column(sa.ForeignKey("incoming_document.id", ondelete="CASCADE"))
    high_id: Mapped[int] = mapped_column(sa.ForeignKey("incoming_document.id", ondelete="CASCADE"), index=True)
    note: Mapped[str | None] = mapped_column(sa.Text)
    linked_by: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"))
    linked_at: Mapped[datetime]


class ReassignmentRequest(Base):
    """A handler asks to be relieved; the head of the handling unit (or a leader) re-assigns the
    handling, which grants it, or declines it with a reason."""

    __tablename__ = "reassignment_request"
    __table_args__ = (sa.Index("ix_reassignment_request_queue", "state", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("incoming_document.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_unit.id"))  # the handling unit when asked
    requested_by: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"))
    requested_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[str] = mapped_column(sa.String(10))  # open | granted | declined | lapsed
    resolved_by: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(sa.Text)  # the re-assignment's or the refusal's reason
    new_handler_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))

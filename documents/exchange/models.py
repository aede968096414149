"""The sender's view of each recipient's handling of what it sent (outgoing tracking)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base


class DeliveryStatus(Base):
    __tablename__ = "delivery_status"
    __table_args__ = (sa.Index("ix_delivery_status_reference", "sender_agency_id", "sender_reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"))
    sender_reference: Mapped[str] = mapped_column(sa.String(200))  # the sender's own id of what it sent
    recipient_agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"))
    recipient_document_id: Mapped[int] = mapped_column(sa.ForeignKey("incoming_document.id"))
    code: Mapped[str] = mapped_column(sa.String(2))
    at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(sa.Text)
    # The outbox row it came from: a redelivered message cannot record the status twice.
    outbox_id: Mapped[int] = mapped_column(unique=True)

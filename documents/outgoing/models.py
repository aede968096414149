"""An outgoing document while it is being drafted."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base

STATES = ("draft",)  # review, approval, signing and issuing come with the outgoing workflow


class OutgoingDraft(Base):
    __tablename__ = "outgoing_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    subject: Mapped[str] = mapped_column(sa.String(500))
    doc_type: Mapped[str] = mapped_column(sa.String(100))
    summary: Mapped[str | None] = mapped_column(sa.Text)
    # [{"code": agency identifier or None, "name": ...}]: where it will be sent (edXML To).
    recipients: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    # The incoming document it answers (NĐ 30: a reply is linked to what it answers).
    in_reply_to: Mapped[int | None] = mapped_column(sa.ForeignKey("incoming_document.id"), index=True)
    state: Mapped[str] = mapped_column(sa.String(20))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

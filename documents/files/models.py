"""The attachment table: one row per file attached to something, the content itself in the file
store under ``storage_key``.

The owner is a pair without a foreign key (``owner_type`` names the table, e.g.
``incoming_document``; ``owner_id`` its row) so incoming documents, outgoing drafts and their
versions, comments or case files can all own attachments without this table knowing them; the
owner's service checks the pair and deletes its attachments with it. Both are nullable: a file
can be uploaded before the document it will belong to is registered, then linked.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base


class Attachment(Base):
    __tablename__ = "attachment"
    __table_args__ = (sa.Index("ix_attachment_owner", "owner_type", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_type: Mapped[str | None] = mapped_column(sa.String(40))
    owner_id: Mapped[int | None]
    file_name: Mapped[str] = mapped_column(sa.String(255))  # for display only: NFC, sanitised
    media_type: Mapped[str] = mapped_column(sa.String(100))  # detected from the content
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    storage_key: Mapped[str] = mapped_column(sa.String(200), index=True)
    # None: received by the system itself (e.g. over the exchange axis), not uploaded by a person.
    uploaded_by: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    uploaded_at: Mapped[datetime]

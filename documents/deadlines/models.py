"""An agency's default handling deadlines (hạn xử lý mặc định) by document type and urgency, in
working time. A row with an empty ``doc_type`` applies to every type of that urgency; a row for
the type wins over it. An agency without rows uses the national defaults (deadlines/policy.py).
The leader's explicit deadline at the distribution always wins over the policy."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base

HOURS, DAYS = "hours", "days"


class DeadlinePolicy(Base):
    __tablename__ = "deadline_policy"
    __table_args__ = (sa.UniqueConstraint("agency_id", "doc_type", "urgency", name="uq_deadline_policy"),
                      sa.CheckConstraint("unit IN ('hours', 'days')", name="ck_deadline_policy_unit"),
                      sa.CheckConstraint("amount > 0", name="ck_deadline_policy_amount"))

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    doc_type: Mapped[str] = mapped_column(sa.String(100), default="")  # "" = every type
    urgency: Mapped[str] = mapped_column(sa.String(20))  # normal | urgent | very_urgent | flash
    amount: Mapped[float] = mapped_column(sa.Float)
    unit: Mapped[str] = mapped_column(sa.String(10))  # HOURS | DAYS of working time
    updated_by: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    updated_at: Mapped[datetime]

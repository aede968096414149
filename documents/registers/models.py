"""Registers (sổ đăng ký) and the numbers issued in them.

A register is one book per agency, kind and Vietnam calendar year. Its row also holds the
counter (``last_number``): locking that row is what serialises numbering, so the counter needs
no table of its own. Every number actually given to a document is recorded in
``register_entry``, whose unique (register, number) makes a duplicate impossible even if the
locking were bypassed by a bug.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base

# kind -> the register's title (NĐ 30/2020 PL IV, PL VI); the year is appended. A plain string
# column rather than a database enum, so that adding a kind needs no migration.
KINDS: dict[str, str] = {
    "incoming": "Sổ đăng ký văn bản đến",
    "outgoing": "Sổ đăng ký văn bản đi",
    # Legal normative documents are numbered in their own series (NĐ 30/2020 Đ15.1).
    "normative": "Sổ đăng ký văn bản quy phạm pháp luật",
}


class Register(Base):
    __tablename__ = "register"
    __table_args__ = (sa.UniqueConstraint("agency_id", "kind", "year", name="uq_register_agency_kind_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"))
    kind: Mapped[str] = mapped_column(sa.String(30))
    year: Mapped[int]  # the calendar year in Vietnam time, not UTC
    name: Mapped[str] = mapped_column(sa.String(255))
    # Appended to issued numbers, e.g. "UBND-VX" in "123/UBND-VX"; None for a bare number.
    notation_suffix: Mapped[str | None] = mapped_column(sa.String(50))
    # The highest number taken so far; the next one is last_number + 1. Only changed under the row lock.
    last_number: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]


class RegisterEntry(Base):
    """One issued number. Document rows point here (a unique foreign key on their side), so
    incoming and outgoing documents share one guarantee of uniqueness per register."""

    __tablename__ = "register_entry"
    __table_args__ = (sa.UniqueConstraint("register_id", "number", name="uq_register_entry_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    register_id: Mapped[int] = mapped_column(sa.ForeignKey("register.id"))
    number: Mapped[int]
    # The moment the number was given for (receipt or issue time), which chose the year.
    registered_at: Mapped[datetime]

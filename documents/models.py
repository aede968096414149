"""Domain tables. The engine's tables live in engine/models.py on the same metadata."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base

class Role(StrEnum):
    """The roles a user holds in an agency; documents/permissions.py says what each may do."""

    ADMIN = "admin"                  # the agency's user administrator
    PROCESS_ADMIN = "process_admin"  # the agency's diagrams, versions and incidents
    CLERK = "clerk"                  # văn thư
    LEADER = "leader"                # lãnh đạo cơ quan
    UNIT_HEAD = "unit_head"          # lãnh đạo phòng
    STAFF = "staff"                  # chuyên viên


ROLES = tuple(Role)


class Agency(Base):
    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(35), unique=True)  # mã định danh, QĐ 28/2018, ≤ 35 (QĐ 20/2020)
    name: Mapped[str] = mapped_column(sa.String(255))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id"))
    created_at: Mapped[datetime]
    # What a paper scan below the quality of seed 002 Đ9.3b (colour, >= 200 dpi) meets: "warn" or "refuse".
    scan_quality_policy: Mapped[str] = mapped_column(sa.String(10), default="warn", server_default="warn")
    # Written in notations after the number: "UBND" in "45/QĐ-UBND" (NĐ 30/2020 PL I).
    abbreviation: Mapped[str | None] = mapped_column(sa.String(30))


class OrgUnit(Base):
    __tablename__ = "org_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_unit.id"))
    # A unit no longer in use is kept (documents and history name it) but offered no more.
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Ends the notation of the unit's công văn: "VX" in "123/UBND-VX".
    abbreviation: Mapped[str | None] = mapped_column(sa.String(30))


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_unit.id"))
    username: Mapped[str] = mapped_column(sa.String(100), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(255))
    position: Mapped[str | None] = mapped_column(sa.String(255))
    email: Mapped[str | None] = mapped_column(sa.String(254))  # where notifications go by email
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class LoginAttempt(Base):
    """A login attempt, kept for throttling (documents/login_throttle.py): failures for a short
    window, an account's last success from an address for longer (that address is familiar)."""

    __tablename__ = "login_attempt"
    __table_args__ = (sa.Index("ix_login_attempt_address_at", "address", "at"),
                      sa.Index("ix_login_attempt_user_address", "user_id", "address"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    address: Mapped[str] = mapped_column(sa.String(45))  # the client's IP address, as text
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"))
    succeeded: Mapped[bool]


class UserRole(Base):
    __tablename__ = "user_role"
    __table_args__ = (sa.UniqueConstraint("user_id", "agency_id", "role", name="uq_user_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"))
    role: Mapped[str] = mapped_column(sa.String(30))


class AuthSession(Base):
    """A login: a browser session (cookie + CSRF token) or an API bearer token. Only the
    token's SHA-256 is stored, so a database leak does not leak live credentials."""

    __tablename__ = "auth_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))  # web | api
    csrf_token: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked: Mapped[bool] = mapped_column(default=False)


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    agency_code: Mapped[str | None] = mapped_column(sa.String(35), index=True)
    action: Mapped[str] = mapped_column(sa.String(60))
    object_type: Mapped[str | None] = mapped_column(sa.String(60))
    object_id: Mapped[str | None] = mapped_column(sa.String(100))
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)

"""An agency with a calendar admin and a clerk, for the calendar tests."""
from __future__ import annotations

from datetime import datetime

import pytest

from documents import accounts
from documents.models import User
from documents.vntime import VN_TZ
from engine.db import unit_of_work

AGENCY = "000.00.01.H99"


@pytest.fixture
def people(system) -> dict[str, accounts.Identity]:
    """An agency with an admin and a clerk (rows written directly: no password hashing here)."""
    with unit_of_work(system.sessions) as session:
        agency = accounts.create_agency(session, AGENCY, "Sở Nội vụ")
        identities = {}
        for role in ("admin", "clerk"):
            user = User(agency_id=agency.id, username=f"cal.{role}", full_name=role, password_hash="-",
                        failed_attempts=0, active=True, created_at=datetime(2026, 11, 23, tzinfo=VN_TZ))
            session.add(user)
            session.flush()
            session.add(accounts.UserRole(user_id=user.id, agency_id=agency.id, role=role))
            session.flush()
            identities[role] = accounts.identity_of(session, user)
    return identities

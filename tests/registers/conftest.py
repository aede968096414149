"""Two agencies to number documents in, and what the numbering tests share."""
from __future__ import annotations

from datetime import datetime, timezone

from documents import accounts
from documents.system import System
from engine.db import unit_of_work

AT = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)  # Monday 08:00 in Vietnam


class Rollback(Exception):
    """Raised inside a unit of work to roll it back."""


def seed_agencies(system: System) -> tuple[int, int]:
    with unit_of_work(system.sessions) as session:
        first = accounts.create_agency(session, "000.00.01.H99", "Ủy ban nhân dân tỉnh")
        second = accounts.create_agency(session, "000.00.02.H99", "Sở Tài chính")
        return first.id, second.id

"""Shared set-up for integration tests: one agency with a user per role, default diagrams."""
from __future__ import annotations

from documents import accounts
from documents.system import System
from engine.db import unit_of_work
from tests.conftest import PASSWORD

AGENCY = "000.00.01.H99"
# What the clerk registers (POST /api/incoming, the incoming_document form).
METADATA = {"issuer_name": "UBND tỉnh", "number_notation": "12/UBND-VX", "document_date": "2026-11-20",
            "doc_type": "Công văn", "subject": "Về việc kiểm tra", "urgency": "normal"}


def seed_agency(system: System) -> dict:
    with unit_of_work(system.sessions) as session:
        system.runtime.deploy_directory(session, system.settings.bpmn_dir)
        agency = accounts.create_agency(session, AGENCY, "Văn phòng UBND tỉnh")
        unit = accounts.create_unit(session, agency, "Phòng Kinh tế")
        people = {}
        for role in ("clerk", "leader", "unit_head", "staff", "process_admin"):
            user = accounts.create_user(session, agency, role.replace("_", "-"), role, PASSWORD, [role],
                                        unit=unit if role in ("unit_head", "staff") else None)
            people[role] = accounts.identity_of(session, user)
    return people

"""The demo province: two agencies, their units, one user per role, the default diagrams."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine import clock as clocks
from engine.runtime import WorkflowRuntime

from . import accounts
from .models import Agency, User
from .notifications.models import Kind, NotificationPreference
from .settings import BPMN_DIR
from .signing import credentials
from .signing.keystore import Keystore

DEMO_PASSWORD = "demo-matkhau-2026"
MAIL_DOMAIN = "demo.qlvbdh.vn"  # notifications by email go to <login>@demo.qlvbdh.vn (MAIL_DIR shows them)


@contextmanager
def acting_at(runtime: WorkflowRuntime, moment: datetime) -> Iterator[None]:
    """The demo's past actions: the engine and everything else read ``moment`` as now."""
    fixed, kept = clocks.FixedClock(moment), runtime.clock
    runtime.clock = fixed
    try:
        with clocks.using(fixed):
            yield
    finally:
        runtime.clock = kept


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    roles: tuple[str, ...]
    unit: str | None
    position: str


# code, name, login prefix, abbreviation (in notations: "12/VPUBND-KT")
AGENCIES = (
    ("000.00.01.H99", "Văn phòng UBND tỉnh Demo", "", "VPUBND"),
    ("000.00.31.H99", "Sở Nội vụ tỉnh Demo", "snv.", "SNV"),
)
UNITS = ("Phòng Hành chính - Tổng hợp", "Phòng Kinh tế")
UNIT_ABBREVIATIONS = {UNITS[0]: "HCTH", UNITS[1]: "KT"}
USERS = (
    DemoUser("quantri", "Nguyễn Văn Quản", ("admin",), None, "Quản trị hệ thống"),
    DemoUser("quytrinh", "Trần Thị Quy", ("process_admin",), None, "Quản trị quy trình"),
    DemoUser("vanthu", "Lê Thị Thư", ("clerk",), UNITS[0], "Văn thư"),
    DemoUser("lanhdao", "Phạm Văn Đạo", ("leader",), None, "Chánh Văn phòng"),
    DemoUser("truongphong", "Hoàng Văn Trưởng", ("unit_head",), UNITS[1], "Trưởng phòng Kinh tế"),
    DemoUser("chuyenvien", "Vũ Thị Viên", ("staff",), UNITS[1], "Chuyên viên"),
)


def seed(session: Session, runtime: WorkflowRuntime, keystore: Keystore) -> list[tuple[str, str, str]]:
    """Create the demo province if absent (idempotent); return (agency, username, roles) rows.
    Each agency gets a demo signing key and seal, each leader a signing key and a signature image,
    all issued by the demo CA (a real deployment installs its own)."""
    runtime.deploy_directory(session, BPMN_DIR)
    logins = []
    province_office = None  # the first agency: the others sit below it (its leaders see the province's figures)
    for code, name, prefix, abbreviation in AGENCIES:
        agency = session.scalar(sa.select(Agency).where(Agency.code == code))
        if agency is None:
            agency = accounts.create_agency(session, code, name, parent=province_office)
            agency.abbreviation = abbreviation
            keystore.install_demo(code, name)
            units = {unit: accounts.create_unit(session, agency, unit) for unit in UNITS}
            for unit in units.values():
                unit.abbreviation = UNIT_ABBREVIATIONS[unit.name]
            for user in USERS:
                created = accounts.create_user(session, agency, prefix + user.username, user.full_name, DEMO_PASSWORD,
                                               user.roles, unit=units.get(user.unit), position=user.position)
                if "leader" in user.roles:  # the demo CA issues each signer a certificate
                    credentials.install_demo_person(session, keystore, agency, created)
        if province_office is not None and agency.parent_id is None:  # a province seeded before the tree
            agency.parent_id = province_office.id
        province_office = province_office or agency
        _give_addresses(session, agency, prefix)
        logins.extend((code, prefix + user.username, ",".join(user.roles)) for user in USERS)
    return logins


def _give_addresses(session: Session, agency: Agency, prefix: str) -> None:
    """Every demo user an email address (also in a province seeded before addresses existed); the
    specialists choose reminders by email too (in the app only by default), so that the deadlines'
    walkthrough shows each step of it in the mail folder."""
    specialists = {prefix + user.username for user in USERS if "staff" in user.roles}
    for user in session.scalars(sa.select(User).where(User.agency_id == agency.id, User.email.is_(None))):
        user.email = f"{user.username}@{MAIL_DOMAIN}"
        if user.username in specialists:
            session.add(NotificationPreference(user_id=user.id, kind=Kind.REMINDER, email=True))

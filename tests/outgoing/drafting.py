"""An office for the drafting tests, on PostgreSQL: agency A with two units — Phòng Kinh tế
(head1, staff, staff2) and Phòng Tổng hợp (head2, staff3) — a clerk, a leader and a process
administrator; agency B with a clerk, a leader and a specialist; and a ministry, an agency of the
deployment whose name asks for paper copies. The clock is the test's."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from documents import accounts
from documents.outgoing import drafts
from documents.outgoing.models import OutgoingDocument
from engine import clock as clocks
from engine.db import unit_of_work
from tests.conftest import PASSWORD

A, B, MINISTRY = "000.00.01.H99", "000.00.02.H99", "000.00.03.H99"


@dataclass
class Office:
    system: object
    people: dict
    ids: dict  # "a.u1", "a.u2", "b", "ministry", "b.u1" -> id

    def run(self, function, *args, **kwargs):
        """A service in its own unit of work, as a request calls it."""
        with unit_of_work(self.system.sessions) as session:
            return function(session, *args, **kwargs)

    def draft(self, who: str = "a.staff", **fields) -> OutgoingDocument:
        given = {"subject": "V/v kiểm tra công tác văn thư năm 2026", "doc_type": "Công văn",
                 "recipients": [{"kind": "agency", "agency_id": self.ids["b"]}], **fields}
        return self.run(lambda s: drafts.create(s, self.system.runtime, self.people[who], **given))

    def count(self, model) -> int:
        with self.system.sessions() as session:
            return session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def office(pg, clock) -> Office:
    people, ids = {}, {}
    with clocks.using(clock), unit_of_work(pg.sessions) as session:
        pg.runtime.deploy_directory(session, pg.settings.bpmn_dir)
        ministry = accounts.create_agency(session, MINISTRY, "Bộ Nội vụ")
        ids["ministry"] = ministry.id
        for prefix, code in (("a", A), ("b", B)):
            agency = accounts.create_agency(session, code, f"Cơ quan {prefix.upper()}")
            ids[prefix] = agency.id
            units = {"u1": accounts.create_unit(session, agency, "Phòng Kinh tế"),
                     "u2": accounts.create_unit(session, agency, "Phòng Tổng hợp")}
            ids.update({f"{prefix}.{key}": unit.id for key, unit in units.items()})
            for name, role, unit in (("clerk", "clerk", None), ("leader", "leader", None),
                                     ("process_admin", "process_admin", None), ("head1", "unit_head", "u1"),
                                     ("head2", "unit_head", "u2"), ("staff", "staff", "u1"),
                                     ("staff2", "staff", "u1"), ("staff3", "staff", "u2")):
                user = accounts.create_user(session, agency, f"{prefix}.{name}", f"{name} {prefix}", PASSWORD, [role],
                                            unit=units[unit] if unit else None)
                people[f"{prefix}.{name}"] = accounts.identity_of(session, user)
    with clocks.using(clock):
        yield Office(pg, people, ids)

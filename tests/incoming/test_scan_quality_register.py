"""The agency's scan quality policy at registration: 'warn' registers the scan and keeps the
findings on the document; 'refuse' refuses it at the file field, nothing stored, no number."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from documents.errors import InvalidData
from documents.files.scan_quality import assess
from documents.incoming import service
from documents.incoming.models import IncomingDocument
from documents.models import Agency
from documents.registers.models import RegisterEntry
from engine.db import unit_of_work
from tests.incoming.test_register import reg  # noqa: F401 (fixture)
from tests.signing.stamp_pages import scan_of_heading

GREY_72 = ["Trang 1: ảnh quét đen trắng/thang xám, không phải ảnh màu",
           "Trang 1: độ phân giải 72 dpi, dưới 200 dpi"]


def set_policy(system, who, value: str) -> None:
    with unit_of_work(system.sessions) as session:
        session.get(Agency, who.agency_id).scan_quality_policy = value


def paper(scan: bytes) -> dict:
    return {"uploads": [service.Upload("scan.pdf", scan)], "channel": "paper"}


def test_warn_registers_a_poor_scan_and_keeps_the_findings(system, reg, office):  # noqa: F811
    scan, _ = scan_of_heading(dpi=72, colour=False)
    document_id, number, _ = reg(office["a.clerk"], **paper(scan))
    assert number == 1
    with unit_of_work(system.sessions) as session:
        assert session.get(IncomingDocument, document_id).scan_findings == GREY_72


def test_refuse_refuses_a_poor_scan_with_nothing_stored(system, reg, office):  # noqa: F811
    set_policy(system, office["a.clerk"], "refuse")
    scan, _ = scan_of_heading(dpi=72, colour=False)
    with pytest.raises(InvalidData) as refused:
        reg(office["a.clerk"], **paper(scan))
    assert all(finding in refused.value.errors["file"] for finding in GREY_72)
    with unit_of_work(system.sessions) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(IncomingDocument)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(RegisterEntry)) == 0

    good, _ = scan_of_heading(dpi=300)
    document_id, number, _ = reg(office["a.clerk"], **paper(good))
    assert number == 1  # the refused scan took no number
    with unit_of_work(system.sessions) as session:
        assert session.get(IncomingDocument, document_id).scan_findings == []


def test_the_policy_is_the_agencys_own(system, office):
    set_policy(system, office["a.clerk"], "refuse")
    scan, _ = scan_of_heading(dpi=72, colour=False)
    with unit_of_work(system.sessions) as session:
        assert assess(session, office["b.clerk"].agency_id, scan, "scan.pdf") == GREY_72
        with pytest.raises(InvalidData):
            assess(session, office["a.clerk"].agency_id, scan, "scan.pdf")

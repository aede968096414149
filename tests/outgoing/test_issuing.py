"""The issue on the real PostgreSQL: number, notation, identifier and the agency's signature in
one transaction; refusals that consume nothing; the yearly restart in Vietnam time."""
from __future__ import annotations

import subprocess
import threading
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from documents.errors import Conflict, InvalidData, NotAllowed, NotFound
from documents.files.models import Attachment
from documents.files.service import store_attachment
from documents.models import Agency, AuditEvent, OrgUnit
from documents.outgoing import issuing
from documents.outgoing.models import InterchangeMessage, OutgoingDocument, State
from documents.registers.models import Register, RegisterEntry
from documents.signing import issue_stamp
from documents.signing.validation import validate_pdf, verdict
from engine import clock as clocks
from engine.db import unit_of_work
from engine.models import Outbox
from tests.outgoing.issuing_office import A, demo_keys, keystore, office, person_signed_pdf, signed_document  # noqa: F401
from tests.signing.stamp_pages import phu_luc_i
from tests.tools import require_program

VN = timezone(timedelta(hours=7))


def issue(system, keys, who, document_id):
    with unit_of_work(system.sessions) as session:
        document = session.get(OutgoingDocument, document_id)
        issuing.issue_document(session, system.files, keys, who, document)
        return document.number, document.notation, document.identifier


def consumed(system) -> dict:
    """Everything an issue leaves behind, to compare before and after a failed one."""
    with system.sessions() as session:
        return {"registers": session.scalars(sa.select(Register.last_number)).all(),
                "entries": session.scalar(sa.select(sa.func.count()).select_from(RegisterEntry)),
                "issued_files": session.scalar(sa.select(sa.func.count()).select_from(Attachment).where(
                    Attachment.owner_type.in_((issuing.ISSUED_FILE, issuing.ISSUED_ANNEX)))),
                "outbox": session.scalar(sa.select(sa.func.count()).select_from(Outbox)),
                "interchange": session.scalar(sa.select(sa.func.count()).select_from(InterchangeMessage)),
                "issued_audit": session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
                    AuditEvent.action == "outgoing.issued")),
                "files": sorted(system.files.keys())}


@pytest.fixture
def bound(clock):
    with clocks.using(clock):
        yield clock


def test_a_cong_van_is_numbered_noted_and_identified(pg, office, keystore, person_signed_pdf, bound):
    document_id = signed_document(pg, office, person_signed_pdf)
    number, notation, identifier = issue(pg, keystore, office.clerk, document_id)
    assert (number, notation) == (1, "1/UBND-VX")
    assert identifier == f"{A},2026/11/23,1/UBND-VX"
    with pg.sessions() as session:
        document = session.get(OutgoingDocument, document_id)
        assert document.state == State.ISSUED and document.issued_by == office.clerk.user_id
        assert document.issued_at == bound.now()
        assert "1/ubnd-vx" in document.search_text  # found by its notation in the register
        entry = session.get(RegisterEntry, document.register_entry_id)
        register = session.get(Register, entry.register_id)
        assert (entry.number, register.kind, register.year) == (1, "outgoing", 2026)
        issued = session.get(Attachment, document.issued_file_id)
        assert issued.owner_type == "outgoing_issued" and issued.owner_id == document_id
        assert pg.files.exists(issued.storage_key)
        event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "outgoing.issued")).one()
        assert event.actor_id == office.clerk.user_id and event.after["notation"] == "1/UBND-VX"


def test_a_typed_document_takes_the_type_then_the_agency(pg, office, keystore, person_signed_pdf, bound):
    first = signed_document(pg, office, person_signed_pdf, doc_type="Quyết định")
    second = signed_document(pg, office, person_signed_pdf, doc_type="Tờ trình")
    assert issue(pg, keystore, office.clerk, first)[1] == "1/QĐ-UBND"
    assert issue(pg, keystore, office.clerk, second)[1:] == ("2/TTr-UBND", f"{A},2026/11/23,2/TTr-UBND")


def test_the_issued_pdf_carries_the_number_and_both_signatures_validate(pg, office, keystore, person_signed_pdf,
                                                                       bound, tmp_path):
    pdftotext = require_program("pdftotext", "poppler-utils")
    document_id = signed_document(pg, office, person_signed_pdf, doc_type="Quyết định")
    issue(pg, keystore, office.clerk, document_id)
    with pg.sessions() as session:
        issued = session.get(Attachment, session.get(OutgoingDocument, document_id).issued_file_id)
        pdf = pg.files.get(issued.storage_key)
    path = tmp_path / "issued.pdf"
    path.write_bytes(pdf)
    text = subprocess.run([pdftotext, str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "1/QĐ-UBND" in text
    assert "Hà Nam, ngày 23 tháng 11 năm 2026" in text  # the draft's place kept, the issue's day written
    reports = validate_pdf(pdf, keystore.trust_roots, moment=bound.now())
    assert len(reports) >= 2 and verdict(reports) == "valid"
    assert all(report.intact and report.valid and report.trusted for report in reports)


def test_thirty_concurrent_issues_get_thirty_consecutive_numbers(pg, office, keystore, person_signed_pdf, bound):
    ids = [signed_document(pg, office, person_signed_pdf) for _ in range(30)]
    results, failures = {}, []
    start = threading.Barrier(len(ids))

    def clerk(document_id):
        try:
            with clocks.using(bound):
                start.wait()
                results[document_id] = issue(pg, keystore, office.clerk, document_id)
        except Exception as exc:  # reported below: a thread's failure must fail the test
            failures.append(exc)

    threads = [threading.Thread(target=clerk, args=(document_id,)) for document_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(number for number, _, _ in results.values()) == list(range(1, 31))
    assert len({identifier for _, _, identifier in results.values()}) == 30
    with pg.sessions() as session:
        assert session.scalars(sa.select(Register.last_number)).all() == [30]
        assert sorted(session.scalars(sa.select(RegisterEntry.number))) == list(range(1, 31))


def test_a_failure_after_the_number_is_taken_consumes_nothing(pg, office, keystore, person_signed_pdf, bound,
                                                              monkeypatch):
    issue(pg, keystore, office.clerk, signed_document(pg, office, person_signed_pdf))
    document_id = signed_document(pg, office, person_signed_pdf, recipients=True)
    before = consumed(pg)
    taken = []

    def token_unplugged(pdf, agency, seal, **stamp):
        taken.append(stamp["number_text"])  # the number was taken: the failure is in the middle
        raise RuntimeError("the agency's token was unplugged")

    monkeypatch.setattr(issue_stamp, "issue_pdf", token_unplugged)
    with pytest.raises(RuntimeError):
        issue(pg, keystore, office.clerk, document_id)
    assert taken == ["Số: 2/UBND-VX"]
    assert consumed(pg) == before
    monkeypatch.undo()
    assert issue(pg, keystore, office.clerk, document_id)[1] == "2/UBND-VX"
    after = consumed(pg)  # the same issue, done: one delivery to B, one message for outside
    assert (after["outbox"] - before["outbox"], after["interchange"] - before["interchange"]) == (1, 1)


def test_a_failure_in_the_delivery_hook_consumes_nothing(pg, office, keystore, person_signed_pdf, bound,
                                                         monkeypatch):
    document_id = signed_document(pg, office, person_signed_pdf, recipients=True)
    before = consumed(pg)

    def refused(session, document):
        raise RuntimeError("the recalls' hook failed")

    monkeypatch.setattr(issuing.recalls, "on_issued", refused)  # the last hook: delivery already enqueued
    with pytest.raises(RuntimeError):
        issue(pg, keystore, office.clerk, document_id)
    assert consumed(pg) == before


def test_two_clerks_issuing_the_same_document_one_wins_the_other_gets_409(pg, office, keystore,
                                                                         person_signed_pdf, bound):
    document_id = signed_document(pg, office, person_signed_pdf)
    outcomes, start = [], threading.Barrier(2)

    def clerk():
        with clocks.using(bound):
            start.wait()
            try:
                outcomes.append(issue(pg, keystore, office.clerk, document_id)[1])
            except Conflict as refused:
                outcomes.append(refused)

    threads = [threading.Thread(target=clerk) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [o for o in outcomes if isinstance(o, str)] == ["1/UBND-VX"]
    assert len([o for o in outcomes if isinstance(o, Conflict)]) == 1
    with pg.sessions() as session:
        assert session.scalars(sa.select(Register.last_number)).all() == [1]
        assert session.scalar(sa.select(sa.func.count()).select_from(RegisterEntry)) == 1


def test_a_rollback_after_the_files_are_written_takes_them_back(pg, office, keystore, person_signed_pdf, bound):
    document_id = signed_document(pg, office, person_signed_pdf)
    before = consumed(pg)
    with pytest.raises(RuntimeError), unit_of_work(pg.sessions) as session:
        issuing.issue_document(session, pg.files, keystore, office.clerk, session.get(OutgoingDocument, document_id))
        assert len(list(pg.files.keys())) == len(before["files"]) + 1  # written, not yet committed
        raise RuntimeError("the commit fails")
    assert consumed(pg) == before
    assert issue(pg, keystore, office.clerk, document_id)[0] == 1


def test_the_number_restarts_on_the_first_of_january_vietnam_time(pg, office, keystore, person_signed_pdf, bound):
    ids = [signed_document(pg, office, person_signed_pdf) for _ in range(3)]
    bound.set(datetime(2026, 12, 31, 23, 58, tzinfo=VN))
    assert issue(pg, keystore, office.clerk, ids[0])[0] == 1
    bound.set(datetime(2026, 12, 31, 23, 59, 59, tzinfo=VN))  # 16:59:59 UTC: still 2026 in Vietnam
    assert issue(pg, keystore, office.clerk, ids[1])[:2] == (2, "2/UBND-VX")
    bound.set(datetime(2027, 1, 1, 0, 0, tzinfo=VN))           # 31 Dec 17:00 UTC: 2027 in Vietnam
    assert issue(pg, keystore, office.clerk, ids[2]) == (1, "1/UBND-VX", f"{A},2027/01/01,1/UBND-VX")
    with pg.sessions() as session:
        assert dict(session.execute(sa.select(Register.year, Register.last_number)).all()) == {2026: 2, 2027: 1}


def test_an_unsigned_document_is_refused_and_consumes_nothing(pg, office, keystore, person_signed_pdf, bound):
    document_id = signed_document(pg, office, person_signed_pdf, signed=False)
    before = consumed(pg)
    with pytest.raises(InvalidData, match="chưa được người có thẩm quyền ký số"):
        issue(pg, keystore, office.clerk, document_id)
    assert consumed(pg) == before


def test_missing_abbreviations_are_refused_naming_what_to_set(pg, office, keystore, person_signed_pdf, bound):
    cong_van = signed_document(pg, office, person_signed_pdf)
    decision = signed_document(pg, office, person_signed_pdf, doc_type="Quyết định")
    without_unit = signed_document(pg, office, person_signed_pdf, with_unit=False)
    before = consumed(pg)
    with pytest.raises(InvalidData, match="Công văn cần đơn vị soạn thảo"):
        issue(pg, keystore, office.clerk, without_unit)
    with unit_of_work(pg.sessions) as session:
        session.get(OrgUnit, office.unit_id).abbreviation = None
    with pytest.raises(InvalidData, match="Đơn vị «Phòng Văn hóa - Xã hội» chưa có chữ viết tắt"):
        issue(pg, keystore, office.clerk, cong_van)
    with unit_of_work(pg.sessions) as session:
        session.get(Agency, office.agency_id).abbreviation = None
    with pytest.raises(InvalidData, match="chưa có chữ viết tắt: quản trị cơ quan đặt chữ viết tắt tại trang Quản trị › Cơ quan"):
        issue(pg, keystore, office.clerk, decision)
    assert consumed(pg) == before


def test_denials_another_agency_a_wrong_role_and_a_second_issue(pg, office, keystore, person_signed_pdf, bound):
    document_id = signed_document(pg, office, person_signed_pdf)
    with pytest.raises(NotFound):
        issue(pg, keystore, office.b_clerk, document_id)
    for who in (office.staff, office.leader):
        with pytest.raises(NotAllowed):
            issue(pg, keystore, who, document_id)
    issue(pg, keystore, office.clerk, document_id)
    before = consumed(pg)
    with pytest.raises(Conflict, match="đã được phát hành với số 1/UBND-VX"):
        issue(pg, keystore, office.clerk, document_id)
    assert consumed(pg) == before


def test_an_urgent_document_and_its_attachment_are_signed_by_the_agency(pg, office, keystore, person_signed_pdf,
                                                                       bound):
    document_id = signed_document(pg, office, person_signed_pdf, doc_type="Kế hoạch", urgency="flash")
    with unit_of_work(pg.sessions) as session:
        store_attachment(session, pg.files, filename="phu-luc.pdf", data=phu_luc_i(paragraphs=1), uploaded_by=None,
                         owner_type=issuing.ANNEX, owner_id=document_id, max_bytes=10 << 20)
    assert issue(pg, keystore, office.clerk, document_id)[1] == "1/KH-UBND"
    with pg.sessions() as session:
        document = session.get(OutgoingDocument, document_id)
        issued, annex = issuing.issued_files(session, document)
        pdf, signed_annex = pg.files.get(issued.storage_key), pg.files.get(annex.storage_key)
    assert (issued.owner_type, annex.owner_type, annex.file_name) == (
        "outgoing_issued", "outgoing_issued_annex", "phu-luc.pdf")
    reports = validate_pdf(pdf, keystore.trust_roots, moment=bound.now())
    assert len(reports) == 3 and verdict(reports) == "valid"  # the person, the agency, the urgency stamp
    annex_reports = validate_pdf(signed_annex, keystore.trust_roots, moment=bound.now())
    assert len(annex_reports) == 1 and verdict(annex_reports) == "valid"
    assert annex_reports[0].signer_organisation or annex_reports[0].signer_common_name


def test_a_replacement_of_a_document_recalled_meanwhile_is_refused_before_its_number(
        pg, office, keystore, person_signed_pdf, bound, monkeypatch):
    old_id = signed_document(pg, office, person_signed_pdf)
    issue(pg, keystore, office.clerk, old_id)
    replacement_id = signed_document(pg, office, person_signed_pdf)
    with unit_of_work(pg.sessions) as session:
        replacement = session.get(OutgoingDocument, replacement_id)
        replacement.business_type, replacement.supersedes_id = "3", old_id
        session.get(OutgoingDocument, old_id).state = State.RECALLED
    before = consumed(pg)
    signed = []
    monkeypatch.setattr(issue_stamp, "issue_pdf", lambda *args, **kwargs: signed.append(kwargs) or b"")
    with pytest.raises(Conflict):
        issue(pg, keystore, office.clerk, replacement_id)
    assert signed == [] and consumed(pg) == before  # refused before any number or signature

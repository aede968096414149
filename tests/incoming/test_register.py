"""Registering incoming documents through the service, on PostgreSQL and SQLite."""
from __future__ import annotations

import unicodedata
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from documents.errors import InvalidData, NotAllowed
from documents.incoming import queries, service
from documents.incoming.models import IncomingDocument, IncomingStatus
from documents.incoming.signature_binding import SignatureRefused
from documents.registers.models import RegisterEntry
from engine import clock
from engine.db import unit_of_work
from tests.files import samples

MONDAY_0800 = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)
SUNDAY_2000 = datetime(2026, 11, 22, 13, 0, tzinfo=timezone.utc)
METADATA = {"issuer_code": "000.00.31.H41", "issuer_name": "Sở Nội vụ tỉnh Hà Nam", "number_notation": "123/SNV-VP",
            "document_date": "2026-11-20", "doc_type": "Công văn",
            "subject": "Về việc kiểm tra công tác văn thư, lưu trữ năm 2026", "urgency": "urgent",
            "signer_position": "Giám đốc", "signer_name": "Nguyễn Văn A", "recipients": ["UBND tỉnh"]}


@pytest.fixture
def reg(system, store, keystore):
    """Register as ``who`` at a fixed time; returns (id, incoming number, duplicate ids)."""
    def register(who, metadata=None, uploads=(), channel="manual", at=MONDAY_0800, allow_duplicate=True,
                 override_reason=None):
        with clock.using(clock.FixedClock(at)), unit_of_work(system.sessions) as session:
            result = service.register(session, system.runtime, store, keystore, who,
                                      dict(METADATA if metadata is None else metadata), uploads, channel,
                                      allow_duplicate=allow_duplicate, override_reason=override_reason)
            return result.document.id, result.document.incoming_number, [d.id for d in result.duplicates]
    return register


def counts(system) -> tuple[int, int]:
    with unit_of_work(system.sessions) as session:
        return (session.scalar(sa.select(sa.func.count()).select_from(IncomingDocument)),
                session.scalar(sa.select(sa.func.count()).select_from(RegisterEntry)))


def test_registration_numbers_accepts_and_keeps_statuses(system, reg, office):
    first = reg(office["a.clerk"])
    second = reg(office["a.clerk"], {**METADATA, "number_notation": "124/SNV-VP"})
    other_agency = reg(office["b.clerk"])
    assert (first[1], second[1], other_agency[1]) == (1, 2, 1)
    with unit_of_work(system.sessions) as session:
        document = session.get(IncomingDocument, first[0])
        assert document.status == "03" and document.received_at == MONDAY_0800
        assert [s.code for s in service.statuses(session, document)] == ["01", "03"]
        assert document.recipients == ["UBND tỉnh"] and document.document_date == date(2026, 11, 20)


def test_outside_working_hours_counts_from_the_next_working_period(system, reg, office):
    document_id, _, _ = reg(office["a.clerk"], at=SUNDAY_2000)
    with unit_of_work(system.sessions) as session:
        document = session.get(IncomingDocument, document_id)
        assert document.arrived_at == SUNDAY_2000
        assert document.received_at == MONDAY_0800.replace(hour=0, minute=30)  # Monday 07:30 +07:00


def test_text_is_stored_nfc(system, reg, office):
    decomposed = unicodedata.normalize("NFD", "Quyết định về việc khen thưởng")
    document_id, _, _ = reg(office["a.clerk"], {**METADATA, "subject": decomposed})
    with unit_of_work(system.sessions) as session:
        subject = session.get(IncomingDocument, document_id).subject
    assert subject == unicodedata.normalize("NFC", decomposed) != decomposed


@pytest.mark.parametrize("secrecy", ["confidential", "secret", "top_secret"])
def test_secret_documents_are_refused_and_nothing_is_stored(system, reg, office, secrecy):
    with pytest.raises(InvalidData) as refused:
        reg(office["a.clerk"], {**METADATA, "secrecy": secrecy})
    assert "secrecy" in refused.value.errors
    assert counts(system) == (0, 0)


def test_invalid_metadata_gets_vietnamese_field_messages(system, reg, office):
    with pytest.raises(InvalidData) as refused:
        reg(office["a.clerk"], {"issuer_code": "not an id", "subject": ""})
    errors = refused.value.errors
    assert "bắt buộc" in errors["number_notation"] and "định dạng" in errors["issuer_code"]
    assert counts(system) == (0, 0)


def test_only_clerks_register(system, reg, office):
    with pytest.raises(NotAllowed):
        reg(office["a.leader"])
    assert counts(system) == (0, 0)


def test_duplicate_warning_on_same_number_notation_and_issuer(system, reg, office):
    first, _, none = reg(office["a.clerk"], allow_duplicate=False)
    with pytest.raises(service.ProbableDuplicate):  # asked before the number is taken
        reg(office["a.clerk"], allow_duplicate=False)
    _, number, duplicates = reg(office["a.clerk"])
    assert none == [] and duplicates == [first] and number == 2


def test_paper_needs_a_pdf_scan_and_a_refused_file_stores_nothing(system, reg, office):
    with pytest.raises(InvalidData):
        reg(office["a.clerk"], channel="paper")
    with pytest.raises(InvalidData) as refused:
        reg(office["a.clerk"], uploads=[service.Upload("scan.pdf", samples.EXE)], channel="paper")
    assert "scan.pdf" in refused.value.message
    assert counts(system) == (0, 0)  # the number was not consumed either
    document_id, number, _ = reg(office["a.clerk"],
                                      uploads=[service.Upload("scan.pdf", samples.pdf("1.7"))], channel="paper")
    assert number == 1
    with unit_of_work(system.sessions) as session:
        stored = service.attachments(session, session.get(IncomingDocument, document_id))
        assert [(a.file_name, a.media_type) for a in stored] == [("scan.pdf", "application/pdf")]


def test_accent_insensitive_search_and_filters(system, reg, office):
    reg(office["a.clerk"], {**METADATA, "subject": "Quyết định khen thưởng", "urgency": "normal"})
    reg(office["a.clerk"], {**METADATA, "number_notation": "9/SNV", "due_date": "2026-11-01"})
    reg(office["b.clerk"], {**METADATA, "subject": "Quyết định của cơ quan B"})

    def find(who, **filters):
        with unit_of_work(system.sessions) as session:
            total, rows = queries.search(session, who, queries.Filters(**filters))
            return total, [r.subject for r in rows]

    leader = office["a.leader"]
    assert find(leader, text="quyet dinh") == (1, ["Quyết định khen thưởng"])
    assert find(leader, text="QUYẾT   định khen")[0] == 1
    assert find(leader, urgency="urgent")[0] == 1
    # The sender asked for a reply by 01/11: overdue counts the handling deadline, which none has.
    assert find(leader, overdue=True) == (0, [])
    assert find(leader, issuer="000.00.31.h41")[0] == 2 and find(leader, issuer="so noi vu")[0] == 2
    assert find(leader, received_from=date(2026, 11, 24))[0] == 0
    assert find(leader, received_from=date(2026, 11, 23), received_to=date(2026, 11, 23))[0] == 2
    assert find(leader, text="100%_")[0] == 0  # wildcards are literal
    with pytest.raises(NotAllowed):
        find(office["a.staff"])


def test_statuses_are_recorded_with_actor(system, reg, office):
    document_id, _, _ = reg(office["a.clerk"])
    with unit_of_work(system.sessions) as session:
        rows = session.scalars(sa.select(IncomingStatus).where(IncomingStatus.document_id == document_id)).all()
        assert {r.actor_id for r in rows} == {office["a.clerk"].user_id}


def test_a_paper_scan_gets_the_agency_signature_and_is_checked(system, store, reg, office, keystore):
    document_id, _, _ = reg(office["a.clerk"], uploads=[service.Upload("scan.pdf", samples.pdf("1.7"))],
                            channel="paper")
    with unit_of_work(system.sessions) as session:
        document = session.get(IncomingDocument, document_id)
        (check,) = document.signature_check
        assert check["verdict"] == "valid" and check["file"] == "scan.pdf"
        (signature,) = check["signatures"]
        assert signature["signer_organisation"] == "Cơ quan A" and signature["coverage"] == "entire_file"
        assert signature["signing_time"] == "2026-11-23T08:00:00+07:00"
        (attachment,) = service.attachments(session, document)
    stored = store.get(attachment.storage_key)
    assert reports_of(stored, keystore)[0].ok  # what is stored is the signed scan


def test_a_signed_pdf_from_an_untrusted_root_is_refused_unless_overridden(system, reg, office, keystore, tmp_path):
    from documents.signing.keystore import Keystore
    stranger = Keystore(tmp_path / "stranger", b"pw")
    stranger.install_demo("000.00.01.H99", "Cơ quan lạ", seed="stranger")
    signed_elsewhere = stranger.signer("000.00.01.H99").sign_scan(
        samples.pdf("1.7"), "Cơ quan lạ", MONDAY_0800, stranger.seal("000.00.01.H99"))
    uploads = [service.Upload("cong-van.pdf", signed_elsewhere)]
    with pytest.raises(SignatureRefused):
        reg(office["a.clerk"], uploads=uploads)
    assert counts(system) == (0, 0)
    document_id, _, _ = reg(office["a.clerk"], uploads=uploads, override_reason="Đã đối chiếu với bản giấy")
    with unit_of_work(system.sessions) as session:
        (check,) = session.get(IncomingDocument, document_id).signature_check
    assert check["verdict"] == "untrusted"
    assert check["signatures"][0]["intact"] is True and check["signatures"][0]["trusted"] is False


def reports_of(pdf: bytes, keystore):
    from documents.signing import validate_pdf
    return validate_pdf(pdf, keystore.trust_roots, moment=MONDAY_0800)


# --------------------------------------------------------------------------- hostile uploads

ACTIVE = "có nội dung chủ động không được phép: mã JavaScript. Hãy đề nghị nơi gửi xuất lại tệp PDF không có các " \
         "thành phần này."
BIDI_AND_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c\x00\n")


@pytest.fixture
def signed_scans(monkeypatch) -> list[str]:
    """The names of the scans the agency signed during the test."""
    from documents.signing import AgencySigner
    calls, original = [], AgencySigner.sign_scan

    def sign_scan(self, *args, **kwargs):
        calls.append(kwargs.get("filename"))
        return original(self, *args, **kwargs)
    monkeypatch.setattr(AgencySigner, "sign_scan", sign_scan)
    return calls


def test_a_scan_with_javascript_is_refused_and_never_signed(system, store, reg, office, signed_scans):
    scripted, _ = samples.ACTIVE_PDFS["js-open-action"]
    with pytest.raises(InvalidData) as refused:
        reg(office["a.clerk"], uploads=[service.Upload("scan.pdf", scripted)], channel="paper")
    assert refused.value.message == f"Tệp «scan.pdf» {ACTIVE}"
    assert signed_scans == [] and counts(system) == (0, 0) and list(store.keys()) == []


def test_a_refused_file_among_several_leaves_the_store_as_it_was(system, store, reg, office, signed_scans):
    earlier = samples.pdf("1.6")
    reg(office["a.clerk"], uploads=[service.Upload("trước.pdf", earlier)])
    before = sorted(store.keys())
    uploads = [service.Upload("scan.pdf", samples.pdf("1.7")), service.Upload("trước.pdf", earlier),
               service.Upload("phụ lục.docx", samples.docx()), service.Upload("bom.docx", samples.lying_zip_bomb())]
    with pytest.raises(InvalidData) as refused:
        reg(office["a.clerk"], uploads=uploads, channel="paper")
    assert refused.value.message.startswith("Tệp «bom.docx» không phải là tài liệu văn bản")
    # Nothing new, and the earlier document's content (the same bytes as one refused file) still there.
    assert sorted(store.keys()) == before and len(before) == 1
    assert signed_scans == [] and counts(system) == (1, 1)
    assert reg(office["a.clerk"], {**METADATA, "number_notation": "9/X"})[1] == 2  # no number was taken


def test_a_docx_with_a_vba_project_is_refused(system, store, reg, office):
    macro = samples.docx_with({"word/vbaProject.bin": samples.ole(("VBA", 1), ("PROJECT", 2))})
    with pytest.raises(InvalidData) as refused:
        reg(office["a.clerk"], uploads=[service.Upload("dự thảo.docx", macro)])
    assert refused.value.message.endswith("nội dung thực là một tài liệu Office có chứa macro.")
    assert counts(system) == (0, 0) and list(store.keys()) == []


def test_hostile_file_names_are_sanitised_where_stored_and_in_the_signature_report(system, store, reg, office,
                                                                                   signed_scans):
    raw = "../../..\\C:\\tmp\\\u202eCông văn\u200f\x00\n" + "ệ" * 1000 + "\u2066.pdf"
    document_id, _, _ = reg(office["a.clerk"], uploads=[service.Upload(raw, samples.pdf("1.7"))], channel="paper")
    with unit_of_work(system.sessions) as session:
        document = session.get(IncomingDocument, document_id)
        (attachment,) = service.attachments(session, document)
        (check,) = document.signature_check
    name = attachment.file_name
    assert name == "Công văn" + "ệ" * 80 + ".pdf" and len(name.encode()) == 254
    assert not BIDI_AND_CONTROLS & set(name) and "/" not in name and "\\" not in name
    assert check["file"] == name and signed_scans == [name]

"""The incoming registers as files: the writers render any report table (read back here with
openpyxl and pypdf), and the registers hold the agency's numbered documents in number order."""
from __future__ import annotations

import unicodedata
from datetime import date, datetime, timezone
from io import BytesIO

import pytest
import sqlalchemy as sa
from fontTools.ttLib import TTFont
from openpyxl import load_workbook
from pypdf import PdfReader

from documents.errors import InvalidData, NotAllowed
from documents.incoming import exports, service
from documents.incoming.models import STATUSES
from documents.models import Agency, AuditEvent
from documents.reports import Column, build, pdf, xlsx
from documents.signing.fonts import font_bytes
from engine import clock
from engine.db import unit_of_work
from tests.files import samples

from .conftest import throw_status

MONDAY_0800 = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)
METADATA = {"issuer_name": "Sở Nội vụ tỉnh Hà Nam", "number_notation": "123/SNV-VP", "document_date": "2026-11-20",
            "doc_type": "Công văn", "subject": "Về việc kiểm tra công tác văn thư năm 2026",
            "due_date": "2026-12-15", "description": "Bản chính"}
VOWELS = "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
TONES = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
# The 12 Vietnamese vowels in both cases with each of the 6 tones (none and 5 marks), composed
# (NFC), and Đ đ: 146 letters.
ALL_LETTERS = "".join(unicodedata.normalize("NFC", v + t) for v in VOWELS for t in TONES) + "Đđ"


def sample(rows=3, subject="Về việc ưu tiên xử lý hồ sơ đất đai"):
    columns = (Column("Số đến", lambda i: i, 7, centered=True),
               Column("Ngày đến", lambda i: date(2026, 11, 23), 11, centered=True),
               Column("Tên loại và trích yếu nội dung", lambda i: subject, 45),
               Column("Ký nhận", lambda i: None, 10))
    return build(title="SỔ ĐĂNG KÝ VĂN BẢN ĐẾN", heading=["Ủy ban nhân dân tỉnh Hà Nam"], subtitle="Năm 2026",
                 sheet_name="Sổ đăng ký văn bản đến", columns=columns, items=range(1, rows + 1))


def pdf_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(BytesIO(data)).pages]


# --------------------------------------------------------------------------- the writers

def test_the_shipped_font_draws_every_vietnamese_letter():
    cmap = TTFont(BytesIO(font_bytes())).getBestCmap()
    assert len(ALL_LETTERS) == 146
    assert [ch for ch in ALL_LETTERS if ord(ch) not in cmap] == []


def test_xlsx_has_title_bold_headers_real_dates_and_a_frozen_header():
    sheet = load_workbook(BytesIO(xlsx.write(sample()))).active
    assert sheet.title == "Sổ đăng ký văn bản đến"
    assert [sheet.cell(r, 1).value for r in (1, 2, 3)] == ["Ủy ban nhân dân tỉnh Hà Nam", "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN",
                                                           "Năm 2026"]
    header = [c.value for c in sheet[xlsx.HEADER_ROW]]
    assert header == ["Số đến", "Ngày đến", "Tên loại và trích yếu nội dung", "Ký nhận"]
    assert all(c.font.bold and c.alignment.wrap_text for c in sheet[xlsx.HEADER_ROW])
    assert sheet.freeze_panes == f"A{xlsx.HEADER_ROW + 1}"
    assert sheet.column_dimensions["C"].width == 45
    first = sheet[xlsx.HEADER_ROW + 1]
    assert first[0].value == 1 and first[3].value is None
    assert first[1].value.date() == date(2026, 11, 23) and first[1].number_format == "dd/mm/yyyy"
    assert first[2].alignment.wrap_text


def test_text_is_nfc_never_a_formula_and_free_of_control_characters():
    decomposed = unicodedata.normalize("NFD", "Quyết định khen thưởng")
    for subject, expected in ((decomposed, "Quyết định khen thưởng"), ("=HYPERLINK(\"http://x\")", None),
                              ("Dòng một\x0b\x07", "Dòng một")):
        report = sample(rows=1, subject=subject)
        cell = load_workbook(BytesIO(xlsx.write(report))).active.cell(xlsx.HEADER_ROW + 1, 3)
        assert cell.value == (expected or subject) and cell.data_type == "s"
        assert unicodedata.is_normalized("NFC", cell.value)


def test_pdf_is_a4_landscape_with_vietnamese_text_headers_on_every_page_and_page_numbers():
    data = pdf.write(sample(rows=80, subject=ALL_LETTERS))
    assert data.startswith(b"%PDF-")
    reader = PdfReader(BytesIO(data))
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(width), round(height)) == (842, 595)
    pages = pdf_text(data)
    assert len(pages) >= 2
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" in pages[0] and "Ủy ban nhân dân tỉnh Hà Nam" in pages[0]
    for number, text in enumerate(pages, start=1):
        assert "Tên loại và trích yếu nội dung" in text          # the header row repeats
        assert f"Trang {number}/{len(pages)}" in text
        assert ALL_LETTERS in text.replace("\n", "")               # every letter round-trips
    assert b"DejaVuSansVN" in data                                  # the font is embedded


# --------------------------------------------------------------------------- the registers

@pytest.fixture
def entered(system, store, keystore, office):
    """Agency A: three accepted documents (numbers 1–3) and one refused; agency B: one."""
    def register(who, **changes):
        with clock.using(clock.FixedClock(MONDAY_0800)), unit_of_work(system.sessions) as session:
            return service.register(session, system.runtime, store, keystore, who, {**METADATA, **changes}).document.id

    for n in (1, 2, 3):
        register(office["a.clerk"], subject=f"Văn bản thứ {n} về đường giao thông", number_notation=f"{n}/SNV")
    register(office["b.clerk"], subject="Văn bản của cơ quan B")
    with clock.using(clock.FixedClock(MONDAY_0800)), unit_of_work(system.sessions) as session:
        agencies = {a.code: a for a in session.scalars(sa.select(Agency))}
        refused = service.receive_electronic(
            session, store, keystore, sender=agencies["000.00.02.H99"], recipient=agencies["000.00.01.H99"],
            sender_reference="B-1", metadata={**METADATA, "subject": "Gửi nhầm"},
            uploads=[service.Upload("cv.pdf", samples.pdf("1.7"))])
        service.refuse(session, office["a.clerk"], refused.id, "Không đúng thẩm quyền")
    return office


def sheet_rows(system, who, kind, period=exports.Period(date(2026, 1, 1), date(2026, 12, 31)), **options):
    with unit_of_work(system.sessions) as session:
        exported = exports.export(session, who, kind, "xlsx", period, **options)
    sheet = load_workbook(BytesIO(exported.data)).active
    return exported, [[c.value for c in row] for row in sheet.iter_rows(min_row=xlsx.HEADER_ROW + 1)]


def test_the_register_lists_accepted_documents_in_number_order_with_the_appendix_iv_columns(system, entered):
    exported, rows = sheet_rows(system, entered["a.leader"], "register")
    assert exported.file_name == "Sổ đăng ký văn bản đến 2026.xlsx" and exported.rows == 3
    assert [r[1] for r in rows] == [1, 2, 3]
    received, number, issuer, notation, dated, subject, recipient, signature, notes = rows[0]
    assert received.date() == date(2026, 11, 23) and dated.date() == date(2026, 11, 20)
    assert (issuer, notation, recipient, signature, notes) == ("Sở Nội vụ tỉnh Hà Nam", "1/SNV", None, None,
                                                               "Bản chính")
    assert subject == "Công văn Văn bản thứ 1 về đường giao thông"
    with unit_of_work(system.sessions) as session:
        event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "incoming.exported"))
        assert event.after == {"register": "register", "format": "xlsx", "from": "2026-01-01", "to": "2026-12-31",
                               "include_refused": False, "rows": 3}


def test_refused_documents_are_added_on_request_with_the_reason(system, entered):
    _, rows = sheet_rows(system, entered["a.clerk"], "register", include_refused=True)
    assert [r[1] for r in rows] == [1, 2, 3, None]
    assert rows[-1][8] == "Bản chính\nTrả lại: Không đúng thẩm quyền"


def test_the_tracking_register_shows_progress_and_no_deadline_before_distribution(system, entered):
    # The sender's reply date (15/12) is not the handling deadline: none is set before distribution.
    _, rows = sheet_rows(system, entered["a.leader"], "tracking", include_refused=True)
    number, received, subject, recipient, due, progress, reply, notes = rows[0]
    assert (number, due, progress, recipient, reply) == (1, None, "Đã tiếp nhận", None, None)
    assert rows[-1][5] == "Trả lại"
    assert set(exports.PROGRESS) == set(STATUSES)


def test_the_tracking_register_shows_a_closed_document_with_its_reason(system, entered):
    with unit_of_work(system.sessions) as session:  # what the recheck's "close" end event reports
        first = session.scalars(sa.select(service.IncomingDocument).where(service.IncomingDocument.status == "03")
                                .order_by(service.IncomingDocument.id)).first()
        throw_status(session, first.id, {"status": service.CLOSED, "reason": "Không thuộc thẩm quyền"})
    _, rows = sheet_rows(system, entered["a.leader"], "tracking", include_refused=True)
    assert rows[0][5] == "Đóng, không xử lý: Không thuộc thẩm quyền"


def test_another_period_or_agency_sees_none_of_them_and_staff_none_at_all(system, entered):
    later = exports.Period(date(2026, 11, 24), date(2026, 12, 31))
    assert sheet_rows(system, entered["a.leader"], "register", later)[1] == []
    _, rows = sheet_rows(system, entered["b.leader"], "register")
    assert [r[5] for r in rows] == ["Công văn Văn bản của cơ quan B"]
    with pytest.raises(NotAllowed):
        sheet_rows(system, entered["a.staff"], "register")


def test_a_register_longer_than_a_writer_takes_asks_for_a_shorter_period(system, entered):
    whole_year = exports.Period(date(2026, 1, 1), date(2026, 12, 31))
    with unit_of_work(system.sessions) as session:
        assert len(exports.entries(session, entered["a.clerk"].agency_id, whole_year, False, max_rows=3)) == 3
        with pytest.raises(InvalidData, match="hơn 2 văn bản"):
            exports.entries(session, entered["a.clerk"].agency_id, whole_year, False, max_rows=2)


def test_a_range_across_new_year_lists_each_year_in_number_order(system, store, keystore, office):
    for n, at in enumerate((datetime(2027, 1, 4, 1, 0, tzinfo=timezone.utc),
                            datetime(2026, 12, 31, 1, 0, tzinfo=timezone.utc),
                            datetime(2026, 12, 30, 1, 0, tzinfo=timezone.utc))):
        with clock.using(clock.FixedClock(at)), unit_of_work(system.sessions) as session:
            # Numbers of their own: the same number and issuer would be a probable duplicate.
            service.register(session, system.runtime, store, keystore, office["a.clerk"],
                             {**METADATA, "number_notation": f"{n}/SNV"})
    _, rows = sheet_rows(system, office["a.clerk"], "register", exports.Period(date(2026, 12, 1), date(2027, 1, 31)))
    assert [(r[0].date(), r[1]) for r in rows] == [(date(2026, 12, 31), 1), (date(2026, 12, 30), 2),
                                                   (date(2027, 1, 4), 1)]


def test_the_period_is_a_year_a_range_or_this_year():
    today = date(2026, 11, 23)
    assert exports.Period.of(None, None, None, today) == exports.Period(date(2026, 1, 1), date(2026, 12, 31))
    assert exports.Period.of(None, None, 2025, today).label == "Năm 2025"
    ranged = exports.Period.of(date(2026, 11, 1), date(2026, 11, 30), None, today)
    assert (ranged.label, ranged.slug) == ("Từ ngày 01/11/2026 đến ngày 30/11/2026", "20261101-20261130")
    assert exports.Period.of(date(2026, 3, 1), None, None, today).end == date(2026, 12, 31)
    with pytest.raises(InvalidData):
        exports.Period.of(date(2026, 11, 30), date(2026, 11, 1), None, today)
    for wrong in ((date(2026, 11, 1), None, 2026), (date(1, 1, 1), None, None), (None, date(9999, 12, 31), None)):
        with pytest.raises(InvalidData):
            exports.Period.of(*wrong, today)

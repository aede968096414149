"""The printed register carries what a paper register has (NĐ 30 Đ22.3, Phụ lục IV): the agency,
the register's name, the year, "Quyển số", the first and last incoming number, page numbers and a
closing block with the number of pages, the date and the places to sign. Read back with
pdftotext, as a reader of the file would."""
from __future__ import annotations

import subprocess
from datetime import date
from io import BytesIO

from openpyxl import load_workbook

from documents.incoming import exports
from tests.conftest import START
from tests.tools import require_program

YEAR = exports.Period(date(2026, 1, 1), date(2026, 12, 31))


def pdf_pages(case, tmp_path, kind: str, period=YEAR) -> list[str]:
    pdftotext = require_program("pdftotext", "poppler-utils")
    exported = case.run(exports.export, case.people["a.clerk"], kind, "pdf", period)
    path = tmp_path / "register.pdf"
    path.write_bytes(exported.data)
    text = subprocess.run([pdftotext, "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return [" ".join(page.split()) for page in text.split("\f") if page.strip()]


def test_the_printed_register_has_its_heading_book_numbers_and_closing_block(case, tmp_path):
    for n in range(1, 4):
        case(subject=f"Văn bản thứ {n} về đường giao thông nông thôn " + "rất dài " * 50,
             description="Bản chính, kèm phụ lục " * 80)
    for kind, title in (("register", "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN"), ("tracking", "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN")):
        pages = pdf_pages(case, tmp_path, kind)
        first, last = pages[0], pages[-1]
        assert first.index("Cơ quan A") < first.index(title) < first.index("Năm 2026")
        assert "Quyển số: 01" in first and "Từ số 1 đến số 3" in first
        for number, page in enumerate(pages, start=1):
            assert f"Trang {number}/{len(pages)}" in page
        assert len(pages) >= 2  # long subjects: the closing block counts more than one page
        assert f"Sổ này có {len(pages)} trang, từ số 1 đến số 3." in last
        assert f"Ngày {START:%d} tháng {START:%m} năm {START:%Y}" in last
        assert "NGƯỜI LẬP SỔ" in last and "THỦ TRƯỞNG CƠ QUAN" in last
        assert "(Ký, ghi rõ họ tên)" in last and "(Ký tên, đóng dấu)" in last


def test_a_period_across_new_year_names_each_book_and_number_with_its_year(case, clock, tmp_path):
    case(), case()
    clock.set(START.replace(year=2027, month=1, day=4))
    case()
    pages = pdf_pages(case, tmp_path, "register", exports.Period(date(2026, 11, 1), date(2027, 1, 31)))
    assert "Quyển số: 01/2026, 01/2027" in pages[0] and "Từ số 1/2026 đến số 1/2027" in pages[0]
    assert "từ số 1/2026 đến số 1/2027." in pages[-1]


def test_an_empty_register_leaves_the_numbers_to_fill_and_the_xlsx_names_the_book(case, tmp_path):
    pages = pdf_pages(case, tmp_path, "register")
    assert "Từ số … đến số …" in pages[0] and "Sổ này có 1 trang, từ số … đến số …." in pages[0]
    case()
    exported = case.run(exports.export, case.people["a.clerk"], "register", "xlsx", YEAR)
    sheet = load_workbook(BytesIO(exported.data)).active
    assert sheet.cell(4, 1).value == "Quyển số: 01 – Từ số 1 đến số 1"

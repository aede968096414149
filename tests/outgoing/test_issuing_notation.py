"""Notations, date lines and identifiers as NĐ 30/2020 Phụ lục I and QĐ 28/2018 write them, the
abbreviations they are made of and the place read from the draft (no database: the rules alone)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from documents.errors import InvalidData
from documents.models import Agency, OrgUnit
from documents.outgoing import issuing, notation
from tests.signing.pdfs import make_pdf
from tests.signing.stamp_pages import phu_luc_i

VN = timezone(timedelta(hours=7))
AGENCY = Agency(code="000.00.00.G22", name="Văn phòng Chính phủ", abbreviation="VPCP")
UNIT = OrgUnit(name="Cục Trang thông tin điện tử", abbreviation="TTĐT")


def test_a_cong_van_takes_the_agency_then_the_drafting_unit():
    assert notation.notation(7816, notation.suffix("Công văn", AGENCY, UNIT)) == "7816/VPCP-TTĐT"


@pytest.mark.parametrize("doc_type, expected", [("Quyết định", "45/QĐ-VPCP"), ("Tờ trình", "45/TTr-VPCP"),
                                                ("Quy định", "45/QyĐ-VPCP"), ("Thông báo", "45/TB-VPCP")])
def test_other_types_take_their_abbreviation_then_the_agency(doc_type, expected):
    assert notation.notation(45, notation.suffix(doc_type, AGENCY, UNIT)) == expected


def test_the_identifier_is_the_edxml_document_id():
    # /work/shared/interchange/edxml-samples: 000.00.00.G22,2015/09/30,7816/VPCP-TTĐT
    at = datetime(2015, 9, 30, 9, 0, tzinfo=VN)
    assert notation.identifier("000.00.00.G22", at, "7816/VPCP-TTĐT") == "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"


def test_the_identifiers_date_is_the_vietnam_day():
    late_utc = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)  # 1 January 00:30 in Vietnam
    assert notation.identifier("H39", late_utc, "1/UBND-VX") == "H39,2027/01/01,1/UBND-VX"


@pytest.mark.parametrize("at, expected", [
    (datetime(2026, 2, 5, 10, tzinfo=VN), "ngày 05 tháng 02 năm 2026"),
    (datetime(2026, 1, 15, 10, tzinfo=VN), "ngày 15 tháng 01 năm 2026"),
    (datetime(2026, 3, 9, 10, tzinfo=VN), "ngày 09 tháng 3 năm 2026"),
    (datetime(2026, 12, 25, 10, tzinfo=VN), "ngày 25 tháng 12 năm 2026"),
])
def test_the_date_line_pads_days_below_ten_and_the_first_two_months(at, expected):
    assert notation.date_line(at) == expected
    assert notation.date_line(at, "Hà Nội") == f"Hà Nội, {expected}"


def test_missing_abbreviations_name_what_to_set():
    bare_agency = Agency(code="X", name="Sở Nội vụ", abbreviation=None)
    bare_unit = OrgUnit(name="Phòng Tổ chức", abbreviation=None)
    with pytest.raises(InvalidData, match="Cơ quan «Sở Nội vụ» chưa có chữ viết tắt"):
        notation.suffix("Quyết định", bare_agency, UNIT)
    with pytest.raises(InvalidData, match="Đơn vị «Phòng Tổ chức» chưa có chữ viết tắt"):
        notation.suffix("Công văn", AGENCY, bare_unit)
    with pytest.raises(InvalidData, match="Công văn cần đơn vị soạn thảo"):
        notation.suffix("Công văn", AGENCY, None)
    with pytest.raises(InvalidData, match="Loại văn bản «Thư riêng» không có chữ viết tắt"):
        notation.suffix("Thư riêng", AGENCY, UNIT)


@pytest.mark.parametrize("typed, kept", [(" UBND ", "UBND"), ("TTĐT", "TTĐT"), ("", None), ("   ", None),
                                         ("SNN2", "SNN2"), ("A" * 30, "A" * 30)])
def test_abbreviations_accepted(typed, kept):
    assert notation.clean_abbreviation(typed) == kept


@pytest.mark.parametrize("typed", ["UB ND", "UBND-VX", "UB/ND", "A" * 31, "UBND;", "ỦBND"])
def test_abbreviations_refused(typed):
    with pytest.raises(InvalidData) as refused:
        notation.clean_abbreviation(typed)
    assert refused.value.errors == {"abbreviation": notation.ABBREVIATION_INVALID}


def test_the_place_is_read_from_the_drafts_date_line():
    assert issuing.printed_place(phu_luc_i(paragraphs=1)) == "Hà Nam"
    assert issuing.printed_place(make_pdf(pages=1)) is None  # no date line: the day alone is written

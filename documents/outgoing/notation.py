"""How an issued document is named (NĐ 30/2020 Phụ lục I, III; QĐ 28/2018).

- The notation (số, ký hiệu): a công văn is "123/UBND-VX" (the agency's abbreviation, then the
  drafting unit's); every other type "45/QĐ-UBND" (the type's abbreviation, then the agency's).
- The date line: "ngày 05 tháng 02 năm 2026" — days below 10 and the months 1 and 2 take a
  leading zero, other months do not ("ngày 15 tháng 3 năm 2026").
- The identifier, as edXML's DocumentId: "<agency code>,<yyyy/mm/dd>,<number>/<rest>", e.g.
  "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT", the date being the issue's in Vietnam time.

A missing abbreviation is refused before any number is taken, naming what to set and where."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from ..errors import InvalidData
from ..models import Agency, OrgUnit
from ..vntime import VN_TZ
from . import doc_types

ABBREVIATION_MAX = 30
# Letters (Đ included, as in "TTĐT"; lower case as in NĐ 30's own "TTr", "QyĐ") and digits.
_ABBREVIATION = re.compile(rf"[A-Za-zĐđ0-9]{{1,{ABBREVIATION_MAX}}}")
ABBREVIATION_INVALID = (f"Chữ viết tắt gồm tối đa {ABBREVIATION_MAX} chữ cái (kể cả Đ) hoặc chữ số, "
                        "không dấu cách, không dấu gạch (ví dụ UBND, VX, TTĐT).")


def clean_abbreviation(text: str | None) -> str | None:
    """An abbreviation as typed, checked: None when left empty (cleared), else the NFC text;
    InvalidData (field "abbreviation") when it is not letters, Đ and digits of at most 30."""
    value = unicodedata.normalize("NFC", text or "").strip()
    if not value:
        return None
    if not _ABBREVIATION.fullmatch(value):
        raise InvalidData(ABBREVIATION_INVALID, {"abbreviation": ABBREVIATION_INVALID})
    return value


def suffix(doc_type: str, agency: Agency, unit: OrgUnit | None) -> str:
    """What follows the number: "UBND-VX" for a công văn, "QĐ-UBND" for a decision."""
    if not agency.abbreviation:
        raise InvalidData(f"Cơ quan «{agency.name}» chưa có chữ viết tắt: quản trị cơ quan đặt chữ viết tắt "
                          "tại trang Quản trị › Cơ quan trước khi phát hành.", {"agency": "abbreviation"})
    if doc_type == doc_types.CONG_VAN:
        if unit is None:
            raise InvalidData("Công văn cần đơn vị soạn thảo để ghi ký hiệu (số/cơ quan-đơn vị): "
                              "hãy chọn đơn vị soạn thảo của dự thảo.", {"unit_id": "required"})
        if not unit.abbreviation:
            raise InvalidData(f"Đơn vị «{unit.name}» chưa có chữ viết tắt: quản trị cơ quan đặt chữ viết tắt "
                              "tại trang Quản trị › Đơn vị trước khi phát hành công văn.", {"unit": "abbreviation"})
        return f"{agency.abbreviation}-{unit.abbreviation}"
    type_abbreviation = doc_types.abbreviation(doc_type)
    if not type_abbreviation:
        raise InvalidData(f"Loại văn bản «{doc_type}» không có chữ viết tắt theo Nghị định 30/2020: "
                          "hãy chọn một loại văn bản trong danh mục.", {"doc_type": "unknown"})
    return f"{type_abbreviation}-{agency.abbreviation}"


def notation(number: int, suffix_text: str) -> str:
    """ "123/UBND-VX"."""
    return f"{number}/{suffix_text}"


def identifier(agency_code: str, at: datetime, notation_text: str) -> str:
    """The QĐ 28/2018 document identifier: "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"."""
    return f"{agency_code},{_vietnam(at):%Y/%m/%d},{notation_text}"


def date_line(at: datetime, place: str | None = None) -> str:
    """ "Hà Nội, ngày 05 tháng 02 năm 2026" (without a place: from "ngày" on)."""
    day = _vietnam(at)
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    line = f"ngày {day.day:02d} tháng {month} năm {day.year}"
    return f"{place}, {line}" if place else line


def _vietnam(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("naive datetime refused: the date depends on the offset")
    return at.astimezone(VN_TZ)

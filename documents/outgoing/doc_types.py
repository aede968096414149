"""The types of administrative documents and their abbreviations (NĐ 30/2020 Phụ lục III), as
written in a notation: "45/QĐ-UBND". A công văn has no type in its notation: "123/UBND-VX"."""
from __future__ import annotations

CONG_VAN = "Công văn"

ABBREVIATIONS: dict[str, str | None] = {
    "Nghị quyết": "NQ", "Quyết định": "QĐ", "Chỉ thị": "CT", "Quy chế": "QC", "Quy định": "QyĐ",
    "Thông cáo": "TC", "Thông báo": "TB", "Hướng dẫn": "HD", "Chương trình": "CTr", "Kế hoạch": "KH",
    "Phương án": "PA", "Đề án": "ĐA", "Dự án": "DA", "Báo cáo": "BC", "Biên bản": "BB", "Tờ trình": "TTr",
    "Hợp đồng": "HĐ", "Công điện": "CĐ", "Bản ghi nhớ": "BGN", "Bản thỏa thuận": "BTT", "Giấy ủy quyền": "GUQ",
    "Giấy mời": "GM", "Giấy giới thiệu": "GGT", "Giấy nghỉ phép": "GNP", "Phiếu gửi": "PG", "Phiếu chuyển": "PC",
    "Phiếu báo": "PB", CONG_VAN: None,
}
TYPES = tuple(ABBREVIATIONS)


def abbreviation(doc_type: str) -> str | None:
    """The type's abbreviation; None for a công văn or a type NĐ 30 does not list."""
    return ABBREVIATIONS.get(doc_type)

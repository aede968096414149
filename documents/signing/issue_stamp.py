"""The agency's part at issue (seed 002 Đ11.2, 004 Đ5.2b): the number and date written into the
person-signed PDF, then the agency's signature with the red seal over the left third of the
person's signature, and the urgency stamp for urgent documents; attachments signed at the top
right of page 1."""
from __future__ import annotations

from datetime import datetime

from .agency import AgencySigner

URGENCY_TEXT = {"urgent": "KHẨN", "very_urgent": "THƯỢNG KHẨN", "flash": "HỎA TỐC"}


def issue_pdf(person_signed_pdf: bytes, agency: AgencySigner, seal_png: bytes, *,
              agency_name: str, number_text: str, date_text: str, at: datetime,
              urgency: str = "normal") -> bytes:
    """``number_text`` ("Số: 12/VPUBND-KT") and ``date_text`` ("Hà Nội, ngày 05 tháng 12 năm
    2026") written on page 1, then the agency's signature(s); every earlier signature stays
    valid. Returns the PDF as issued."""
    raise NotImplementedError


def sign_attachment(pdf: bytes, agency: AgencySigner, *, text: str, at: datetime) -> bytes:
    """An attachment in its own file, signed by the agency at the top right of page 1 with
    ``text`` (number, notation and time)."""
    raise NotImplementedError

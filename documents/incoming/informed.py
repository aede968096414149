"""A person's own list of the incoming documents they were told of for information (để biết):
named themselves or through their unit (documents/incoming/parties.py), in their agency only.
Unread first, then the most recently named; opening a document marks it read for that person."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..accounts import Identity
from ..models import OrgUnit, User
from . import trail
from .models import IncomingDocument, IncomingParty
from .parties import INFORM, mark_seen, naming

LIMIT = 500  # a person's list; older ones stay readable from the register


@dataclass(frozen=True)
class Informed:
    document_id: int
    incoming_number: int | None
    number_notation: str
    subject: str
    issuer_name: str
    status: str
    named_by: str           # who told them, by name ("" for the system)
    named_at: datetime
    through_unit: str       # the unit they were told through, "" when named themselves
    seen_at: datetime | None


def of(session: Session, who: Identity, document_id: int | None = None) -> list[Informed]:
    """The documents ``who`` was told of for information, unread first (or only ``document_id``)."""
    query = (
        sa.select(IncomingParty, IncomingDocument, User.full_name, OrgUnit.name)
        .join(IncomingDocument, IncomingDocument.id == IncomingParty.document_id)
        .outerjoin(User, User.id == IncomingParty.named_by)
        .outerjoin(OrgUnit, OrgUnit.id == IncomingParty.unit_id)
        .where(IncomingDocument.agency_id == who.agency_id, IncomingDocument.withdrawn_at.is_(None),
               naming(who, INFORM))
        .order_by(IncomingParty.named_at.desc(), IncomingParty.id))
    if document_id is not None:
        query = query.where(IncomingParty.document_id == document_id)
    rows = session.execute(query).all()
    seen = _own_marks(session, who, {party.document_id for party, *_ in rows})
    listed: dict[int, Informed] = {}
    for party, document, named_by, unit in rows:
        if document.id in listed and not listed[document.id].through_unit:
            continue  # named themselves: that naming is the one shown
        listed[document.id] = Informed(
            document_id=document.id, incoming_number=document.incoming_number,
            number_notation=document.number_notation, subject=document.subject, issuer_name=document.issuer_name,
            status=document.status, named_by=named_by or "", named_at=party.named_at,
            through_unit=(unit or "") if party.user_id is None else "",
            seen_at=party.seen_at if party.user_id is not None else seen.get(document.id))
    shown = sorted(listed.values(), key=lambda i: (i.seen_at is not None, -i.named_at.timestamp(), i.document_id))
    return shown[:LIMIT]


def opened(session: Session, who: Identity, document: IncomingDocument) -> Informed | None:
    """``who`` opened ``document`` (the caller has checked they may read it): when they were told
    of it for information, it is marked read for them — the first time, with an audit event —
    and their entry is returned (who told them, when); None when they were not told of it."""
    if mark_seen(session, who, document):
        trail.record(session, who, "incoming.informed_seen", document.id, {})
    return next((item for item in of(session, who, document.id) if item.document_id == document.id), None)


def unread_count(session: Session, who: Identity) -> int:
    return sum(1 for item in of(session, who) if item.seen_at is None)


def _own_marks(session: Session, who: Identity, documents: set[int]) -> dict[int, datetime]:
    """When ``who`` first opened each document told to their unit (their read marks)."""
    if not documents:
        return {}
    rows = session.execute(sa.select(IncomingParty.document_id, IncomingParty.seen_at)
                           .where(IncomingParty.document_id.in_(documents), IncomingParty.kind == INFORM,
                                  IncomingParty.user_id == who.user_id, IncomingParty.unit_id.is_not(None),
                                  IncomingParty.seen_at.is_not(None)))
    return {document_id: at for document_id, at in rows}

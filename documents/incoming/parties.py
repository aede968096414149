"""Coordinators and those told for information (để biết): the units and people the distribution
names besides the lead (IncomingParty rows), replaced at each distribution (a document sent back
and distributed again names them anew).

Every party may read the document, during and after its own part: a person named (to coordinate
or for information), and every active member of a unit told for information (its staff as well as
its head: a unit "để biết" is told as a whole). A row naming both a unit and a person is not a naming: it records that a member of
a unit named for information opened the document (``seen_at``), so each person has their own
"read" mark whether they were named themselves or through their unit."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine import clock

from ..accounts import Identity
from .models import IncomingDocument, IncomingParty

COORDINATE, INFORM = "coordinate", "inform"
# form field -> (party kind, unit or person)
FIELDS = {"coordinators": (COORDINATE, "unit"), "coordinator_people": (COORDINATE, "user"),
          "informed_units": (INFORM, "unit"), "for_information": (INFORM, "user")}


def record_distribution(session: Session, document: IncomingDocument, data: Mapping[str, Any],
                        actor_id: int | None) -> None:
    """The distribution's form data (cleaned: units and people of the agency) names the parties."""
    session.execute(sa.delete(IncomingParty).where(IncomingParty.document_id == document.id))
    now = clock.now()
    for field, (kind, what) in FIELDS.items():
        for key in ids(data.get(field)):
            session.add(IncomingParty(document_id=document.id, kind=kind, named_by=actor_id, named_at=now,
                                      **{f"{what}_id": key}))


def naming(who: Identity, kind: str | None = None) -> sa.ColumnElement[bool]:
    """The rows that name ``who``: themselves, or their unit told for information (a member's own
    read mark is not one). A unit asked to coordinate is its head's to answer, and heads read the
    register anyway; whoever answered for it reads on as a coordinator (participants.may_read)."""
    unit = (sa.and_(IncomingParty.unit_id == who.unit_id, IncomingParty.user_id.is_(None), IncomingParty.kind == INFORM)
            if who.unit_id is not None else sa.false())
    person = sa.and_(IncomingParty.user_id == who.user_id, IncomingParty.unit_id.is_(None))
    named = sa.or_(person, unit)
    return sa.and_(named, IncomingParty.kind == kind) if kind else named


def is_party(session: Session, who: Identity, document: IncomingDocument) -> bool:
    """Whether the distribution named ``who`` or their unit, to coordinate or for information."""
    query = sa.select(IncomingParty.id).where(IncomingParty.document_id == document.id, naming(who)).limit(1)
    return session.scalar(query) is not None


def mark_seen(session: Session, who: Identity, document: IncomingDocument) -> bool:
    """``who`` opened a document they were told of for information: their own row is marked
    seen, once (the first time counts). Returns whether this was the first time."""
    rows = list(session.scalars(sa.select(IncomingParty).where(IncomingParty.document_id == document.id,
                                                               naming(who, INFORM))
                                .order_by(IncomingParty.user_id.is_(None), IncomingParty.id)))
    if not rows:
        return False
    mine = next((r for r in rows if r.user_id == who.user_id), None)
    if mine is None:  # told through their unit: a read mark of their own, naming as the unit's row did
        mine = session.scalar(sa.select(IncomingParty).where(
            IncomingParty.document_id == document.id, IncomingParty.kind == INFORM,
            IncomingParty.user_id == who.user_id, IncomingParty.unit_id == rows[0].unit_id))
    if mine is not None and mine.seen_at is not None:
        return False
    now = clock.now()
    if mine is None:
        unit_row = rows[0]
        session.add(IncomingParty(document_id=document.id, kind=INFORM, unit_id=unit_row.unit_id,
                                  user_id=who.user_id, named_by=unit_row.named_by, named_at=unit_row.named_at,
                                  seen_at=now))
    else:
        mine.seen_at = now
    session.flush()
    return True


def ids(values: Any) -> Iterable[int]:
    """The ids a list field holds, each once, in order."""
    if not isinstance(values, list):
        return ()
    return dict.fromkeys(v for v in values if isinstance(v, int) and not isinstance(v, bool))

"""Coordinators and those told for information (để biết): the units and people the distribution
names besides the lead (IncomingParty rows), replaced at each distribution (a document sent back
and distributed again names them anew)."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine import clock

from .models import IncomingDocument, IncomingParty

# form field -> (party kind, unit or person)
FIELDS = {"coordinators": ("coordinate", "unit"), "informed_units": ("inform", "unit"),
          "for_information": ("inform", "user")}


def record_distribution(session: Session, document: IncomingDocument, data: Mapping[str, Any],
                        actor_id: int | None) -> None:
    """The distribution's form data (cleaned: units and people of the agency) names the parties."""
    session.execute(sa.delete(IncomingParty).where(IncomingParty.document_id == document.id))
    now = clock.now()
    for field, (kind, what) in FIELDS.items():
        for key in _ids(data.get(field)):
            session.add(IncomingParty(document_id=document.id, kind=kind, named_by=actor_id, named_at=now,
                                      **{f"{what}_id": key}))


def _ids(values: Any) -> Iterable[int]:
    if not isinstance(values, list):
        return ()
    return dict.fromkeys(v for v in values if isinstance(v, int) and not isinstance(v, bool))

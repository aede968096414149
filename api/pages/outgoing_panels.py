"""Sections that features add to the outgoing document's page (/outgoing/<id>): see panels.py.
A panel's values function takes (session, reader, document)."""
from __future__ import annotations

from typing import Any, Callable, Mapping

from sqlalchemy.orm import Session

from documents.accounts import Identity
from documents.outgoing.models import OutgoingDocument

from .panels import Panels

Values = Callable[[Session, Identity, OutgoingDocument], Mapping[str, Any] | None]
PANELS: Panels[Values] = Panels("top", "facts", "end")  # under the heading, after the metadata, at the end
register = PANELS.register


def for_page(session: Session, who: Identity, document: OutgoingDocument) -> dict[str, list[tuple[str, Mapping[str, Any]]]]:
    return PANELS.shown(session, who, document)

"""Sections that features add to the incoming document's page (/incoming/<id>): see panels.py.
A panel's values function takes (session, reader, document)."""
from __future__ import annotations

from typing import Any, Callable, Mapping

from sqlalchemy.orm import Session

from documents.accounts import Identity
from documents.incoming.models import IncomingDocument

from .panels import Panels

Values = Callable[[Session, Identity, IncomingDocument], Mapping[str, Any] | None]
PANELS: Panels[Values] = Panels("top", "facts", "end")  # under the heading, after the metadata, at the end
register = PANELS.register


def for_page(session: Session, who: Identity, document: IncomingDocument) -> dict[str, list[tuple[str, Mapping[str, Any]]]]:
    return PANELS.shown(session, who, document)

"""Documents a person or their unit was told of for information (để biết): their own list, and
on the document's page a note of who told them and when — opening the page marks it read."""
from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from documents.accounts import Identity
from documents.incoming import informed
from documents.incoming.models import IncomingDocument

from ..deps import DB, PageUser
from . import document_panels
from .render import page

router = APIRouter(include_in_schema=False)


@router.get("/incoming/informed")
def informed_list(request: Request, who: PageUser, session: DB):
    items = informed.of(session, who)
    return page(request, "informed_list.html", {
        "who": who, "items": items, "unread": sum(1 for item in items if item.seen_at is None)})


@document_panels.register("informed_panel.html", "top")
def told_for_information(session: Session, who: Identity, document: IncomingDocument):
    """The page only renders what the service allowed: opening it is reading the document."""
    entry = informed.opened(session, who, document)
    return None if entry is None else {"entry": entry}

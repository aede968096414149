"""Pages: the notification centre (/notifications: newest first, the unread filter, opening one
marks it read and goes to its task or document, all marked read at once), and the leader's urge
(đôn đốc) from a document's page or the dashboard: POST /incoming/{id}/urge, /outgoing/{id}/urge,
back to ``next`` (a path inside the app: anything else is refused). The urge button sits on the
incoming and outgoing document pages through their panel registries."""
from __future__ import annotations

from typing import Annotated, Any, Mapping

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from documents.accounts import Identity
from documents.incoming.models import IncomingDocument
from documents.notifications import centre, urge
from documents.notifications.models import Kind
from documents.outgoing.models import OutgoingDocument

from ..deps import DB, CsrfUser, PageUser
from . import document_panels, outgoing_panels
from .formdata import FormText
from .render import error_page, page

router = APIRouter(include_in_schema=False)
NOT_LOCAL = "Liên kết không thuộc hệ thống: không mở."


@router.get("/notifications")
def centre_page(request: Request, who: PageUser, session: DB, unread: Annotated[str, Query(max_length=1)] = "",
                page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1):
    found = centre.listing(session, who, unread_only=bool(unread), offset=(page_number - 1) * centre.PAGE_SIZE)
    return page(request, "notifications.html", {
        "who": who, "found": found, "unread_only": bool(unread), "page_number": page_number, "kinds": Kind.ALL,
        "text_pieces": centre.text_pieces, "last_page": max(1, -(-found.total // centre.PAGE_SIZE)), "unread_notifications": found.unread})


@router.post("/notifications/{notification_id:int}/open")
def open_notification(notification_id: int, request: Request, who: CsrfUser, session: DB):
    row = centre.own(session, who, notification_id)
    if row.link and not centre.is_local_path(row.link):
        return error_page(request, 400, NOT_LOCAL, who=who)
    centre.mark_read(session, who, notification_id)
    return RedirectResponse(row.link or "/notifications", status_code=303)


@router.post("/notifications/read-all")
def read_all(who: CsrfUser, session: DB):
    centre.mark_all_read(session, who)
    return RedirectResponse("/notifications", status_code=303)


@router.post("/incoming/{document_id:int}/urge")
def urge_incoming(document_id: int, request: Request, who: CsrfUser, session: DB, note: FormText = "",
                  next: FormText = ""):
    return _urged(request, who, session, next or f"/incoming/{document_id}",
                  lambda: urge.urge(session, who, incoming_document_id=document_id, note=note))


@router.post("/outgoing/{document_id:int}/urge")
def urge_outgoing(document_id: int, request: Request, who: CsrfUser, session: DB, note: FormText = "",
                  next: FormText = ""):
    return _urged(request, who, session, next or f"/outgoing/{document_id}",
                  lambda: urge.urge(session, who, outgoing_document_id=document_id, note=note))


def _urged(request: Request, who: Identity, session: Session, back: str, action):
    # Checked before anything is stored: a forged form must not bounce a person to another site.
    if not centre.is_local_path(back):
        return error_page(request, 400, NOT_LOCAL, who=who)
    action()
    return RedirectResponse(back, status_code=303)


@document_panels.register("_urge_panel.html", "top")
def incoming_urge(session: Session, who: Identity, document: IncomingDocument) -> Mapping[str, Any] | None:
    """The urge button on an overdue incoming document, for those who may urge (its urges are
    in the document's history)."""
    if not urge.offered(session, who, document):
        return None
    return {"kind": "incoming", "document_id": document.id, "urges": []}


@outgoing_panels.register("_urge_panel.html", "end")
def outgoing_urges(session: Session, who: Identity, document: OutgoingDocument) -> Mapping[str, Any] | None:
    """The outgoing document's urges (its history has no other place) and the button while overdue."""
    urges = urge.history(session, outgoing_document_id=document.id)
    offered = urge.offered(session, who, document)
    if not urges and not offered:
        return None
    return {"kind": "outgoing" if offered else None, "document_id": document.id, "urges": urges}

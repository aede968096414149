"""The sender's tracking of an issued document: a panel at the end of the outgoing document's page
(each recipient's status in words, when, its reply, the paper copy with the clerk's "sent"
button, the interchange message); the clerk's page of paper copies to send and messages waiting
for the interchange; a unit's list of the documents its agency sent to it."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from documents.accounts import Identity
from documents.errors import NotAllowed, NotFound
from documents.files.service import read_attachment
from documents.outgoing import replies, tracking
from documents.outgoing.models import OutgoingDocument, OutgoingRecipient

from ..deps import DB, CsrfUser, PageUser, get_system
from ..downloads import attachment
from ..params import Id
from . import outgoing_panels
from .incoming_new import SubmittedForm
from .render import page

router = APIRouter(include_in_schema=False)
# Where the "sent" button returns: the page it was pressed on.
RETURNS = {"paper": "/outgoing/paper", "document": "/outgoing/{id}#tracking"}


@router.get("/outgoing/paper")
def paper_page(request: Request, who: PageUser, session: DB):
    return page(request, "outgoing_paper.html", {
        "who": who, "copies": tracking.paper_to_send(session, who),
        "messages": [(m, session.get(OutgoingDocument, m.document_id), session.get(OutgoingRecipient, m.recipient_id))
                     for m in tracking.interchange_waiting(session, who)]})


@router.post("/outgoing/{document_id}/recipients/{recipient_id}/paper-sent")
def paper_sent(document_id: Id, recipient_id: Id, who: CsrfUser, session: DB, form: SubmittedForm):
    back = form.get("back")
    tracking.mark_paper_sent(session, who, document_id, recipient_id)
    return RedirectResponse(RETURNS.get(str(back), RETURNS["document"]).format(id=document_id), status_code=303)


@router.get("/outgoing/internal")
def internal_page(request: Request, who: PageUser, session: DB):
    return page(request, "outgoing_internal.html", {"who": who, "documents": tracking.for_units(session, who)})


@router.get("/outgoing/internal/{document_id}/file")
def internal_file(request: Request, document_id: Id, who: PageUser, session: DB):
    document = tracking.sent_to_unit(session, who, document_id)
    found, data = read_attachment(session, get_system(request).files, document.issued_file_id)
    return attachment(data, found.media_type, found.file_name)


@outgoing_panels.register("_outgoing_tracking.html", "end")
def tracking_panel(session: Session, who: Identity, document: OutgoingDocument) -> dict[str, Any] | None:
    """Shown once the document is issued, to those who may follow it (nothing for the others)."""
    if document.issued_at is None:
        return None
    try:
        view = tracking.tracking(session, who, tracking.readable(session, who, document.id))
    except (NotAllowed, NotFound):
        return None
    asked = any(s.reply for s in view.recipients)
    return {"view": view, "names": tracking.STATUS_NAMES, "asks_reply": asked,
            "replied": sum(1 for s in view.recipients if s.reply and s.reply.state == replies.REPLIED),
            "asked": sum(1 for s in view.recipients if s.reply)}

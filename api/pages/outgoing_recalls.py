"""The sender's recall, update and replace (002 Đ9.2, 004 Đ6.3, Đ8.5): a panel on the outgoing
document's page — the reason and three explicit buttons for the agency's clerk and leaders, the
requests made, each recipient's answer (13 waiting, 15 done, 16 refused with its reason) — and
the same on a page of its own (/outgoing/<id>/recall), where a refused request is shown again."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from documents.accounts import Identity
from documents.errors import Conflict, InvalidData, NotAllowed, NotFound
from documents.incoming.queries import names_of
from documents.outgoing import recalls
from documents.outgoing.models import OutgoingDocument

from ..deps import DB, CsrfUser, PageUser, Runtime
from ..i18n import locale_of, translator
from ..params import Id
from . import outgoing_panels
from .incoming_new import SubmittedForm
from .localized import domain_message
from .render import page

router = APIRouter(include_in_schema=False)
ACTIONS = ("recall", "update", "replace")


@router.get("/outgoing/{document_id:int}/recall")
def recall_page(request: Request, document_id: Id, who: PageUser, session: DB):
    document = recalls.get(session, who, document_id)
    return _page(request, session, who, document)


@router.post("/outgoing/{document_id:int}/recall")
def ask(request: Request, document_id: Id, who: CsrfUser, session: DB, runtime: Runtime, form: SubmittedForm):
    """One form, three buttons: recall at once, or start the updating / replacing draft."""
    action, reason = str(form.get("action") or ""), str(form.get("reason") or "")
    t = translator(locale_of(request))
    try:
        if action not in ACTIONS:
            raise InvalidData("Chọn thu hồi, cập nhật hoặc thay thế.", errors={"action": "unknown"})
        if action == "recall":
            recalls.request_recall(session, who, document_id, reason)
            return RedirectResponse(f"/outgoing/{document_id}#recall", status_code=303)
        draft = recalls.start_replacement(session, runtime, who, document_id, action, reason)
        return RedirectResponse(f"/outgoing/{draft.id}", status_code=303)
    except (InvalidData, Conflict) as exc:
        session.rollback()
        if action not in ACTIONS:
            message = t("recall.choose_action")
        elif not (reason or "").strip():
            message = t("recall.reason_required")
        else:  # the service's own words: a reason too long, a unit no longer active, a frozen copy…
            message = domain_message(locale_of(request), exc.message)
        return _page(request, session, who, recalls.get(session, who, document_id), reason, message, exc.status)


@outgoing_panels.register("_outgoing_recall.html", "facts")
def recall_panel(session: Session, who: Identity, document: OutgoingDocument) -> dict[str, Any] | None:
    """Shown on an issued (or frozen) document to its agency's clerks and leaders and its author."""
    if document.issued_at is None:
        return None
    try:
        recalls.get(session, who, document.id)
    except (NotAllowed, NotFound):
        return None
    return values(session, who, document)


def values(session: Session, who: Identity, document: OutgoingDocument, reason: str = "",
           error: str = "") -> dict[str, Any]:
    history = recalls.history(session, document)
    replacements = {r.replacement_id: session.get(OutgoingDocument, r.replacement_id)
                    for r in history if r.replacement_id}
    superseded = session.get(OutgoingDocument, document.supersedes_id) if document.supersedes_id else None
    return {"may_ask": recalls.may_ask(who, document), "history": history, "replacements": replacements,
            "names": names_of(session, who, [r.requested_by for r in history]), "superseded": superseded,
            "answers": [r for r in document.recipients if r.recall_status], "reason": reason, "error": error}


def _page(request: Request, session: Session, who: Identity, document: OutgoingDocument, reason: str = "",
          error: str = "", status: int = 200):
    return page(request, "outgoing_recall.html", {
        "who": who, "document": document, "panel": values(session, who, document, reason, error)}, status)

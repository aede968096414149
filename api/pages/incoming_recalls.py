"""The recipient's answer to a recall, update or replacement its sender asked: a panel at the top
of the incoming document's page (the request, its reason, the clerk's "agree" and "refuse" with
a reason; the withdrawn document's notice), the clerk's list of requests (/incoming/recalls), and
one request on a page of its own, where a refused answer is shown again."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from documents.accounts import Identity
from documents.errors import Conflict, InvalidData
from documents.incoming import recalls
from documents.incoming.models import IncomingDocument
from documents.incoming.queries import names_of

from ..deps import DB, CsrfUser, PageUser, Runtime
from ..i18n import locale_of, translator
from ..params import Id
from . import document_panels
from .incoming_new import SubmittedForm
from .localized import domain_message
from .render import page

router = APIRouter(include_in_schema=False)


@router.get("/incoming/recalls")
def requests_page(request: Request, who: PageUser, session: DB):
    found = recalls.requests(session, who)
    return page(request, "incoming_recalls.html", {
        "who": who, "requests": found, "pending": sum(1 for r in found if r.recall.answer is None)})


@router.get("/incoming/recalls/{recall_id:int}")
def request_page(request: Request, recall_id: Id, who: PageUser, session: DB):
    return _page(request, session, who, recalls.get(session, who, recall_id))


@router.post("/incoming/recalls/{recall_id:int}/answer")
def answer(request: Request, recall_id: Id, who: CsrfUser, session: DB, runtime: Runtime, form: SubmittedForm):
    decision, reason = str(form.get("decision") or ""), str(form.get("reason") or "")
    locale = locale_of(request)
    try:
        done = recalls.answer(session, runtime, who, recall_id, decision, reason)
    except (InvalidData, Conflict) as exc:
        session.rollback()
        status = 409 if isinstance(exc, Conflict) else 422
        message = translator(locale)("recall.refusal_reason_required") if status == 422 and decision == recalls.REFUSE \
            else domain_message(locale, str(exc))
        return _page(request, session, who, recalls.get(session, who, recall_id), reason, message, status)
    return RedirectResponse(f"/incoming/{done.document_id}#recall", status_code=303)


@document_panels.register("_incoming_recall.html", "top")
def recall_panel(session: Session, who: Identity, document: IncomingDocument) -> dict[str, Any] | None:
    """The requests on the document, for its clerk and leaders; nothing when there are none."""
    found, supersedes = recalls.of_document(session, who, document), recalls.superseded_by(session, who, document)
    if not (found or supersedes) and document.withdrawn_at is None and document.superseded_by_id is None:
        return None
    return values(session, who, found, supersedes=supersedes)


def values(session: Session, who: Identity, found: list[recalls.Request], reason: str = "",
           error: str = "", supersedes: list[recalls.Request] = ()) -> dict[str, Any]:
    return {"requests": found, "may_answer": who.has_any(*recalls.CLERKS), "reason": reason, "error": error,
            "names": names_of(session, who, [r.recall.answered_by for r in found]), "supersedes": supersedes}


def _page(request: Request, session: Session, who: Identity, found: recalls.Request, reason: str = "",
          error: str = "", status: int = 200):
    return page(request, "incoming_recall.html", {
        "who": who, "document": found.document, "panel": values(session, who, [found], reason, error)}, status)

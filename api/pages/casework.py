"""The forms of the people handling an incoming document, on its page: progress notes, related
documents (linked by incoming number or by id, unlinked), the handler's request to be relieved,
and the reply draft. Each calls one service of documents.incoming, which decides who may."""
from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from documents.accounts import Identity
from documents.incoming import progress, queries, reassignment, related, replies
from documents.vntime import today

from ..deps import DB, CsrfUser, Runtime
from . import form_stash
from .formdata import FormText, Unreadable, optional_int
from .incoming import on_the_document

router = APIRouter(include_in_schema=False)
EARLIEST_YEAR = 2000
RELATED = "related_to"  # the field naming the other document


@router.post("/incoming/{document_id:int}/progress")
def record_progress(document_id: int, request: Request, who: CsrfUser, session: DB, runtime: Runtime,
                    text: FormText = "", percent: FormText = ""):
    return _sent(request, on_the_document(
        request, session, runtime, who, document_id, "progress", {"text": text, "percent": percent},
        lambda: progress.record(session, who, document_id, text=text, percent=optional_int("percent", percent))))


@router.post("/incoming/{document_id:int}/related")
def link_related(document_id: int, request: Request, who: CsrfUser, session: DB, runtime: Runtime,
                 related_to: FormText = "", note: FormText = ""):
    return _sent(request, on_the_document(
        request, session, runtime, who, document_id, "related", {RELATED: related_to, "note": note},
        lambda: related.link(session, who, document_id, _document_named(session, who, related_to), note),
        conflict="casework.related.linked_already", renamed={"related_id": RELATED}))


@router.post("/incoming/{document_id:int}/related/{related_id:int}/unlink")
def unlink_related(document_id: int, related_id: int, request: Request, who: CsrfUser, session: DB,
                   runtime: Runtime):
    return _sent(request, on_the_document(request, session, runtime, who, document_id, "related", {},
                                         lambda: related.unlink(session, who, document_id, related_id)))


@router.post("/incoming/{document_id:int}/reassignment-requests")
def ask_reassignment(document_id: int, request: Request, who: CsrfUser, session: DB, runtime: Runtime,
                     reason: FormText = ""):
    return _sent(request, on_the_document(request, session, runtime, who, document_id, "ask", {"reason": reason},
                                         lambda: reassignment.ask(session, who, document_id, reason),
                                         conflict="casework.ask.pending", anchor="requests"))


@router.post("/incoming/{document_id:int}/reply-drafts")
def start_reply(document_id: int, request: Request, who: CsrfUser, session: DB, runtime: Runtime):
    return _sent(request, on_the_document(request, session, runtime, who, document_id, "reply", {},
                                         lambda: replies.start(session, runtime, who, document_id),
                                         then=lambda draft: f"/outgoing/{draft.id}"))


def _sent(request: Request, response):
    """A casework form sent with a session: what was kept of it across an expired one is done with."""
    return form_stash.forget(response) if form_stash.STASH_COOKIE in request.cookies else response


def _document_named(session: Session, who: Identity, typed: str) -> int:
    """The document a person names: its incoming number this year ("12"), in a year ("12/2025"),
    or its id as in its address ("#37"). One not found in the agency is refused next to the field."""
    text = typed.strip()
    if not text:
        raise Unreadable(RELATED, "casework.related.required")
    if text.startswith("#"):
        wanted = optional_int(RELATED, text[1:])
        found = wanted if wanted is not None and wanted in queries.by_ids(session, who, [wanted]) else None
    else:
        found = _numbered(session, who, text)
    if found is None:
        raise Unreadable(RELATED, "casework.related.not_found")
    return found


def _numbered(session: Session, who: Identity, text: str) -> int | None:
    number_text, _, year_text = text.partition("/")
    number, year = optional_int(RELATED, number_text), optional_int(RELATED, year_text)
    this_year = today().year
    year = this_year if year is None else year
    if number is None or not EARLIEST_YEAR <= year <= this_year:
        return None
    return queries.numbered(session, who, number, year)

"""Pages of the incoming register: search, a document's detail (with its handling: see
documents/incoming/handling_view.py), the clerk's accept/refuse of an arrived electronic document,
file downloads and the register exports. Downloads and exports come from api/downloads.py, as for
the JSON API, so both send the same bytes with the same headers."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from math import ceil
from typing import Annotated, Any, Callable

from babel.dates import format_datetime
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from jinja2 import pass_context
from sqlalchemy.orm import Session

from documents.accounts import Identity
from documents.errors import Conflict, InvalidData, NotFound
from documents.incoming import exports, handling_view, queries, service, signature_binding, story, summary, view
from documents.incoming import reading as handling_reading
from documents.incoming.models import IncomingDocument, Status
from documents.vntime import VN_TZ
from engine.runtime import WorkflowRuntime
from forms import default_registry

from ..deps import DB, CsrfUser, PageUser, Runtime, get_system
from ..downloads import ExportQuery, incoming_file, register_export
from . import arrival_view, document_panels, register_search
from .refusals import NOTHING_FAILED, Failed, attempt
from .render import page, templates

# The document page's times: dd/mm/yyyy HH:mm, Vietnam time (the app's vntime puts the hour first).
STAMP_FORMATS = {"vi": "dd/MM/yyyy HH:mm", "en": "d MMM yyyy, HH:mm"}


@pass_context
def stamp(context, moment: datetime | None) -> str:
    if moment is None:
        return ""
    locale = context.get("locale", "vi")
    return format_datetime(moment, format=STAMP_FORMATS.get(locale, STAMP_FORMATS["vi"]), tzinfo=VN_TZ, locale=locale)


templates.env.filters["stamp"] = stamp

router = APIRouter(include_in_schema=False)


@router.get("/incoming")
def register_page(request: Request, who: PageUser, session: DB):
    search = register_search.parse(request.query_params)
    total, documents = queries.search(session, who, search.filters)
    return page(request, "incoming_list.html", {
        "who": who, "search": search, "total": total, "documents": documents,
        "pages": max(1, ceil(total / register_search.PAGE_SIZE)), "fields": metadata_fields(),
        "kinds": exports.KINDS, "formats": exports.WRITERS,
        "status_codes": register_search.CHOICES["status"],
    })


# Declared before the document routes; those take only integer ids anyway.
@router.get("/incoming/export/{kind}.{file_format}")
def export(kind: str, file_format: str, who: PageUser, session: DB, query: ExportQuery):
    if kind not in exports.KINDS or file_format not in exports.WRITERS:
        raise NotFound(f"no register export '{kind}.{file_format}'")
    return register_export(session, who, kind, file_format, query)


@router.get("/incoming/{document_id:int}")
def detail(document_id: int, request: Request, who: PageUser, session: DB, runtime: Runtime):
    return detail_page(request, session, runtime, who, service.get(session, who, document_id))


@router.get("/incoming/{document_id:int}/files/{attachment_id:int}")
def download(document_id: int, attachment_id: int, request: Request, who: PageUser, session: DB):
    return incoming_file(session, get_system(request).files, who, document_id, attachment_id)


@router.post("/incoming/{document_id:int}/accept")
def accept(document_id: int, request: Request, who: CsrfUser, session: DB, runtime: Runtime,
           override_reason: Annotated[str, Form(max_length=2000)] = "",
           allow_duplicate: Annotated[bool, Form()] = False):
    """Accept; the override section sends the clerk's reason, the duplicate warning's button the
    confirmation. Refused, the page again says why, with the reason typed kept."""
    try:
        service.accept(session, runtime, who, document_id, override_reason=override_reason or None,
                       allow_duplicate=allow_duplicate)
    except (signature_binding.SignatureRefused, service.ProbableDuplicate) as exc:
        session.rollback()
        key = "arrival.duplicate.confirm_first" if isinstance(exc, service.ProbableDuplicate) else "arrival.override.required"
        document = service.get(session, who, document_id)
        return detail_page(request, session, runtime, who, document, errors={"decision": key, "override": key},
                           override_reason=override_reason, status=exc.status)
    except (InvalidData, Conflict) as exc:
        return _failed_decision(request, session, runtime, who, document_id, exc)
    return RedirectResponse(f"/incoming/{document_id}", status_code=303)


@router.post("/incoming/{document_id:int}/refuse")
def refuse(document_id: int, request: Request, who: CsrfUser, session: DB, runtime: Runtime,
           reason: Annotated[str, Form(max_length=2000)] = ""):
    return _decide(request, session, runtime, who, document_id,
                   lambda: service.refuse(session, who, document_id, reason), reason)


def _decide(request: Request, session: Session, runtime: WorkflowRuntime, who: Identity, document_id: int,
            decision: Callable[[], object], reason: str = ""):
    """Accept or refuse, then back to the document; a refusal the service turns down is shown
    on the document's page, in the page's language, with the reason typed kept."""
    try:
        decision()
    except (InvalidData, Conflict) as exc:
        return _failed_decision(request, session, runtime, who, document_id, exc, reason)
    return RedirectResponse(f"/incoming/{document_id}", status_code=303)


def _failed_decision(request: Request, session: Session, runtime: WorkflowRuntime, who: Identity, document_id: int,
                     exc: InvalidData | Conflict, reason: str = ""):
    session.rollback()
    key = "incoming.decided_already" if isinstance(exc, Conflict) else "incoming.refuse.reason_required"
    document = service.get(session, who, document_id)
    return detail_page(request, session, runtime, who, document, errors={"decision": key}, reason=reason,
                       status=exc.status)


def detail_page(request: Request, session: Session, runtime: WorkflowRuntime, who: Identity,
                document: IncomingDocument, errors: dict[str, str] | None = None, reason: str = "",
                status: int = 200, failed: Failed = NOTHING_FAILED, override_reason: str = ""):
    shown = view.of(session, document)  # what the API shows of it too
    reading = handling_reading.of(session, runtime, who, document)  # None: no process, or not the reader's to see
    actors = [s.actor_id for s in shown.statuses] + list(handling_view.actors(shown))
    return page(request, "incoming_detail.html", {
        "who": who, "document": document, "statuses": shown.statuses, "attachments": shown.attachments,
        "duplicates": shown.duplicates, "shown": shown,
        "summary": summary.of(document, reading), "story": story.of(reading, shown.progress),
        "pdfs": view.pdfs_of(document, shown.attachments),
        "handling": handling_view.of(session, who, document, shown), "failed": failed,
        "names": queries.names_of(session, who, actors), "overdue": queries.is_overdue(document),
        "may_decide": document.channel == "electronic" and document.status == Status.ARRIVED
                      and document.withdrawn_at is None and who.has_any(*service.CLERKS),
        "fields": metadata_fields(), "errors": errors or {}, "reason": reason,
        "arrival": arrival_view.of(session, who, document), "override_reason": override_reason,
        "panels": document_panels.for_page(session, who, document),
    }, status)


def on_the_document(request: Request, session: Session, runtime: WorkflowRuntime, who: Identity, document_id: int,
                    form: str, values: Mapping[str, str], action: Callable[[], Any], *,
                    conflict: str = "casework.changed", anchor: str | None = None,
                    then: Callable[[Any], str] | None = None, renamed: Mapping[str, str] | None = None):
    """A form of the document's page: done, back to the page where the result shows (``anchor``,
    else the form's own section) or to ``then(result)``; refused, the page again with the form's
    errors and values."""
    def shown_again(failed: Failed, status: int):
        return detail_page(request, session, runtime, who, service.get(session, who, document_id), status=status,
                           failed=failed)

    return attempt(request, session, form, values, action, conflict=conflict, shown_again=shown_again,
                   then=then or (lambda _: f"/incoming/{document_id}#{anchor or form}"), renamed=renamed)


def metadata_fields() -> dict:
    """The incoming_document form's fields: their labels and options name the columns and values."""
    return default_registry().get(service.METADATA_FORM).schema["properties"]

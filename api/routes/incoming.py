from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Body, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from documents.errors import InvalidData, NotAllowed
from documents.vntime import VN_TZ
from documents.incoming import exports, handling, handling_view, queries, service, view

from ..arrival_schemas import AcceptRequest, DuplicateList, DuplicateWarning, IncomingArrivalOut, duplicates_out
from ..deps import DB, ApiUser, Runtime, get_system
from ..downloads import ExportQuery, incoming_file, register_export
from ..handling_schemas import HandlingOut
from ..params import Id, Offset
from ..schemas import ERRORS, ExtendRequest, IncomingList, IncomingOut, ReassignRequest, RefuseRequest

router = APIRouter(prefix="/api/incoming", tags=["incoming documents"], responses=ERRORS)


DUPLICATE_RESPONSE = {409: {"model": DuplicateWarning,
                             "description": "probable duplicates (id, incoming number, received at): "
                                            "repeat with allow_duplicate to go on; or another conflict"}}


@router.post("", response_model=IncomingArrivalOut, status_code=201, responses=DUPLICATE_RESPONSE,
             summary="Register an incoming document (clerks): metadata as JSON, files attached; a probable "
                     "duplicate is refused (409) unless allow_duplicate, failing signatures unless override_reason")
def register(request: Request, who: ApiUser, session: DB,
             metadata: Annotated[str, Form(description="JSON object of the incoming_document form")],
             channel: Annotated[str, Form(pattern="^(paper|manual)$")] = "manual",
             files: Annotated[list[UploadFile], File()] = (),
             allow_duplicate: Annotated[bool, Form(description="register although it looks like a duplicate")] = False,
             override_reason: Annotated[str | None, Form(max_length=2000, description=(
                 "why a file whose signatures fail is registered anyway"))] = None,
             arrived_at: Annotated[datetime | None, Form(description=(
                 "late entry after an outage: the real arrival time (ISO 8601; without an offset, Vietnam time), "
                 f"not in the future, at most {service.LATE_ENTRY_DAYS} days ago"))] = None):
    # A plain `def`: pyHanko runs its own event loop, so signing must stay off the server's loop.
    try:
        fields = json.loads(metadata)
    except json.JSONDecodeError as exc:
        raise InvalidData(f"metadata is not valid JSON: {exc.msg}") from None
    except RecursionError:  # "[[[[…" thousands deep: the decoder gives up before any check runs
        raise InvalidData("metadata is nested too deeply") from None
    if not isinstance(fields, dict):
        raise InvalidData("metadata must be a JSON object")
    if len(files) > service.MAX_FILES:
        raise InvalidData(f"at most {service.MAX_FILES} files per document")
    system = get_system(request)
    limit = service.MAX_ATTACHMENT_BYTES
    uploads = [service.Upload(f.filename or "", f.file.read(limit + 1)) for f in files]
    if arrived_at is not None and arrived_at.tzinfo is None:
        arrived_at = arrived_at.replace(tzinfo=VN_TZ)
    try:
        result = service.register(session, system.runtime, system.files, system.keystore, who, fields, uploads,
                                  channel, allow_duplicate=allow_duplicate, override_reason=override_reason,
                                  arrived_at=arrived_at)
    except service.ProbableDuplicate as warning:
        return duplicate_warning(session, warning)
    out = IncomingOut.of(result.document, service.statuses(session, result.document), result.attachments,
                         result.duplicates)
    return JSONResponse(IncomingArrivalOut.of_incoming(out, result.document).model_dump(mode="json"), status_code=201)


def duplicate_warning(session, warning: service.ProbableDuplicate) -> JSONResponse:
    """409 listing the probable duplicates; nothing was stored and no number taken."""
    body = DuplicateWarning(error={"message": warning.message, "duplicates": duplicates_out(warning.duplicates)})
    session.rollback()
    return JSONResponse(body.model_dump(mode="json"), status_code=409)


@router.get("/duplicates", response_model=DuplicateList,
            summary="Registered documents that look like the one being registered (same number/notation and "
                    "issuer): the registration page asks before the number is taken")
def probable_duplicates(who: ApiUser, session: DB,
                        number_notation: Annotated[str, Query(min_length=1, max_length=100)],
                        issuer_name: Annotated[str, Query(min_length=1, max_length=255)],
                        issuer_code: Annotated[str | None, Query(max_length=35)] = None) -> DuplicateList:
    if not who.has_any(*service.CLERKS):
        raise NotAllowed("only a clerk registers incoming documents")
    found = service.probable_duplicates(session, who.agency_id, number_notation, issuer_name, issuer_code or None)
    return DuplicateList(duplicates=duplicates_out(found))


@router.get("", response_model=IncomingList, summary="Search the incoming register (accent-insensitive)")
def search(who: ApiUser, session: DB,
           q: Annotated[str | None, Query(max_length=200, description="words of subject, number, issuer…")] = None,
           received_from: date | None = None, received_to: date | None = None,
           issuer: Annotated[str | None, Query(max_length=255)] = None,
           doc_type: Annotated[str | None, Query(max_length=100)] = None,
           urgency: Annotated[str | None, Query(pattern="^(normal|urgent|very_urgent|flash)$")] = None,
           status: Annotated[str | None, Query(pattern="^0[1-6]$")] = None,
           overdue: bool = False, limit: Annotated[int, Query(ge=1, le=500)] = 50,
           offset: Offset = 0) -> IncomingList:
    filters = queries.Filters(received_from=received_from, received_to=received_to, issuer=issuer,
                              doc_type=doc_type, urgency=urgency, status=status, overdue=overdue, text=q,
                              limit=limit, offset=offset)
    total, rows = queries.search(session, who, filters)
    return IncomingList(total=total, items=[IncomingOut.of(d) for d in rows])


# The register exports come before "/{document_id}": routes are matched in declaration order.
def _export_route(kind: str, file_format: str, summary: str):
    media_type = exports.WRITERS[file_format].media_type
    return router.get(f"/export/{kind}.{file_format}", summary=summary, response_class=Response,
                      responses={200: {"content": {media_type: {}}}})


@_export_route("register", "xlsx", "The incoming register (NĐ 30 Phụ lục IV) of a year or date range, as XLSX")
def export_register_xlsx(who: ApiUser, session: DB, query: ExportQuery) -> Response:
    return register_export(session, who, "register", "xlsx", query)


@_export_route("register", "pdf", "The incoming register (NĐ 30 Phụ lục IV) of a year or date range, as PDF")
def export_register_pdf(who: ApiUser, session: DB, query: ExportQuery) -> Response:
    return register_export(session, who, "register", "pdf", query)


@_export_route("tracking", "xlsx", "The handling-tracking register of incoming documents, as XLSX")
def export_tracking_xlsx(who: ApiUser, session: DB, query: ExportQuery) -> Response:
    return register_export(session, who, "tracking", "xlsx", query)


@_export_route("tracking", "pdf", "The handling-tracking register of incoming documents, as PDF")
def export_tracking_pdf(who: ApiUser, session: DB, query: ExportQuery) -> Response:
    return register_export(session, who, "tracking", "pdf", query)


@router.get("/{document_id}", response_model=IncomingArrivalOut,
            summary="An incoming document with its statuses and files")
def show(document_id: Id, who: ApiUser, session: DB) -> IncomingArrivalOut:
    document = service.get(session, who, document_id)
    shown = view.of(session, document)  # the document's page shows the same, and offers the same actions
    out = IncomingOut.full(shown).model_copy(
        update={"handling": HandlingOut.of(handling_view.of(session, who, document, shown))})
    return IncomingArrivalOut.of_incoming(out, document)


@router.post("/{document_id}/accept", response_model=IncomingArrivalOut, responses=DUPLICATE_RESPONSE,
             summary="Accept an arrived electronic document (clerks): numbered, sender told 03. Refused (409) "
                     "while its signatures fail unless override_reason is given, and while it looks like a "
                     "registered document unless allow_duplicate; the body is optional")
def accept(document_id: Id, who: ApiUser, session: DB, runtime: Runtime,
           body: Annotated[AcceptRequest | None, Body()] = None):
    body = body or AcceptRequest()
    try:
        document = service.accept(session, runtime, who, document_id, override_reason=body.override_reason,
                                  allow_duplicate=body.allow_duplicate)
    except service.ProbableDuplicate as warning:
        return duplicate_warning(session, warning)
    return IncomingArrivalOut.of_incoming(document_out(session, document), document)


@router.post("/{document_id}/refuse", response_model=IncomingOut,
             summary="Return an arrived electronic document to its sender with a reason (clerks): 02")
def refuse(document_id: Id, body: RefuseRequest, who: ApiUser, session: DB) -> IncomingOut:
    return document_out(session, service.refuse(session, who, document_id, body.reason))


def document_out(session, document) -> IncomingOut:
    """The document with its statuses, files and everything its handling produced so far."""
    return IncomingOut.full(view.of(session, document))


@router.post("/{document_id}/reassign", response_model=IncomingOut,
             summary="Re-assign the handling (leaders; the head of the handling unit inside the unit), "
                     "with a reason kept in the history; grants the re-assignment request it answers")
def reassign(document_id: Id, body: ReassignRequest, who: ApiUser, session: DB, runtime: Runtime) -> IncomingOut:
    document = handling.reassign(session, runtime, who, document_id, lead_user_id=body.lead_user_id,
                                 lead_unit_id=body.lead_unit_id, reason=body.reason, request_id=body.request_id,
                                 deadline=body.deadline)
    return document_out(session, document)


@router.post("/{document_id}/extend", response_model=IncomingOut,
             summary="Extend the handling deadline (leaders): the overdue timer moves too")
def extend(document_id: Id, body: ExtendRequest, who: ApiUser, session: DB, runtime: Runtime) -> IncomingOut:
    document = handling.extend_deadline(session, runtime, who, document_id, deadline=body.deadline, reason=body.reason)
    return document_out(session, document)


@router.get("/{document_id}/files/{attachment_id}", summary="Download an attached file",
            response_class=Response, responses={200: {"content": {"application/octet-stream": {}}}})
def download(request: Request, document_id: Id, attachment_id: Id, who: ApiUser, session: DB) -> Response:
    return incoming_file(session, get_system(request).files, who, document_id, attachment_id)


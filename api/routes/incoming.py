from __future__ import annotations

import json
from datetime import date
from typing import Annotated

from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response

from documents.errors import InvalidData, NotFound
from documents.files.service import read_attachment
from documents.incoming import exports, handling, queries, service, view
from engine import clock

from ..deps import DB, ApiUser, Runtime, get_system
from ..schemas import ERRORS, ExtendRequest, IncomingList, IncomingOut, ReassignRequest, RefuseRequest

router = APIRouter(prefix="/api/incoming", tags=["incoming documents"], responses=ERRORS)
MAX_FILES = 20


@router.post("", response_model=IncomingOut, status_code=201,
             summary="Register an incoming document (clerks): metadata as JSON, files attached")
def register(request: Request, who: ApiUser, session: DB,
             metadata: Annotated[str, Form(description="JSON object of the incoming_document form")],
             channel: Annotated[str, Form(pattern="^(paper|manual)$")] = "manual",
             files: Annotated[list[UploadFile], File()] = ()) -> IncomingOut:
    # A plain `def`: pyHanko runs its own event loop, so signing must stay off the server's loop.
    try:
        fields = json.loads(metadata)
    except json.JSONDecodeError as exc:
        raise InvalidData(f"metadata is not valid JSON: {exc.msg}") from None
    if not isinstance(fields, dict):
        raise InvalidData("metadata must be a JSON object")
    if len(files) > MAX_FILES:
        raise InvalidData(f"at most {MAX_FILES} files per document")
    system = get_system(request)
    limit = service.MAX_ATTACHMENT_BYTES
    uploads = [service.Upload(f.filename or "", f.file.read(limit + 1)) for f in files]
    result = service.register(session, system.runtime, system.files, system.keystore, who, fields, uploads, channel)
    return IncomingOut.of(result.document, service.statuses(session, result.document), result.attachments,
                          result.duplicates)


@router.get("", response_model=IncomingList, summary="Search the incoming register (accent-insensitive)")
def search(who: ApiUser, session: DB,
           q: Annotated[str | None, Query(max_length=200, description="words of subject, number, issuer…")] = None,
           received_from: date | None = None, received_to: date | None = None,
           issuer: Annotated[str | None, Query(max_length=255)] = None,
           doc_type: Annotated[str | None, Query(max_length=100)] = None,
           urgency: Annotated[str | None, Query(pattern="^(normal|urgent|very_urgent|flash)$")] = None,
           status: Annotated[str | None, Query(pattern="^0[1-6]$")] = None,
           overdue: bool = False, limit: Annotated[int, Query(ge=1, le=500)] = 50,
           offset: Annotated[int, Query(ge=0)] = 0) -> IncomingList:
    filters = queries.Filters(received_from=received_from, received_to=received_to, issuer=issuer,
                              doc_type=doc_type, urgency=urgency, status=status, overdue=overdue, text=q,
                              limit=limit, offset=offset)
    today = clock.now().astimezone(queries.VN_TZ).date()
    total, rows = queries.search(session, who, filters, today)
    return IncomingList(total=total, items=[IncomingOut.of(d) for d in rows])


# The register exports come before "/{document_id}": routes are matched in declaration order.
def export_query(received_from: date | None = None, received_to: date | None = None,
                 year: Annotated[int | None, Query(ge=exports.FIRST_YEAR, le=exports.LAST_YEAR,
                                                   description="instead of a date range")] = None,
                 include_refused: Annotated[bool, Query(description="add refused documents (no number)")] = False,
                 ) -> tuple[exports.Period, bool]:
    today = clock.now().astimezone(queries.VN_TZ).date()
    return exports.Period.of(received_from, received_to, year, today), include_refused


ExportQuery = Annotated[tuple[exports.Period, bool], Depends(export_query)]


def _export_route(kind: str, file_format: str, summary: str):
    media_type = exports.WRITERS[file_format].media_type
    return router.get(f"/export/{kind}.{file_format}", summary=summary, response_class=Response,
                      responses={200: {"content": {media_type: {}}}})


def _export(session, who, kind: str, file_format: str, query: tuple[exports.Period, bool]) -> Response:
    period, include_refused = query
    exported = exports.export(session, who, kind, file_format, period, include_refused)
    return Response(exported.data, media_type=exported.media_type,
                    headers={"Content-Disposition": _attachment_disposition(exported.file_name),
                             "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


@_export_route("register", "xlsx", "The incoming register (NĐ 30 Phụ lục IV) of a year or date range, as XLSX")
def export_register_xlsx(who: ApiUser, session: DB, query: ExportQuery) -> Response:
    return _export(session, who, "register", "xlsx", query)


@_export_route("register", "pdf", "The incoming register (NĐ 30 Phụ lục IV) of a year or date range, as PDF")
def export_register_pdf(who: ApiUser, session: DB, query: ExportQuery) -> Response:
    return _export(session, who, "register", "pdf", query)


@_export_route("tracking", "xlsx", "The handling-tracking register of incoming documents, as XLSX")
def export_tracking_xlsx(who: ApiUser, session: DB, query: ExportQuery) -> Response:
    return _export(session, who, "tracking", "xlsx", query)


@_export_route("tracking", "pdf", "The handling-tracking register of incoming documents, as PDF")
def export_tracking_pdf(who: ApiUser, session: DB, query: ExportQuery) -> Response:
    return _export(session, who, "tracking", "pdf", query)


@router.get("/{document_id}", response_model=IncomingOut, summary="An incoming document with its statuses and files")
def show(document_id: int, who: ApiUser, session: DB) -> IncomingOut:
    return document_out(session, service.get(session, who, document_id))


@router.post("/{document_id}/accept", response_model=IncomingOut,
             summary="Accept an arrived electronic document (clerks): numbered, sender told 03")
def accept(document_id: int, who: ApiUser, session: DB, runtime: Runtime) -> IncomingOut:
    return document_out(session, service.accept(session, runtime, who, document_id))


@router.post("/{document_id}/refuse", response_model=IncomingOut,
             summary="Return an arrived electronic document to its sender with a reason (clerks): 02")
def refuse(document_id: int, body: RefuseRequest, who: ApiUser, session: DB) -> IncomingOut:
    return document_out(session, service.refuse(session, who, document_id, body.reason))


def document_out(session, document) -> IncomingOut:
    """The document with its statuses, files and everything its handling produced so far."""
    return IncomingOut.full(view.of(session, document))


@router.post("/{document_id}/reassign", response_model=IncomingOut,
             summary="Re-assign the handling (leaders; the head of the handling unit inside the unit), "
                     "with a reason kept in the history; grants the re-assignment request it answers")
def reassign(document_id: int, body: ReassignRequest, who: ApiUser, session: DB, runtime: Runtime) -> IncomingOut:
    document = handling.reassign(session, runtime, who, document_id, lead_user_id=body.lead_user_id,
                                 lead_unit_id=body.lead_unit_id, reason=body.reason, request_id=body.request_id)
    return document_out(session, document)


@router.post("/{document_id}/extend", response_model=IncomingOut,
             summary="Extend the handling deadline (leaders): the overdue timer moves too")
def extend(document_id: int, body: ExtendRequest, who: ApiUser, session: DB, runtime: Runtime) -> IncomingOut:
    document = handling.extend_deadline(session, runtime, who, document_id, deadline=body.deadline, reason=body.reason)
    return document_out(session, document)


@router.get("/{document_id}/files/{attachment_id}", summary="Download an attached file",
            response_class=Response, responses={200: {"content": {"application/octet-stream": {}}}})
def download(request: Request, document_id: int, attachment_id: int, who: ApiUser, session: DB) -> Response:
    document = service.get(session, who, document_id)
    if attachment_id not in {a.id for a in service.attachments(session, document)}:
        raise NotFound(f"file {attachment_id} not found")
    attachment, data = read_attachment(session, get_system(request).files, attachment_id)
    return Response(data, media_type=attachment.media_type,
                    headers={"Content-Disposition": _attachment_disposition(attachment.file_name),
                             "X-Content-Type-Options": "nosniff"})


def _attachment_disposition(name: str) -> str:
    """RFC 6266: an ASCII fallback and the exact UTF-8 name."""
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"

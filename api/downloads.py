"""Files sent to the browser, the same for the JSON API and the pages: an incoming document's
attachment and the register exports, as attachments (RFC 6266 name, nosniff)."""
from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from documents.accounts import Identity
from documents.errors import NotFound
from documents.files.names import display_name
from documents.files.service import read_attachment
from documents.files.store import FileStore
from documents.incoming import exports, service
from documents.vntime import today


def export_query(received_from: date | None = None, received_to: date | None = None,
                 year: Annotated[int | None, Query(ge=exports.FIRST_YEAR, le=exports.LAST_YEAR,
                                                   description="instead of a date range")] = None,
                 include_refused: Annotated[bool, Query(description="add refused documents (no number)")] = False,
                 ) -> tuple[exports.Period, bool]:
    return exports.Period.of(received_from, received_to, year, today()), include_refused


ExportQuery = Annotated[tuple[exports.Period, bool], Depends(export_query)]


def register_export(session: Session, who: Identity, kind: str, file_format: str,
                    query: tuple[exports.Period, bool]) -> Response:
    period, include_refused = query
    exported = exports.export(session, who, kind, file_format, period, include_refused)
    return attachment(exported.data, exported.media_type, exported.file_name)


def incoming_file(session: Session, files: FileStore, who: Identity, document_id: int, attachment_id: int) -> Response:
    """A file of an incoming document the caller may read (service.get decides who may)."""
    document = service.get(session, who, document_id)
    if attachment_id not in {a.id for a in service.attachments(session, document)}:
        raise NotFound(f"file {attachment_id} not found")
    found, data = read_attachment(session, files, attachment_id)
    return attachment(data, found.media_type, found.file_name)


def attachment(data: bytes, media_type: str, name: str) -> Response:
    """A file to download. Every one is an agency's private document or a snapshot of its
    registers: no browser or proxy keeps a copy."""
    headers = {"Content-Disposition": _disposition(name), "X-Content-Type-Options": "nosniff",
               "Cache-Control": "no-store"}
    return Response(data, media_type=media_type, headers=headers)


def _disposition(name: str) -> str:
    """RFC 6266: an ASCII fallback and the exact UTF-8 name, sanitised like every shown name
    (rows written before names were sanitised as they are now included)."""
    name = display_name(name)
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"

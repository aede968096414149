"""Outgoing drafts over JSON: create (the process starts), read, change while drafting (409 on a
stale row_version), versions (multipart upload, list, download), and the agencies a recipient
may be picked from."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response

from documents.outgoing import drafts, paper_rules, recipients, versions

from ..deps import DB, ApiUser, Runtime, get_system
from ..downloads import attachment
from ..outgoing_draft_schemas import AgencyChoice, DraftCreate, DraftUpdate, OutgoingOut, PaperReason, VersionOut
from ..params import Id
from ..schemas import ERRORS, DraftOut

router = APIRouter(prefix="/api/outgoing", tags=["outgoing documents"], responses=ERRORS)


@router.post("", response_model=OutgoingOut, status_code=201,
             summary="Create a draft (its author); its outgoing process starts with the author's drafting")
def create(body: DraftCreate, who: ApiUser, session: DB, runtime: Runtime) -> OutgoingOut:
    fields = body.model_dump(exclude={"recipients"})
    draft = drafts.create(session, runtime, who, recipients=_recipients(body), **fields)
    return OutgoingOut.of(draft, [])


@router.get("/recipients/agencies", response_model=list[AgencyChoice],
            summary="Agencies of the deployment a draft may be sent to, by name or identifier (accents ignored)")
def search_agencies(who: ApiUser, session: DB,
                    q: Annotated[str, Query(max_length=200, description="words of the name or the identifier")] = "",
                    ) -> list[AgencyChoice]:
    return [AgencyChoice.of(a) for a in recipients.search_agencies(session, who, q)]


@router.get("/paper-rules", response_model=list[PaperReason],
            summary="When a paper copy goes with the electronic document (seed 002 Đ6.5, 004 Đ5.4)")
def list_paper_rules(who: ApiUser) -> list[PaperReason]:
    return [PaperReason.of(rule) for rule in paper_rules.rules()]


@router.get("/drafts/{draft_id}", response_model=DraftOut, summary="An outgoing draft (those who take part in it)")
def show_draft(draft_id: Id, who: ApiUser, session: DB) -> DraftOut:
    return DraftOut.of(drafts.get(session, who, draft_id))


@router.get("/{document_id:int}", response_model=OutgoingOut,
            summary="An outgoing document with its recipients and versions (those who take part in it)")
def show(document_id: Id, who: ApiUser, session: DB) -> OutgoingOut:
    document = drafts.get(session, who, document_id)
    return OutgoingOut.of(document, versions.listed(session, document.id))


@router.patch("/{document_id:int}", response_model=OutgoingOut,
              summary="Change a draft's metadata (its author, while drafting); a stale row_version is a 409")
def update(document_id: Id, body: DraftUpdate, who: ApiUser, session: DB) -> OutgoingOut:
    changes = body.model_dump(exclude={"row_version", "recipients"}, exclude_unset=True)
    if body.recipients is not None:
        changes["recipients"] = _recipients(body)
    document = drafts.update(session, who, document_id, changes, body.row_version)
    return OutgoingOut.of(document, versions.listed(session, document.id))


@router.post("/{document_id:int}/versions", response_model=VersionOut, status_code=201,
             summary="Add a version: the PDF, optionally the editable original (doc, docx, odt) and a note")
def upload_version(document_id: Id, request: Request, who: ApiUser, session: DB,
                   pdf: Annotated[UploadFile, File(description="the version as PDF")],
                   source: Annotated[UploadFile | None, File(description="the editable original")] = None,
                   note: Annotated[str | None, Form(max_length=20_000)] = None) -> VersionOut:
    version = versions.upload(session, get_system(request).files, who, document_id, pdf=_read(pdf),
                              source=_read(source) if source is not None and source.filename else None, note=note)
    return VersionOut.of(version)


@router.get("/{document_id:int}/versions", response_model=list[VersionOut], summary="Every version, first to last")
def list_versions(document_id: Id, who: ApiUser, session: DB) -> list[VersionOut]:
    return [VersionOut.of(v) for v in versions.of(session, who, document_id)]


@router.get("/{document_id:int}/versions/{number:int}/{kind}", summary="Download a version's PDF or editable original",
            response_class=Response)
def download(document_id: Id, number: Id, kind: versions.Kind, request: Request, who: ApiUser, session: DB) -> Response:
    found, data = versions.file_of(session, get_system(request).files, who, document_id, number, kind)
    return attachment(data, found.media_type, found.file_name)


def _recipients(body) -> list[dict]:
    return [r.model_dump() for r in body.recipients or []]


def _read(upload: UploadFile) -> versions.Upload:
    return versions.Upload(upload.filename or "", upload.file.read(versions.MAX_BYTES + 1))

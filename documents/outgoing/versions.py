"""The versions of an outgoing draft: each a PDF (what is read, commented and signed) and,
optionally, the editable original it was made from (doc, docx, odt); numbered 1, 2, 3… and all
kept. Who may add one: the author while drafting; the unit head or the leader during their own
review or approval step (a corrected version, so that a small fix needs no return). Files are
checked by content before anything is stored: a refused upload leaves nothing behind."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine import clock
from engine.runtime import WorkflowRuntime

from .. import audit
from ..accounts import Identity
from ..errors import Conflict, InvalidData, NotAllowed, NotFound
from ..files import service as files
from ..files.models import Attachment
from ..files.store import FileStore
from ..incoming import texts
from ..signing.pdfinput import open_pdf
from . import drafts
from .contract import APPROVE, REVIEW
from .models import OutgoingDocument, OutgoingVersion, State

OWNER_TYPE = "outgoing_version"
MAX_BYTES = files.DEFAULT_MAX_BYTES
SOURCE_KINDS = frozenset({"doc", "docx", "odt"})
# The steps whose actor may put a corrected version in place of returning the draft.
CORRECTING_ROLES = {State.REVIEWING: REVIEW, State.APPROVING: APPROVE}
Kind = Literal["pdf", "source"]
KINDS = get_args(Kind)


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes


def upload(session: Session, store: FileStore, who: Identity, draft_id: int, *, pdf: Upload | None,
           source: Upload | None = None, note: str | None = None) -> OutgoingVersion:
    """The draft's next version, from ``who`` (see the module's rule on who may)."""
    drafts.get(session, who, draft_id, audited=False)  # 404 / 403 before anything else
    document = _locked(session, draft_id)
    _require_may_upload(session, who, document)
    checked_pdf = _pdf(pdf)
    checked_source = _source(source) if source is not None else None
    note = texts.text(note, field="note", label="Ghi chú", max_length=texts.NOTE_LENGTH, required=False)
    number = (session.scalar(sa.select(sa.func.max(OutgoingVersion.number))
                             .where(OutgoingVersion.document_id == document.id)) or 0) + 1
    stored_pdf = files.store_checked(session, store, checked_pdf, uploaded_by=who.user_id, owner_type=OWNER_TYPE,
                                     owner_id=None)
    stored_source = (files.store_checked(session, store, checked_source, uploaded_by=who.user_id,
                                         owner_type=OWNER_TYPE, owner_id=None) if checked_source else None)
    version = OutgoingVersion(document_id=document.id, number=number, pdf_file_id=stored_pdf.id,
                              source_file_id=stored_source.id if stored_source else None, note=note,
                              uploaded_by=who.user_id, uploaded_at=clock.now())
    session.add(version)
    session.flush()
    for stored in filter(None, (stored_pdf, stored_source)):
        stored.owner_id = version.id
    document.updated_at = clock.now()
    session.flush()
    audit.record(session, "outgoing.version_uploaded", actor_id=who.user_id, agency_code=who.agency_code,
                 object_type=drafts.OBJECT_TYPE, object_id=document.id,
                 after={"version": number, "pdf": stored_pdf.file_name,
                        "source": stored_source.file_name if stored_source else None, "state": document.state})
    return version


def may_upload(session: Session, who: Identity, document: OutgoingDocument) -> bool:
    try:
        _require_may_upload(session, who, document)
    except (NotAllowed, Conflict):
        return False
    return True


def of(session: Session, who: Identity, draft_id: int) -> list[OutgoingVersion]:
    """Every version of a draft ``who`` may read, first to last."""
    drafts.get(session, who, draft_id, audited=False)
    return listed(session, draft_id)


def listed(session: Session, draft_id: int) -> list[OutgoingVersion]:
    return list(session.scalars(sa.select(OutgoingVersion).where(OutgoingVersion.document_id == draft_id)
                                .order_by(OutgoingVersion.number)))


def file_of(session: Session, store: FileStore, who: Identity, draft_id: int, number: int, kind: str
            ) -> tuple[Attachment, bytes]:
    """The PDF or the editable original of version ``number``, for a reader of the draft."""
    document = drafts.get(session, who, draft_id, audited=False)
    version = session.scalar(sa.select(OutgoingVersion).where(OutgoingVersion.document_id == document.id,
                                                              OutgoingVersion.number == number))
    file_id = None if version is None or kind not in KINDS else (
        version.pdf_file_id if kind == "pdf" else version.source_file_id)
    if file_id is None:
        raise NotFound(f"version {number} of outgoing document {draft_id} has no {kind} file")
    found = files.read_attachment(session, store, file_id)
    audit.record(session, "outgoing.version_downloaded", actor_id=who.user_id, agency_code=who.agency_code,
                 object_type=drafts.OBJECT_TYPE, object_id=document.id, after={"version": number, "file": kind})
    return found


def _require_may_upload(session: Session, who: Identity, document: OutgoingDocument) -> None:
    if document.frozen_at is None and document.state == State.DRAFTING and document.author_id == who.user_id:
        return
    role = CORRECTING_ROLES.get(document.state)
    if role and document.frozen_at is None and document.process_instance_id is not None:
        principal = who.principal
        if any(WorkflowRuntime.may_act(t, principal)
               for t in WorkflowRuntime.open_tasks(session, document.process_instance_id, role)):
            return
    if document.author_id == who.user_id:
        raise Conflict("Dự thảo không còn ở bước soạn thảo: không thêm phiên bản được.")
    raise NotAllowed(f"only the author while drafting, or the reviewer or approver at their step, adds a version "
                     f"of outgoing document {document.id}")


def _pdf(given: Upload | None) -> files.Checked:
    if given is None or not given.data:
        raise InvalidData("Cần tệp PDF của dự thảo.", errors={"pdf": "Chọn tệp PDF của phiên bản."})
    checked = _checked(given, "pdf")
    if checked.format.kind != "pdf":
        raise InvalidData(f"Tệp «{checked.name}» không phải là tệp PDF.",
                          errors={"pdf": f"Tệp «{checked.name}» không phải là tệp PDF."})
    try:
        open_pdf(checked.data, checked.name, max_bytes=MAX_BYTES)
    except InvalidData as exc:
        raise InvalidData(f"Tệp «{checked.name}» không mở được như một tệp PDF.",
                          errors={"pdf": f"Tệp «{checked.name}» không mở được như một tệp PDF ({exc.message})."}) from None
    return checked


def _source(given: Upload) -> files.Checked:
    checked = _checked(given, "source")
    if checked.format.kind not in SOURCE_KINDS:
        message = f"Tệp «{checked.name}» không phải là tài liệu soạn thảo (DOC, DOCX hoặc ODT)."
        raise InvalidData(message, errors={"source": message})
    return checked


def _checked(given: Upload, field: str) -> files.Checked:
    try:
        return files.check_upload(given.name, given.data, max_bytes=MAX_BYTES)
    except InvalidData as exc:
        raise InvalidData(exc.message, errors={field: exc.message}) from None


def _locked(session: Session, draft_id: int) -> OutgoingDocument:
    # Two uploads at once wait for each other here, so each takes its own number.
    # populate_existing: the row as the lock found it, not the copy read before it (state, row_version).
    return session.scalar(sa.select(OutgoingDocument).where(OutgoingDocument.id == draft_id).with_for_update()
                          .execution_options(populate_existing=True))

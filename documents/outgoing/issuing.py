"""The issue (ban hành) of an outgoing document by its agency's clerk: the number from the
agency's outgoing register, the notation and the QĐ 28/2018 identifier, the number and date
stamped into the person-signed PDF, the agency's seal signature (and the urgency stamp), the
separate attachment files signed by the agency, then delivery, replies and recalls told.

From the number to the agency's signature is one transaction: the number is taken under the
register's row lock (documents/registers/service.py) and given back by a rollback, the files are
written after every row (documents/outgoing/issue_files.py), so a failure anywhere leaves no
number consumed, no register entry, no attachment, no outbox row and no file. Everything that
can be refused without the number (rights, signature, abbreviations, keys) is checked first, so
the register's lock is held only while signing."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine import clock
from engine.runtime import HumanTask, WorkflowRuntime

from .. import audit, processes
from ..accounts import Identity
from ..errors import Conflict, InvalidData, NotAllowed, NotFound
from ..files.models import Attachment
from ..files.service import attachments_of, read_attachment
from ..files.store import FileStore
from ..models import Agency, OrgUnit, Role, User
from ..registers import service as registers
from ..registers.models import Register
from ..signing import issue_stamp, textfind
from ..signing.keystore import Keystore
from ..vntime import iso
from . import delivery, issue_files, notation, recalls, replies, search
from .contract import DECISION, ISSUE, ISSUED
from .models import FROZEN, OutgoingDocument, State
from .issue_files import ISSUED_ANNEX, ISSUED_FILE, issued_files
from .step_action import NOT_FOUND, open_task, own_document, task_of

REGISTER_KIND = "outgoing"
ANNEX = "outgoing_annex"                  # attachments in files of their own, as drafted
PLACE_MAX = 60
NOT_AT_ISSUE = "Văn bản không ở bước cấp số và phát hành (đã phát hành, bị trả lại hoặc chưa được ký)."
NOT_YOURS = "Bước cấp số và phát hành của văn bản này không giao cho bạn."
NOT_CLERK = "Chỉ văn thư của cơ quan mới được cấp số và phát hành văn bản đi."


@dataclass(frozen=True)
class Preview:
    """What the issue would give now, shown to the clerk before issuing: not a reservation."""

    notation: str | None
    next_number: int
    problem: str | None          # what must be set first (an abbreviation), when something is missing


def issue(session: Session, runtime: WorkflowRuntime, store: FileStore, keystore: Keystore, who: Identity,
          document_id: int) -> OutgoingDocument:
    """The clerk's action on the open issue step: issue the document, then complete the step
    with the decision "issue" (the workflow's listener moves the document to ISSUED)."""
    document = own_document(session, who, document_id)
    _require_clerk(who)
    task = task_of(session, runtime, who, document, ISSUE, not_open=NOT_AT_ISSUE, not_yours=NOT_YOURS)
    issue_document(session, store, keystore, who, document)
    processes.complete(session, runtime, who, task.id, {DECISION: ISSUED})
    return document


def open_issue_task(session: Session, runtime: WorkflowRuntime, document: OutgoingDocument) -> HumanTask | None:
    return open_task(session, runtime, document, ISSUE)


def issue_document(session: Session, store: FileStore, keystore: Keystore, who: Identity,
                   document: OutgoingDocument) -> OutgoingDocument:
    """Number, stamp, sign for the agency and record the issue of a person-signed document
    (flushed; the caller commits). Refusals: another agency's document 404, not a clerk 403,
    already issued or frozen 409, not signed or an abbreviation missing 422."""
    document = _locked(session, who, document)
    agency = session.get(Agency, document.agency_id)
    unit = session.get(OrgUnit, document.unit_id) if document.unit_id else None
    suffix = notation.suffix(document.doc_type, agency, unit)
    _, person_signed = read_attachment(session, store, document.signed_file_id)
    annexes = [(row, read_attachment(session, store, row.id)[1]) for row in attachments_of(session, ANNEX, document.id)
               if row.media_type == issue_files.PDF]
    signer, seal = keystore.signer(agency.code), keystore.seal(agency.code)
    place = printed_place(person_signed)

    at = clock.now()
    _, entry = registers.claim_number(session, agency.id, REGISTER_KIND, at)
    number_text = notation.notation(entry.number, suffix)
    issued_pdf = issue_stamp.issue_pdf(person_signed, signer, seal, agency_name=agency.name,
                                       number_text=f"Số: {number_text}", at=at, urgency=document.urgency,
                                       date_text=notation.date_line(at, place))
    files = [(issue_files.pending(owner_type=ISSUED_FILE, owner_id=document.id, at=at, uploaded_by=who.user_id,
                                  file_name=f"{entry.number}-{suffix}.pdf", data=issued_pdf), issued_pdf)]
    for row, data in annexes:
        signed = issue_stamp.sign_attachment(data, signer, text=_annex_text(number_text, at), at=at)
        files.append((issue_files.pending(owner_type=ISSUED_ANNEX, owner_id=document.id, at=at,
                                          uploaded_by=who.user_id, file_name=row.file_name, data=signed), signed))
    session.add_all(row for row, _ in files)
    session.flush()

    document.number, document.notation = entry.number, number_text
    document.identifier = notation.identifier(agency.code, at, number_text)
    document.register_entry_id, document.issued_at, document.issued_by = entry.id, at, who.user_id
    document.issued_file_id, document.state, document.updated_at = files[0][0].id, State.ISSUED, at
    document.search_text = search.searchable(document)  # the notation is searchable from now on
    session.flush()
    audit.record(session, "outgoing.issued", actor_id=who.user_id, agency_code=agency.code,
                 object_type="outgoing_document", object_id=document.id,
                 after={"number": entry.number, "notation": number_text, "identifier": document.identifier,
                        "register_entry_id": entry.id, "issued_file_id": document.issued_file_id,
                        "signed_annexes": len(files) - 1})
    delivery.enqueue(session, document)
    replies.on_issued(session, document)
    recalls.on_issued(session, document)
    issue_files.write(session, store, files)
    return document


def preview(session: Session, who: Identity, document: OutgoingDocument) -> Preview:
    """The notation the document would get if issued now, and the register's next number."""
    _require_clerk(who)
    agency = session.get(Agency, document.agency_id)
    unit = session.get(OrgUnit, document.unit_id) if document.unit_id else None
    year = registers.vietnam_year(clock.now())
    last = session.scalar(sa.select(Register.last_number).where(
        Register.agency_id == agency.id, Register.kind == REGISTER_KIND, Register.year == year)) or 0
    try:
        text = notation.notation(last + 1, notation.suffix(document.doc_type, agency, unit))
    except InvalidData as refused:
        return Preview(None, last + 1, str(refused))
    return Preview(text, last + 1, None)


def file_of(session: Session, store: FileStore, document: OutgoingDocument, attachment_id: int) -> tuple[Attachment, bytes]:
    """One of the document's signing files: the person-signed PDF, the issued PDF or a signed
    attachment (the reader's right to the document is checked by the caller)."""
    ids = {document.signed_file_id, *(row.id for row in issued_files(session, document))}
    if attachment_id not in ids - {None}:
        raise NotFound(f"Không tìm thấy tệp số {attachment_id} của văn bản.")
    return read_attachment(session, store, attachment_id)


def signer_name(session: Session, document: OutgoingDocument) -> str | None:
    return person_name(session, document.signer_id)


def person_name(session: Session, user_id: int | None) -> str | None:
    person = session.get(User, user_id) if user_id else None
    return person.full_name if person else None


def is_clerk(who: Identity) -> bool:
    return who.has_any(Role.CLERK)


def _locked(session: Session, who: Identity, document: OutgoingDocument) -> OutgoingDocument:
    """The document re-read under its row lock: of two clerks issuing it at once, the second
    waits, then finds it issued (409) instead of numbering it twice."""
    if document.agency_id != who.agency_id:
        raise NotFound(NOT_FOUND)
    _require_clerk(who)
    document = session.scalars(sa.select(OutgoingDocument).where(OutgoingDocument.id == document.id)
                               .with_for_update().execution_options(populate_existing=True)).one()
    if document.number is not None or document.issued_at is not None:
        raise Conflict(f"Văn bản đã được phát hành với số {document.notation}.")
    if document.state in FROZEN or document.state == State.REJECTED:
        raise Conflict("Văn bản đã bị từ chối, thu hồi hoặc thay thế: không phát hành được.")
    if document.signed_file_id is None:
        message = "Văn bản chưa được người có thẩm quyền ký số: chưa thể cấp số và phát hành."
        raise InvalidData(message, {"signed_file_id": message})
    recalls.superseded(session, document)  # refused before the number, not after the signing
    return document


def printed_place(pdf: bytes) -> str | None:
    """The place (địa danh) the document prints before its date line, "Hà Nội" in "Hà Nội, ngày
    … tháng … năm …": the issue writes the whole line again with the day, so the place is kept."""
    for shown in textfind.find(pdf, 0, textfind.DATE_LINE.search):
        text = unicodedata.normalize("NFC", shown.text)
        place = text[:text.casefold().find("ngày")].strip(" ,")
        # A sentence of the body that mentions a date is no place name.
        return place if place and len(place) <= PLACE_MAX and not any(c.isdigit() for c in place) else None
    return None


def _require_clerk(who: Identity) -> None:
    if not is_clerk(who):
        raise NotAllowed(NOT_CLERK)


def _annex_text(number_text: str, at: datetime) -> str:
    return f"Kèm theo văn bản số {number_text}, {iso(at)}"

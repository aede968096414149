"""Registering incoming documents: validated metadata (NFC), secret documents refused (and the
sender told), the receipt time by the agency's calendar, a gap-free incoming number, attachments
checked by content, signatures that must be the sender's and valid (or overridden with a reason),
probable duplicates confirmed before the number is taken, late entries after an outage, statuses
kept for the sender, and an audit event per action."""
from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine import clock
from engine.runtime import Thrower, WorkflowRuntime
from forms import FormInvalid, default_registry

from .. import audit
from ..accounts import Identity
from ..calendar.service import calendar_for
from ..errors import Conflict, InvalidData, NotAllowed, NotFound
from ..exchange import statuses as statuses_to_sender
from ..files.models import Attachment
from ..files import scan_quality
from ..files.service import Checked, attachments_of, check_upload, store_checked
from ..files.store import FileStore
from ..models import Agency, Role
from ..signing import validate_pdf, verdict
from ..signing.keystore import Keystore
from ..registers.service import claim_number
from . import participants, reassignment, signature_binding, texts
from .models import STATUSES, IncomingDocument, IncomingStatus, Status
from .search import searchable

METADATA_FORM = "incoming_document"
WORKFLOW = "incoming"
CLERKS = (Role.CLERK,)
READERS = (Role.CLERK, Role.LEADER, Role.UNIT_HEAD)
OWNER_TYPE = "incoming_document"
MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024
MAX_FILES = 20  # per document
SECRET = frozenset({"confidential", "secret", "top_secret"})
SECRET_REFUSAL = "Văn bản mật không được gửi, nhận qua Hệ thống quản lý văn bản và điều hành; đề nghị gửi bản giấy."
CLOSURE_REFUSAL = "Văn bản không thuộc thẩm quyền giải quyết của cơ quan nhận."
# A late entry (seed 000 Đ4.2) is made within this many days of the paper receipt it records.
LATE_ENTRY_DAYS = 30


class ProbableDuplicate(Conflict):
    """The document looks like one already in the register: the clerk confirms before it is numbered."""

    def __init__(self, duplicates: list[IncomingDocument]) -> None:
        numbers = ", ".join(str(d.incoming_number or "?") for d in duplicates)
        super().__init__(f"Có thể trùng văn bản đến đã vào sổ (số đến {numbers}): cùng số, ký hiệu và cơ quan "
                         "ban hành. Kiểm tra lại, hoặc xác nhận vẫn đăng ký.")
        self.duplicates = duplicates


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


@dataclass(frozen=True)
class Registered:
    document: IncomingDocument
    attachments: list[Attachment]
    duplicates: list[IncomingDocument]  # same number/notation and issuer: a warning, not a refusal
    warnings: list[str] = field(default_factory=list)  # e.g. a scan below the quality standard


def register(session: Session, runtime: WorkflowRuntime, store: FileStore, keystore: Keystore, who: Identity,
             metadata: dict[str, Any], uploads: Sequence[Upload] = (), channel: str = "manual", *,
             allow_duplicate: bool = False, override_reason: str | None = None,
             arrived_at: datetime | None = None) -> Registered:
    """Register a paper or otherwise received document: it is accepted at once (01 then 03).
    A paper document's first file is its scan, which gets the agency's digitisation signature
    (seed 002 Đ9.3); every PDF's signatures are checked against the issuer and the result kept.
    Every file is checked before anything is signed, numbered or stored: a refused file leaves no
    trace. Refused unless confirmed: a probable duplicate (``allow_duplicate``), a signature that
    fails (``override_reason``). ``arrived_at``: a late entry of a paper receipt made during an
    outage, with its real arrival time."""
    if not who.has_any(*CLERKS):
        raise NotAllowed("only a clerk registers incoming documents")
    if channel not in ("paper", "manual"):
        raise InvalidData(f"channel '{channel}' is not registered by hand")
    if channel == "paper" and not uploads:
        raise InvalidData("a paper document is registered with its scan", errors={"file": "Cần tệp bản quét (PDF)."})
    clean = _validated(metadata)
    now = clock.now()
    arrival = _late_arrival(arrived_at, now) if arrived_at is not None else now
    files = _checked(uploads, scan=channel == "paper")
    duplicates = probable_duplicates(session, who.agency_id, clean["number_notation"], clean["issuer_name"],
                                     clean.get("issuer_code"))
    if duplicates and not allow_duplicate:
        raise ProbableDuplicate(duplicates)
    # The agency's policy refuses a poor scan here, before anything is signed or numbered.
    findings = scan_quality.assess(session, who.agency_id, files[0].data, files[0].name) if channel == "paper" else []
    if channel == "paper":
        files = [_digitised(session, keystore, who, files[0], now), *files[1:]]
    agency = session.get(Agency, who.agency_id)
    issuer = signature_binding.Party(clean.get("issuer_code"), clean["issuer_name"])
    own = signature_binding.Party(agency.code, agency.name) if channel == "paper" else None
    check = [signature_binding.bind(c, issuer, own) for c in _signature_check(keystore, files, now)]
    reason = _override(check, channel, override_reason)
    received_at = calendar_for(session, who.agency_id).receipt_time(arrival)
    document = _new_document(clean, agency_id=who.agency_id, channel=channel, arrived_at=arrival,
                             received_at=received_at, created_by=who.user_id, entered_late=arrived_at is not None)
    document.signature_check = check
    document.scan_findings = findings
    session.add(document)
    session.flush()
    _status(session, document, Status.ARRIVED, who.user_id)
    _number(session, document, who.user_id)
    _start_handling(session, runtime, document, who)
    attachments = [store_checked(session, store, file, uploaded_by=who.user_id, owner_type=OWNER_TYPE,
                                 owner_id=document.id) for file in files]
    audit.record(session, "incoming.registered", actor_id=who.user_id, agency_code=who.agency_code,
                 object_type=OWNER_TYPE, object_id=document.id,
                 after={"number": document.incoming_number, "channel": channel,
                        "attachments": [a.sha256 for a in attachments],
                        **({"allow_duplicate": True, "duplicates": [d.id for d in duplicates]} if duplicates else {})})
    if reason:
        _overridden(session, who, document, reason, now)
    if document.entered_late:
        audit.record(session, "incoming.entered_late", actor_id=who.user_id, agency_code=who.agency_code,
                     object_type=OWNER_TYPE, object_id=document.id,
                     after={"arrived_at": arrival.isoformat(), "entered_at": now.isoformat(),
                            "number": document.incoming_number})
    return Registered(document, attachments, duplicates, findings)


def receive_electronic(session: Session, store: FileStore, keystore: Keystore, *, sender: Agency,
                       recipient: Agency, sender_reference: str, metadata: dict[str, Any],
                       uploads: Sequence[Upload]) -> IncomingDocument:
    """A document sent by another agency of this deployment arrives (01): the sender is told at
    once, and the recipient's clerk checks its signatures, then accepts or refuses it."""
    if sender.id == recipient.id:
        raise InvalidData("an agency does not send documents to itself")
    clean = _form(metadata)
    now = clock.now()
    if clean.get("secrecy", "none") in SECRET:
        return _refused_secret(session, clean, sender, recipient, sender_reference, now)
    if not uploads:
        raise InvalidData("an electronic document arrives with its files")
    files = _checked(uploads)
    document = _new_document(clean, agency_id=recipient.id, channel="electronic", arrived_at=now,
                             received_at=calendar_for(session, recipient.id).receipt_time(now), created_by=None,
                             sender_agency_id=sender.id, sender_reference=sender_reference[:200])
    expected = signature_binding.Party(sender.code, sender.name)
    document.signature_check = [signature_binding.bind(c, expected) for c in _signature_check(keystore, files, now)]
    session.add(document)
    session.flush()
    for file in files:
        store_checked(session, store, file, uploaded_by=None, owner_type=OWNER_TYPE, owner_id=document.id)
    _status(session, document, Status.ARRIVED, None)
    audit.record(session, "incoming.arrived", actor_id=None, agency_code=recipient.code, object_type=OWNER_TYPE,
                 object_id=document.id, after={"from": sender.code, "reference": document.sender_reference})
    return document


def accept(session: Session, runtime: WorkflowRuntime, who: Identity, document_id: int, *,
           override_reason: str | None = None, allow_duplicate: bool = False) -> IncomingDocument:
    """The clerk accepts an arrived electronic document: it is numbered (03) and its handling
    starts. Refused while its signatures are not the sender's valid ones, unless the clerk gives
    a reason (``override_reason``); and while it looks like a document already registered, unless
    confirmed (``allow_duplicate``)."""
    document = _arrived(session, who, document_id)
    reason = _override(document.signature_check or [], document.channel, override_reason)
    duplicates = duplicates_of(session, document)
    if duplicates and not allow_duplicate:
        raise ProbableDuplicate(duplicates)
    _number(session, document, who.user_id)
    _start_handling(session, runtime, document, who)
    audit.record(session, "incoming.accepted", actor_id=who.user_id, agency_code=who.agency_code,
                 object_type=OWNER_TYPE, object_id=document.id,
                 after={"number": document.incoming_number,
                        **({"allow_duplicate": True, "duplicates": [d.id for d in duplicates]} if duplicates else {})})
    if reason:
        _overridden(session, who, document, reason, clock.now())
    return document


def _override(check: list[dict[str, Any]], channel: str, reason: str | None) -> str | None:
    """The clerk's reason for taking in files whose signatures fail; refused without one. None
    when nothing fails (a reason given anyway is not kept: there was nothing to override)."""
    problems = signature_binding.failures(check, channel)
    if not problems:
        return None
    if not (reason or "").strip():
        raise signature_binding.refusal(problems)
    return texts.text(reason, field="override_reason", label="Lý do tiếp nhận dù chữ ký không hợp lệ",
                      max_length=texts.REASON_LENGTH, missing="Cần nêu lý do.")


def _overridden(session: Session, who: Identity, document: IncomingDocument, reason: str, at: datetime) -> None:
    document.signature_override_reason, document.signature_override_by = reason, who.user_id
    document.signature_override_at = at
    audit.record(session, "incoming.signature_overridden", actor_id=who.user_id, agency_code=who.agency_code,
                 object_type=OWNER_TYPE, object_id=document.id,
                 after={"reason": reason, "failures": signature_binding.failures(document.signature_check or [],
                                                                                 document.channel)})


def _refused_secret(session: Session, clean: dict[str, Any], sender: Agency, recipient: Agency,
                    sender_reference: str, now: datetime) -> IncomingDocument:
    """A secret document sent electronically (seeds 000 Đ7, 004 Đ6): its metadata is recorded and
    returned to the sender (01 then 02 with the reason); its files never enter the system."""
    document = _new_document(clean, agency_id=recipient.id, channel="electronic", arrived_at=now,
                             received_at=calendar_for(session, recipient.id).receipt_time(now), created_by=None,
                             sender_agency_id=sender.id, sender_reference=sender_reference[:200])
    document.signature_check, document.refusal_reason = [], SECRET_REFUSAL
    session.add(document)
    session.flush()
    _status(session, document, Status.ARRIVED, None)
    _status(session, document, Status.REFUSED, None, reason=SECRET_REFUSAL)
    audit.record(session, "incoming.refused_secret", actor_id=None, agency_code=recipient.code,
                 object_type=OWNER_TYPE, object_id=document.id,
                 after={"from": sender.code, "reference": document.sender_reference, "secrecy": clean["secrecy"],
                        "reason": SECRET_REFUSAL})
    return document


def _late_arrival(arrived_at: datetime, now: datetime) -> datetime:
    """A late entry's real arrival: not in the future, not older than LATE_ENTRY_DAYS."""
    if arrived_at.tzinfo is None:
        raise InvalidData("the arrival time must be timezone-aware")
    if arrived_at > now:
        raise InvalidData("Thời điểm đến không được ở tương lai.",
                          errors={"arrived_at": "Thời điểm đến không được ở tương lai."})
    if arrived_at < now - timedelta(days=LATE_ENTRY_DAYS):
        message = f"Chỉ nhập bù văn bản đến trong vòng {LATE_ENTRY_DAYS} ngày."
        raise InvalidData(message, errors={"arrived_at": message})
    return arrived_at


def refuse(session: Session, who: Identity, document_id: int, reason: str) -> IncomingDocument:
    """The clerk returns an arrived document to its sender with a reason (02); it gets no number."""
    document = _arrived(session, who, document_id)  # who and what first: a stranger learns nothing
    document.refusal_reason = texts.text(reason, field="reason", label="Lý do trả lại",
                                         max_length=texts.REASON_LENGTH, missing="Cần nêu lý do trả lại.")
    _status(session, document, Status.REFUSED, who.user_id, reason=document.refusal_reason)
    audit.record(session, "incoming.refused", actor_id=who.user_id, agency_code=who.agency_code,
                 object_type=OWNER_TYPE, object_id=document.id, after={"reason": document.refusal_reason})
    return document


def _start_handling(session: Session, runtime: WorkflowRuntime, document: IncomingDocument, who: Identity) -> None:
    """Start the agency's incoming workflow (its own diagram or the default) on an accepted document."""
    # doc_type and received_at: the default deadline (deadlines/policy.handling_due) counts from the
    # receipt by the agency's table for the type and urgency.
    data = {"document_id": document.id, "urgency": document.urgency, "subject": document.subject,
            "incoming_number": document.incoming_number, "doc_type": document.doc_type,
            "received_at": document.received_at.isoformat()}
    instance = runtime.start(session, who.agency_code, WORKFLOW, str(who.user_id), data,
                             business_key=f"incoming:{document.id}")
    document.process_instance_id = instance.id


PROGRESS = (Status.ASSIGNED, Status.IN_PROGRESS, Status.COMPLETED)  # assigned, in progress, completed: reported by the document's workflow
# The clerk closed a document the leader returned (not for this agency): its workflow ends unassigned.
CLOSED = "closed"


def record_progress(session: Session, thrower: Thrower, payload: dict[str, Any]) -> None:
    """The incoming workflow reports progress (a thrown `incoming.status` message): 04–06, or its
    closure before any assignment. The document is the one the throwing instance was started for,
    in the instance's own agency — never one the payload names, which is diagram data another
    agency's diagram could forge. Statuses only move forward and only for accepted documents;
    anything else is ignored, never an error, so an old or foreign message cannot block a step."""
    code = str(payload.get("status") or "")
    if code not in (*PROGRESS, CLOSED):
        return
    # Locked: two workers handling 05 and 06 at once must not let the older status win.
    document = session.scalar(
        sa.select(IncomingDocument)
        .where(IncomingDocument.process_instance_id == thrower.instance_id,
               IncomingDocument.agency_id == sa.select(Agency.id).where(Agency.code == thrower.scope).scalar_subquery())
        .with_for_update().execution_options(populate_existing=True))
    if code == CLOSED:
        _record_closure(session, document, payload.get("reason"))
    elif document is not None and document.status in (Status.ACCEPTED, *PROGRESS) and document.status < code:
        _status(session, document, code, None)
        if code == Status.COMPLETED:
            reassignment.lapse(session, document.id)


def report_started(session: Session, document: IncomingDocument, actor_id: int | None) -> None:
    """The handler started the handling (took it, recorded progress, or completed it): 05, once."""
    if document.closed_at is None and document.status in (Status.ACCEPTED, Status.ASSIGNED):
        _status(session, document, Status.IN_PROGRESS, actor_id)


def _record_closure(session: Session, document: IncomingDocument | None, reason: Any) -> None:
    """The clerk closed the document as not this agency's (NĐ 30 Đ21.2b): it goes back to the
    sender as 02 with the reason (a paper one records 02 locally), keeps its number, and no longer
    counts as overdue. The only way from 03/04 back to 02."""
    if document is None or document.status not in (Status.ACCEPTED, Status.ASSIGNED) or document.closed_at is not None:
        return
    document.closed_at = clock.now()
    # The recheck form already checked the reason; a subscriber never fails the step over it.
    document.closure_reason = unicodedata.normalize("NFC", str(reason or "")).strip()[:texts.REASON_LENGTH] or None
    document.refusal_reason = document.closure_reason or CLOSURE_REFUSAL
    _status(session, document, Status.REFUSED, None, reason=document.refusal_reason)
    audit.record(session, "incoming.closed", actor_id=None, agency_code=session.get(Agency, document.agency_id).code,
                 object_type=OWNER_TYPE, object_id=document.id,
                 after={"reason": document.closure_reason, "status": Status.REFUSED.value})


def _arrived(session: Session, who: Identity, document_id: int) -> IncomingDocument:
    if not who.has_any(*CLERKS):
        raise NotAllowed("only a clerk accepts or refuses incoming documents")
    document = session.scalar(sa.select(IncomingDocument).where(IncomingDocument.id == document_id)
                              .with_for_update())
    if document is None or document.agency_id != who.agency_id:
        raise NotFound(f"incoming document {document_id} not found")
    if document.status != Status.ARRIVED:
        raise Conflict(f"incoming document {document_id} was already {STATUSES[document.status]}")
    if document.withdrawn_at is not None:
        raise Conflict("Văn bản đã bị nơi gửi thu hồi: không tiếp nhận, không trả lại.")
    return document


def _checked(uploads: Sequence[Upload], scan: bool = False) -> list[Checked]:
    """Every file checked before any is used (``scan``: the first is a paper document's scan)."""
    return [check_upload(upload.filename, upload.data, max_bytes=MAX_ATTACHMENT_BYTES, scan=scan and index == 0)
            for index, upload in enumerate(uploads)]


def _digitised(session: Session, keystore: Keystore, who: Identity, scan: Checked, at: datetime) -> Checked:
    agency = session.get(Agency, who.agency_id)
    signed = keystore.signer(agency.code).sign_scan(scan.data, agency.name, at, keystore.seal(agency.code),
                                                    filename=scan.name)
    return replace(scan, data=signed)  # pyHanko's new revision of a checked PDF adds only the signature


def _signature_check(keystore: Keystore, files: Sequence[Checked], at: datetime) -> list[dict[str, Any]]:
    return [_check(keystore, file, at) for file in files if file.format.kind == "pdf"]


def _check(keystore: Keystore, file: Checked, at: datetime) -> dict[str, Any]:
    reports = validate_pdf(file.data, keystore.trust_roots, filename=file.name, moment=at, crls=keystore.crls)
    return {"file": file.name, "verdict": verdict(reports),
            "signatures": [{k: v for k, v in asdict(r).items() if k != "details"} for r in reports]}


def duplicates_of(session: Session, document: IncomingDocument) -> list[IncomingDocument]:
    return probable_duplicates(session, document.agency_id, document.number_notation, document.issuer_name,
                               document.issuer_code, exclude_id=document.id)


def probable_duplicates(session: Session, agency_id: int, number_notation: str, issuer_name: str,
                        issuer_code: str | None = None, exclude_id: int | None = None) -> list[IncomingDocument]:
    """Registered documents (numbered, not returned) with the same number/notation and issuer,
    compared without case or surrounding spaces; the issuer code too when both have one."""
    D = IncomingDocument
    query = (sa.select(D)
             .where(D.agency_id == agency_id, D.incoming_number.is_not(None), D.status != Status.REFUSED,
                    _folded(D.number_notation) == _folded(sa.literal(number_notation)),
                    _folded(D.issuer_name) == _folded(sa.literal(issuer_name)))
             .order_by(D.id))
    if exclude_id is not None:
        query = query.where(D.id != exclude_id)
    if issuer_code:
        query = query.where(sa.or_(D.issuer_code.is_(None), D.issuer_code == issuer_code))
    return list(session.scalars(query))


def _folded(value: Any) -> Any:
    # Both sides through the database's lower(): under a "C" collation it leaves Ỉ as it is, and
    # Python's lower() would not, so two identical texts could compare unequal.
    return sa.func.lower(sa.func.trim(value))


def get(session: Session, who: Identity, document_id: int) -> IncomingDocument:
    """A document for the register's readers, and for whoever works on it now (its handler)."""
    document = session.get(IncomingDocument, document_id)
    if document is None or document.agency_id != who.agency_id:
        raise NotFound(f"incoming document {document_id} not found")
    if not (who.has_any(*READERS) or participants.may_read(session, who, document)):
        raise NotAllowed("your roles may not read the incoming register")
    audit.record(session, "incoming.viewed", actor_id=who.user_id, agency_code=who.agency_code,
                 object_type=OWNER_TYPE, object_id=document_id)
    return document


def statuses(session: Session, document: IncomingDocument) -> list[IncomingStatus]:
    query = sa.select(IncomingStatus).where(IncomingStatus.document_id == document.id).order_by(IncomingStatus.id)
    return list(session.scalars(query))


def attachments(session: Session, document: IncomingDocument) -> list[Attachment]:
    return attachments_of(session, OWNER_TYPE, document.id)


def _form(metadata: dict[str, Any]) -> dict[str, Any]:
    try:
        return default_registry().validate(METADATA_FORM, metadata)
    except FormInvalid as exc:
        raise InvalidData("Thông tin văn bản đến không hợp lệ.", errors=exc.errors) from None


def _validated(metadata: dict[str, Any]) -> dict[str, Any]:
    clean = _form(metadata)
    if clean.get("secrecy", "none") in SECRET:
        # Seeds 000 Đ7, 004 Đ6: documents marked secret never enter the system.
        raise InvalidData("Văn bản mật không được xử lý trên hệ thống.",
                          errors={"secrecy": "Văn bản có độ mật (Mật, Tối mật, Tuyệt mật) bị từ chối."})
    return clean


def _new_document(clean: dict[str, Any], **fields: Any) -> IncomingDocument:
    document = IncomingDocument(
        status=Status.ARRIVED, issuer_code=clean.get("issuer_code"), issuer_name=clean["issuer_name"],
        number_notation=clean["number_notation"], document_date=date.fromisoformat(clean["document_date"]),
        doc_type=clean["doc_type"], subject=clean["subject"], signer_position=clean.get("signer_position"),
        signer_name=clean.get("signer_name"), urgency=clean.get("urgency", "normal"),
        recipients=clean.get("recipients", []),
        due_date=date.fromisoformat(clean["due_date"]) if clean.get("due_date") else None,
        page_count=clean.get("page_count"), description=clean.get("description"), created_at=clock.now(),
        **fields,
    )
    document.search_text = searchable(document)
    return document


def _number(session: Session, document: IncomingDocument, actor_id: int | None) -> None:
    """Accept: the next incoming number of the year of the receipt time (status 03)."""
    _, entry = claim_number(session, document.agency_id, "incoming", document.received_at)
    document.register_entry_id, document.incoming_number = entry.id, entry.number
    _status(session, document, Status.ACCEPTED, actor_id)


def _status(session: Session, document: IncomingDocument, code: str, actor_id: int | None,
            reason: str | None = None) -> None:
    """Record a status; when the sender is an agency of this deployment, it is told too."""
    at = clock.now()
    document.status = code
    document.completed_at = at if code == Status.COMPLETED else None  # the dashboard's on-time figures
    session.add(IncomingStatus(document_id=document.id, code=code, at=at, actor_id=actor_id, reason=reason))
    if document.sender_agency_id is not None:
        statuses_to_sender.send(session, sender_agency_id=document.sender_agency_id,
                                sender_reference=document.sender_reference, recipient_agency_id=document.agency_id,
                                recipient_document_id=document.id, code=code, at=at, reason=reason)

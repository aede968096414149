"""Corrections of a registered document's metadata (NĐ 30 Đ24.3): the clerk corrects what was
entered wrong — issuer, number/notation, dates, type, subject, signer, urgency, recipients, page
count, notes — never the incoming number nor the receipt time, which the register gave. The new
metadata is validated whole with the registration's form; each correction keeps every changed
field's value before and after, who, when and why, and is audited.

Two clerks correcting at once: each sends the version it read (how many corrections there were);
the row is locked, and the second, whose version is then stale, is refused (409) instead of
silently overwriting what the first changed."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine import clock
from forms import FormInvalid, default_registry

from ..accounts import Identity
from ..errors import Conflict, InvalidData, NotAllowed, NotFound
from ..models import User
from . import texts, trail
from .models import IncomingCorrection, IncomingDocument
from .search import searchable
from .service import CLERKS, METADATA_FORM

# The form's fields a correction may change, in the form's order (secrecy is not kept: a secret
# document never enters the system).
FIELDS = ("issuer_code", "issuer_name", "number_notation", "document_date", "doc_type", "subject",
          "signer_position", "signer_name", "urgency", "recipients", "due_date", "page_count", "description")
DATES = ("document_date", "due_date")
ACTION = "incoming.corrected"


def metadata(document: IncomingDocument) -> dict[str, Any]:
    """The document's correctable fields as the form's values (dates ISO 8601), empty ones left out."""
    values = {name: getattr(document, name) for name in FIELDS}
    shown = {name: v.isoformat() if isinstance(v, date) else v for name, v in values.items()}
    return {name: v for name, v in shown.items() if v not in (None, "", [])}


def version(session: Session, document_id: int) -> int:
    """How many times the document was corrected: what a form read, to detect a correction since."""
    return session.scalar(sa.select(sa.func.count()).select_from(IncomingCorrection)
                          .where(IncomingCorrection.document_id == document_id))


@dataclass(frozen=True)
class Entry:
    correction: IncomingCorrection
    by_name: str


def history(session: Session, document_id: int) -> list[Entry]:
    """Every correction of the document, oldest first, with the clerk's name."""
    rows = session.execute(sa.select(IncomingCorrection, User.full_name)
                           .join(User, User.id == IncomingCorrection.corrected_by)
                           .where(IncomingCorrection.document_id == document_id).order_by(IncomingCorrection.id))
    return [Entry(correction, name) for correction, name in rows]


def correct(session: Session, who: Identity, document_id: int, changes: dict[str, Any], reason: str | None,
            expected_version: int) -> IncomingCorrection:
    """Apply ``changes`` (field -> new value; a field left out keeps its value, None or "" empties
    an optional one) to a registered document of the clerk's agency."""
    document = _locked(session, who, document_id)
    if not who.has_any(*CLERKS):
        raise NotAllowed("only a clerk corrects a registration")
    if document.incoming_number is None:
        raise Conflict("Chỉ đính chính văn bản đã vào sổ (đã có số đến).")
    fixed = [name for name in changes if name not in FIELDS]
    if fixed:
        raise InvalidData("Không được đính chính trường này.",
                          errors={name: "Số đến, thời điểm đến và các trường ngoài thông tin văn bản không được "
                                        "đính chính." for name in fixed})
    why = texts.reason(reason)
    if version(session, document.id) != expected_version:
        raise Conflict("Văn bản vừa được người khác đính chính: hãy tải lại trang và đính chính lại.")
    before = metadata(document)
    after = _validated({**before, **changes})
    changed = {name: [before.get(name), after.get(name)] for name in FIELDS if before.get(name) != after.get(name)}
    if not changed:
        raise InvalidData("Không có thông tin nào thay đổi.", errors={"": "Hãy sửa ít nhất một trường."})
    _apply(document, after)
    correction = IncomingCorrection(document_id=document.id, corrected_by=who.user_id, corrected_at=clock.now(),
                                    reason=why, changes=changed)
    session.add(correction)
    session.flush()
    trail.record(session, who, ACTION, document.id,
                 {"correction_id": correction.id, "reason": why, "changes": changed,
                  "incoming_number": document.incoming_number})
    return correction


def _locked(session: Session, who: Identity, document_id: int) -> IncomingDocument:
    """The document, locked until the commit: a concurrent correction waits, then finds its version stale."""
    document = session.scalar(sa.select(IncomingDocument).where(IncomingDocument.id == document_id)
                              .with_for_update().execution_options(populate_existing=True))
    if document is None or document.agency_id != who.agency_id:
        raise NotFound(f"incoming document {document_id} not found")
    return document


def _validated(values: dict[str, Any]) -> dict[str, Any]:
    """The registration's form decides (NFC, lengths, formats); empty values are left out, as a
    form leaves out a field not filled."""
    given = {name: v for name, v in values.items() if v not in (None, "", [])}
    try:
        clean = default_registry().validate(METADATA_FORM, given)
    except FormInvalid as exc:
        raise InvalidData("Thông tin đính chính không hợp lệ.", errors=exc.errors) from None
    return {name: clean[name] for name in FIELDS if clean.get(name) not in (None, "", [])}


def _apply(document: IncomingDocument, values: dict[str, Any]) -> None:
    for name in FIELDS:
        value = values.get(name)
        if name in DATES and value is not None:
            value = date.fromisoformat(value)
        if name == "recipients":
            value = value or []
        if name == "urgency":
            value = value or "normal"
        setattr(document, name, value)
    document.search_text = searchable(document)

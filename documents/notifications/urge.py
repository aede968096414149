"""The leader's đôn đốc (urge) on overdue work: the agency's leaders on any of its documents, a
unit head on the documents their unit leads; only while the work is overdue. It notifies the people
holding the document's open steps (and an incoming document's lead person), and is kept: the Urge
row (shown in the document's history) and an audit record."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine import clock
from engine.runtime import WorkflowRuntime

from .. import audit
from ..accounts import Identity
from ..errors import InvalidData, NotAllowed, NotFound
from ..incoming.deadlines import is_overdue
from ..incoming.models import IncomingDocument
from ..models import Role, User
from ..outgoing.models import OutgoingDocument
from ..vntime import VN_TZ
from . import recipients
from .models import Kind, Urge
from .service import Message, notify

NOTE_MAX = 2000
ONE_DOCUMENT = "Chọn đúng một văn bản để đôn đốc."
NOT_FOUND = "Không tìm thấy văn bản."
NOT_ALLOWED = ("Chỉ lãnh đạo cơ quan, hoặc lãnh đạo đơn vị chủ trì văn bản, mới được đôn đốc.")
NOT_OVERDUE = "Văn bản chưa quá hạn xử lý: chỉ đôn đốc việc đã quá hạn."
NOBODY = "Không có ai đang giữ việc của văn bản này để đôn đốc."
NOTE_TOO_LONG = f"Lời nhắn dài tối đa {NOTE_MAX} ký tự."

Document = IncomingDocument | OutgoingDocument


@dataclass(frozen=True)
class Shown:
    """An urge as a history shows it: who, when, the note, whom it reached (by name)."""

    at: datetime
    by: str
    note: str
    reached: list[str]


def urge(session: Session, who: Identity, *, incoming_document_id: int | None = None,
         outgoing_document_id: int | None = None, note: str = "") -> Urge:
    """Urge the people responsible for an overdue document. Refusals: NotFound (no such document
    in the agency), NotAllowed (not a leader / not the lead unit's head), InvalidData (not
    overdue, nobody to urge, a note too long). Only flushes: the caller commits."""
    if (incoming_document_id is None) == (outgoing_document_id is None):
        raise InvalidData(ONE_DOCUMENT)
    document = _document(session, who, incoming_document_id, outgoing_document_id)
    if not may_urge(who, document):
        raise NotAllowed(NOT_ALLOWED)
    note = unicodedata.normalize("NFC", note or "").strip()
    if len(note) > NOTE_MAX:
        raise InvalidData(NOTE_TOO_LONG, {"note": NOTE_TOO_LONG})
    now = clock.now()
    if not overdue(session, document, now):
        raise InvalidData(NOT_OVERDUE)
    people = responsible(session, document) - {who.user_id}
    if not people:
        raise InvalidData(NOBODY)
    row = Urge(agency_id=who.agency_id, instance_id=document.process_instance_id,
               incoming_document_id=incoming_document_id, outgoing_document_id=outgoing_document_id,
               by_user_id=who.user_id, at=now, note=note, recipients=sorted(people))
    session.add(row)
    session.flush()
    written = notify(session, who.agency_id, people, _message(who, document, note), f"urge:{row.id}",
                     instance_id=document.process_instance_id, at=now)
    row.recipients = sorted(n.user_id for n in written)
    audit.record(session, "document.urged", actor_id=who.user_id, agency_code=who.agency_code,
                 object_type=_kind(document), object_id=document.id, before=None,
                 after={"urge_id": row.id, "note": note, "recipients": row.recipients})
    session.flush()
    return row


def may_urge(who: Identity, document: Document) -> bool:
    """Whether ``who`` may urge on ``document`` (of their agency): a leader always, a unit head
    when their unit leads it (incoming: the lead unit; outgoing: the drafting unit)."""
    if document.agency_id != who.agency_id:
        return False
    if Role.LEADER in who.roles:
        return True
    unit = document.lead_unit_id if isinstance(document, IncomingDocument) else document.unit_id
    return Role.UNIT_HEAD in who.roles and unit is not None and unit == who.unit_id


def overdue(session: Session, document: Document, at: datetime) -> bool:
    """Incoming: past its handling deadline while running; outgoing: an open step past its due time."""
    if isinstance(document, IncomingDocument):
        return is_overdue(document, at)
    if document.process_instance_id is None:
        return False
    return any(task.due_at is not None and task.due_at < at
               for task in WorkflowRuntime.open_tasks(session, document.process_instance_id))


def offered(session: Session, who: Identity, document: Document, at: datetime | None = None) -> bool:
    """Whether a page shows ``who`` the urge button on ``document``."""
    return may_urge(who, document) and overdue(session, document, at or clock.now())


def responsible(session: Session, document: Document) -> set[int]:
    people: set[int] = set()
    if document.process_instance_id is not None:
        people = recipients.of_instance(session, document.agency_id, document.process_instance_id)
    if isinstance(document, IncomingDocument) and document.lead_user_id is not None:
        people |= set(session.scalars(sa.select(User.id).where(
            User.id == document.lead_user_id, User.agency_id == document.agency_id, User.active.is_(True))))
    return people


def history(session: Session, *, incoming_document_id: int | None = None, outgoing_document_id: int | None = None,
            instance_id: int | None = None) -> list[Shown]:
    """A document's urges, oldest first, by any of its keys."""
    conditions = [column == value for column, value in ((Urge.incoming_document_id, incoming_document_id),
                                                        (Urge.outgoing_document_id, outgoing_document_id),
                                                        (Urge.instance_id, instance_id)) if value is not None]
    if not conditions:
        return []
    rows = list(session.scalars(sa.select(Urge).where(sa.or_(*conditions)).order_by(Urge.at, Urge.id)))
    ids = {row.by_user_id for row in rows} | {user for row in rows for user in row.recipients}
    names = dict(session.execute(sa.select(User.id, User.full_name).where(User.id.in_(ids))).all()) if ids else {}
    return [Shown(at=row.at, by=names.get(row.by_user_id, ""), note=row.note,
                  reached=[names[user] for user in row.recipients if user in names]) for row in rows]


def _document(session: Session, who: Identity, incoming_id: int | None, outgoing_id: int | None) -> Document:
    document = (session.get(IncomingDocument, incoming_id) if incoming_id is not None
                else session.get(OutgoingDocument, outgoing_id))
    if document is None or document.agency_id != who.agency_id:
        raise NotFound(NOT_FOUND)
    return document


def _kind(document: Document) -> str:
    return "incoming_document" if isinstance(document, IncomingDocument) else "outgoing_document"


def _message(who: Identity, document: Document, note: str) -> Message:
    if isinstance(document, IncomingDocument):
        what, link = f"văn bản đến số {document.incoming_number or '—'}: {document.subject}", f"/incoming/{document.id}"
        deadline = document.handling_deadline
        late = f" (hạn {deadline.astimezone(VN_TZ):%H:%M %d/%m/%Y})" if deadline else ""
    else:
        what, link, late = f"văn bản đi: {document.subject}", f"/outgoing/{document.id}", ""
    body = f"{who.full_name} đôn đốc xử lý {what}{late}, đã quá hạn."
    return Message(kind=Kind.URGE, title=f"Đôn đốc: {document.subject}",
                   body=f"{body}\n{note}" if note else body, link=link)

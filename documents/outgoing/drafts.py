"""Outgoing drafts: created (for now only as the reply to an incoming document), shown to their
author and the agency's leaders. Drafting, review, approval and signing extend this module."""
from __future__ import annotations

from typing import Any, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine import clock

from .. import audit
from ..accounts import Identity
from ..errors import InvalidData, NotAllowed, NotFound
from ..incoming import texts
from ..models import Role
from ..models import Agency
from .models import OutgoingDocument, OutgoingRecipient, State

READERS = (Role.LEADER,)  # besides the author
MAX_RECIPIENTS = 200
OBJECT_TYPE = "outgoing_draft"


def create(session: Session, who: Identity, *, subject: str | None, doc_type: str | None, summary: str | None,
           recipients: Sequence[dict[str, Any]], in_reply_to: int | None = None) -> OutgoingDocument:
    """A new draft of ``who``'s agency, written by ``who``; every text is cleaned (NFC)."""
    now = clock.now()
    draft = OutgoingDocument(
        agency_id=who.agency_id, author_id=who.user_id,
        subject=texts.text(subject, field="subject", label="Trích yếu", max_length=500),
        doc_type=texts.text(doc_type, field="doc_type", label="Loại văn bản", max_length=100),
        summary=texts.text(summary, field="summary", label="Tóm tắt nội dung", max_length=texts.NOTE_LENGTH,
                           required=False),
        in_reply_to=in_reply_to, state=State.DRAFTING, search_text="", created_at=now, updated_at=now)
    session.add(draft)
    session.flush()
    for position, r in enumerate(_recipients(recipients), 1):
        agency_id = session.scalar(sa.select(Agency.id).where(Agency.code == r["code"])) if r["code"] else None
        draft.recipients.append(OutgoingRecipient(position=position, kind="agency" if agency_id else "external",
                                      agency_id=agency_id, code=r["code"], name=r["name"]))
    session.flush()
    _audit(session, who, "outgoing.draft_created", draft, {"subject": draft.subject, "in_reply_to": in_reply_to})
    return draft


def get(session: Session, who: Identity, draft_id: int) -> OutgoingDocument:
    draft = session.get(OutgoingDocument, draft_id)
    if draft is None or draft.agency_id != who.agency_id:
        raise NotFound(f"outgoing draft {draft_id} not found")
    if draft.author_id != who.user_id and not who.has_any(*READERS):
        raise NotAllowed(f"outgoing draft {draft_id} is shown to its author and the agency's leaders")
    _audit(session, who, "outgoing.draft_viewed", draft, None)
    return draft


def replies_to(session: Session, incoming_id: int) -> list[OutgoingDocument]:
    query = sa.select(OutgoingDocument).where(OutgoingDocument.in_reply_to == incoming_id).order_by(OutgoingDocument.id)
    return list(session.scalars(query))


def _recipients(recipients: Sequence[dict[str, Any]]) -> list[dict[str, str | None]]:
    if len(recipients) > MAX_RECIPIENTS:
        raise InvalidData("Quá nhiều nơi nhận.", errors={"recipients": f"Tối đa {MAX_RECIPIENTS} nơi nhận."})
    if not recipients:
        raise InvalidData("Cần ít nhất một nơi nhận.", errors={"recipients": "Trường «Nơi nhận» là bắt buộc."})
    return [{"code": texts.text(r.get("code"), field=f"recipients.{i}.code", label="Mã định danh nơi nhận",
                                max_length=35, required=False),
             "name": texts.text(r.get("name"), field=f"recipients.{i}.name", label="Tên nơi nhận", max_length=255)}
            for i, r in enumerate(recipients)]


def _audit(session: Session, who: Identity, action: str, draft: OutgoingDocument, after: dict[str, Any] | None) -> None:
    audit.record(session, action, actor_id=who.user_id, agency_code=who.agency_code, object_type=OBJECT_TYPE,
                 object_id=draft.id, after=after)

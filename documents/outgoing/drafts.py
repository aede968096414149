"""Outgoing drafts: created by a specialist (or as the reply to an incoming document), their
process started at once; their metadata changed by the author while drafting, under an
optimistic lock; read by those who take part in them. Every fault is refused per field, all at
once, with nothing stored."""
from __future__ import annotations

from datetime import date
from typing import Any, Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine import clock
from engine.runtime import HumanTask, WorkflowRuntime

from .. import audit
from ..accounts import Identity
from ..errors import Conflict, InvalidData, NotAllowed, NotFound
from ..incoming import texts
from ..incoming.models import IncomingDocument
from ..vntime import today
from ..models import OrgUnit, Role
from . import doc_types, paper_rules, recipients, search, steps
from .models import BUSINESS_TYPES, URGENCIES, OutgoingDocument, State

# Who writes drafts (a clerk drafts the agency's own notices too); the administrators of
# diagrams do not.
DRAFTERS = (Role.STAFF, Role.UNIT_HEAD, Role.LEADER, Role.CLERK)
# Who reads every draft of the agency, besides those who take part in it.
READERS = (Role.LEADER, Role.CLERK)
MAX_RECIPIENTS = recipients.MAX_RECIPIENTS
OBJECT_TYPE = "outgoing_draft"
FIELDS = ("subject", "doc_type", "summary", "urgency", "reply_by", "recipients", "unit_id")


def create(session: Session, runtime: WorkflowRuntime | None, who: Identity, *, subject: str | None,
           doc_type: str | None, recipients: Sequence[dict[str, Any]], summary: str | None = None,
           urgency: str | None = "normal", reply_by: date | str | None = None, in_reply_to: int | None = None,
           unit_id: int | None = None, supersedes_id: int | None = None, business_type: str = "0",
           ) -> OutgoingDocument:
    """A new draft of ``who``'s agency, written by ``who`` in their unit (or ``unit_id``), and its
    `outgoing` process started (its first step: ``who``'s drafting). ``runtime`` None keeps the
    draft without a process (data imported, tests of the record alone)."""
    require_drafter(who)
    fields = _validated(session, who, {"subject": subject, "doc_type": doc_type, "summary": summary,
                                       "urgency": urgency or "normal", "reply_by": reply_by,
                                       "recipients": recipients, "unit_id": unit_id or who.unit_id})
    _in_reply_to(session, who, in_reply_to)
    _supersedes(session, who, supersedes_id, business_type)
    now = clock.now()
    draft = OutgoingDocument(agency_id=who.agency_id, author_id=who.user_id, in_reply_to=in_reply_to,
                             supersedes_id=supersedes_id, business_type=business_type, state=State.DRAFTING,
                             search_text="", created_at=now, updated_at=now)
    _apply(draft, fields)
    session.add(draft)
    session.flush()
    _audit(session, who, "outgoing.draft_created", draft, {"subject": draft.subject, "in_reply_to": in_reply_to})
    if runtime is not None:
        steps.start(session, runtime, who, draft)
        session.flush()  # the instance and the opened step change the row: its row_version is the one to edit from
    return draft


def update(session: Session, who: Identity, draft_id: int, changes: dict[str, Any], expected_version: int
           ) -> OutgoingDocument:
    """Apply ``changes`` (field -> value; a field left out keeps its value) to a draft its author
    is drafting. ``expected_version`` is the row_version the author's form was made from: a
    draft changed since is a conflict (409), not overwritten."""
    draft = _locked(session, who, draft_id)
    require_editable(who, draft)
    if draft.row_version != expected_version:
        raise Conflict("Dự thảo vừa được sửa ở nơi khác: hãy tải lại trang rồi sửa lại.")
    unknown = [name for name in changes if name not in FIELDS]
    if unknown:
        raise InvalidData("Không sửa được trường này.", errors={name: "Trường này không sửa được." for name in unknown})
    before = summary_of(draft)
    current = {"subject": draft.subject, "doc_type": draft.doc_type, "summary": draft.summary,
               "urgency": draft.urgency, "reply_by": draft.reply_by, "unit_id": draft.unit_id,
               "recipients": [_given(r) for r in draft.recipients]}
    fields = _validated(session, who, {**current, **changes}, reply_by_kept=draft.reply_by)
    draft.recipients.clear()
    session.flush()  # the old rows go before the new ones take their positions
    _apply(draft, fields)
    draft.updated_at = clock.now()
    session.flush()
    _audit(session, who, "outgoing.draft_updated", draft, summary_of(draft), before=before)
    return draft


def require_drafter(who: Identity) -> None:
    if not who.has_any(*DRAFTERS):
        raise NotAllowed("only specialists, unit heads, leaders and clerks write outgoing drafts")


def editable(who: Identity, draft: OutgoingDocument) -> bool:
    return draft.author_id == who.user_id and draft.state == State.DRAFTING and draft.frozen_at is None


def require_editable(who: Identity, draft: OutgoingDocument) -> None:
    """The author changes the metadata while drafting (403 for anyone else, 409 after drafting)."""
    if draft.author_id != who.user_id:
        raise NotAllowed(f"only the author changes outgoing draft {draft.id}")
    if not editable(who, draft):
        raise Conflict("Dự thảo không còn ở bước soạn thảo: không sửa được thông tin.")


def get(session: Session, who: Identity, draft_id: int, *, audited: bool = True) -> OutgoingDocument:
    """The draft if ``who`` may read it: 404 outside its agency, 403 within it (see ``may_read``)."""
    draft = session.get(OutgoingDocument, draft_id)
    if draft is None or draft.agency_id != who.agency_id:
        raise NotFound(f"outgoing document {draft_id} not found")
    if not may_read(session, who, draft):
        raise NotAllowed(f"outgoing document {draft_id} is shown to those who take part in it")
    if audited:
        _audit(session, who, "outgoing.draft_viewed", draft, None)
    return draft


def may_read(session: Session, who: Identity, draft: OutgoingDocument) -> bool:
    """The author, the agency's leaders and clerks, the head of the drafting unit, anyone who has
    or had a task of its process, and, once it is issued, the people of the agency's units it is
    sent to."""
    if draft.agency_id != who.agency_id:
        return False
    if draft.author_id == who.user_id or who.has_any(*READERS):
        return True
    if who.unit_id is not None and Role.UNIT_HEAD in who.roles and who.unit_id == draft.unit_id:
        return True
    if (who.unit_id is not None and draft.issued_at is not None
            and any(r.kind == "unit" and r.unit_id == who.unit_id for r in draft.recipients)):
        return True
    return takes_part(session, who, draft)


def takes_part(session: Session, who: Identity, draft: OutgoingDocument) -> bool:
    """Whether ``who`` may act on an open task of the draft's process, or completed one."""
    if draft.process_instance_id is None:
        return False
    principal = who.principal
    if any(WorkflowRuntime.may_act(t, principal) for t in WorkflowRuntime.open_tasks(session, draft.process_instance_id)):
        return True
    return session.scalar(sa.select(HumanTask.id).where(
        HumanTask.instance_id == draft.process_instance_id, HumanTask.completed_by == principal.user,
        HumanTask.scope == who.agency_code).limit(1)) is not None


def replies_to(session: Session, incoming_id: int) -> list[OutgoingDocument]:
    query = sa.select(OutgoingDocument).where(OutgoingDocument.in_reply_to == incoming_id).order_by(OutgoingDocument.id)
    return list(session.scalars(query))


def rules_of(draft: OutgoingDocument) -> paper_rules.Document:
    return paper_rules.Document(doc_type=draft.doc_type, subject=draft.subject, summary=draft.summary)


def summary_of(draft: OutgoingDocument) -> dict[str, Any]:
    """The metadata as the audit trail keeps it."""
    return {"subject": draft.subject, "doc_type": draft.doc_type, "summary": draft.summary, "urgency": draft.urgency,
            "reply_by": draft.reply_by.isoformat() if draft.reply_by else None, "unit_id": draft.unit_id,
            "recipients": [_given(r) for r in draft.recipients]}


# --------------------------------------------------------------------------- checking

def _validated(session: Session, who: Identity, values: dict[str, Any], reply_by_kept: date | None = None
               ) -> dict[str, Any]:
    """Every field checked, every fault collected: one InvalidData naming them all."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}

    def field(name: str, check: Callable[[], Any]) -> None:
        try:
            out[name] = check()
        except InvalidData as exc:
            errors.update(exc.errors or {name: exc.message})

    field("subject", lambda: texts.text(values.get("subject"), field="subject", label="Trích yếu", max_length=500))
    field("doc_type", lambda: _doc_type(values.get("doc_type")))
    field("summary", lambda: texts.text(values.get("summary"), field="summary", label="Tóm tắt nội dung",
                                        max_length=texts.NOTE_LENGTH, required=False))
    field("urgency", lambda: _urgency(values.get("urgency")))
    field("reply_by", lambda: _reply_by(values.get("reply_by"), reply_by_kept))
    field("unit_id", lambda: _unit(session, who, values.get("unit_id")))
    if not errors:  # the paper rules read the subject and the type
        document = paper_rules.Document(out["doc_type"], out["subject"], out["summary"])
        field("recipients", lambda: recipients.build(session, who, values.get("recipients") or [], document))
    if errors:
        raise InvalidData("Thông tin dự thảo chưa hợp lệ: " + ", ".join(errors) + ".", errors=errors)
    return out


def _doc_type(value: Any) -> str:
    cleaned = texts.text(value if isinstance(value, str) else None, field="doc_type", label="Loại văn bản",
                         max_length=100)
    if cleaned not in doc_types.TYPES:
        raise InvalidData("Loại văn bản không hợp lệ.",
                          errors={"doc_type": "Chọn một loại văn bản của Nghị định 30/2020 (Phụ lục III)."})
    return cleaned


def _urgency(value: Any) -> str:
    if value not in URGENCIES:
        raise InvalidData("Độ khẩn không hợp lệ.", errors={"urgency": "Chọn thường, khẩn, thượng khẩn hoặc hỏa tốc."})
    return value


def _reply_by(value: Any, kept: date | None) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise InvalidData("Hạn trả lời không phải là ngày.",
                              errors={"reply_by": "Nhập ngày theo dạng ngày/tháng/năm."}) from None
    if not isinstance(value, date):
        raise InvalidData("Hạn trả lời không phải là ngày.", errors={"reply_by": "Nhập ngày theo dạng ngày/tháng/năm."})
    if value < today() and value != kept:  # a date already kept may pass while the draft waits
        raise InvalidData("Hạn trả lời đã qua.", errors={"reply_by": "Hạn trả lời phải từ hôm nay trở đi."})
    return value


def _unit(session: Session, who: Identity, unit_id: Any) -> int | None:
    if unit_id in (None, ""):
        return None
    unit = session.get(OrgUnit, unit_id) if isinstance(unit_id, int) and 0 < unit_id < 2**63 else None
    if unit is None or unit.agency_id != who.agency_id:
        raise InvalidData("Đơn vị soạn thảo không thuộc cơ quan.", errors={"unit_id": "Chọn một đơn vị của cơ quan."})
    return unit.id


def _in_reply_to(session: Session, who: Identity, incoming_id: int | None) -> None:
    if incoming_id is None:
        return
    answered = session.get(IncomingDocument, incoming_id)
    if answered is None or answered.agency_id != who.agency_id:
        raise InvalidData("Văn bản đến được trả lời không có.",
                          errors={"in_reply_to": "Chọn một văn bản đến của cơ quan."})


def _supersedes(session: Session, who: Identity, superseded_id: int | None, business_type: str) -> None:
    if business_type not in BUSINESS_TYPES or business_type == "1":
        raise InvalidData("Loại nghiệp vụ không hợp lệ.", errors={"business_type": "Văn bản mới, đính chính hoặc thay thế."})
    if (business_type in ("2", "3")) != (superseded_id is not None):
        raise InvalidData("Văn bản đính chính hoặc thay thế phải nêu văn bản cũ.",
                          errors={"supersedes_id": "Nêu văn bản đã ban hành được đính chính hoặc thay thế."})
    if superseded_id is None:
        return
    old = session.get(OutgoingDocument, superseded_id)
    if old is None or old.agency_id != who.agency_id or old.issued_at is None:
        raise InvalidData("Văn bản được thay thế không có.",
                          errors={"supersedes_id": "Chọn một văn bản đi đã ban hành của cơ quan."})


def _apply(draft: OutgoingDocument, fields: dict[str, Any]) -> None:
    for name in ("subject", "doc_type", "summary", "urgency", "reply_by", "unit_id"):
        setattr(draft, name, fields[name])
    draft.recipients.extend(fields["recipients"])
    draft.search_text = search.searchable(draft)


def _given(row) -> dict[str, Any]:
    """A kept recipient as it would be given again."""
    return {"kind": row.kind, "agency_id": row.agency_id, "unit_id": row.unit_id, "code": row.code,
            "name": row.name, "paper": row.paper}


def _locked(session: Session, who: Identity, draft_id: int) -> OutgoingDocument:
    draft = session.scalar(sa.select(OutgoingDocument).where(OutgoingDocument.id == draft_id)
                           .with_for_update().execution_options(populate_existing=True))
    if draft is None or draft.agency_id != who.agency_id:
        raise NotFound(f"outgoing document {draft_id} not found")
    return draft


def _audit(session: Session, who: Identity, action: str, draft: OutgoingDocument, after: dict[str, Any] | None,
           before: dict[str, Any] | None = None) -> None:
    audit.record(session, action, actor_id=who.user_id, agency_code=who.agency_code, object_type=OBJECT_TYPE,
                 object_id=draft.id, before=before, after=after)

"""The handler starts the reply to an incoming document: a real outgoing draft (its process
started, its first step the handler's drafting) that answers it, addressed by default to the
document's issuer — the agency of this deployment when its identifier is one, else an external
recipient. What happens to the draft next belongs to the outgoing documents."""
from __future__ import annotations

from typing import Any, Sequence

from sqlalchemy.orm import Session

from engine.runtime import WorkflowRuntime

from ..accounts import Identity
from ..outgoing import drafts
from ..outgoing.models import OutgoingDocument
from . import participants, trail
from .models import IncomingDocument

DEFAULT_TYPE = "Công văn"


def start(session: Session, runtime: WorkflowRuntime | None, who: Identity, document_id: int, *,
          subject: str | None = None, doc_type: str | None = None, summary: str | None = None,
          recipients: Sequence[dict[str, Any]] | None = None) -> OutgoingDocument:
    document = participants.document_of(session, who, document_id)
    participants.require_handler(session, who, document)
    draft = drafts.create(session, runtime, who, subject=subject or _default_subject(document),
                          doc_type=doc_type or DEFAULT_TYPE, summary=summary,
                          recipients=_issuer(document) if recipients is None else recipients, in_reply_to=document.id)
    trail.record(session, who, "incoming.reply_started", document.id, {"draft": draft.id})
    return draft


def of(session: Session, document: IncomingDocument) -> list[OutgoingDocument]:
    return drafts.replies_to(session, document.id)


def _issuer(document: IncomingDocument) -> list[dict[str, Any]]:
    return [{"code": document.issuer_code, "name": document.issuer_name}]


def _default_subject(document: IncomingDocument) -> str:
    # The usual heading of a reply (NĐ 30 PL I: "V/v …" under the number of a công văn).
    return (f"V/v trả lời Văn bản số {document.number_notation} ngày {document.document_date:%d/%m/%Y} "
            f"của {document.issuer_name}")[:500]

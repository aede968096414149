"""Everything shown with one incoming document: its statuses, files and duplicate warning, and
what its handling has produced so far (open tasks, progress, related documents, re-assignment
requests, reply drafts). One place gathers it, so every route shows the same document."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from engine.runtime import HumanTask

from ..files.models import Attachment
from ..outgoing.models import OutgoingDraft
from . import participants, progress, reassignment, related, replies, service
from .casework_models import ProgressNote, ReassignmentRequest
from .models import IncomingDocument, IncomingStatus


@dataclass(frozen=True)
class DocumentView:
    document: IncomingDocument
    statuses: list[IncomingStatus]
    attachments: list[Attachment]
    duplicates: list[IncomingDocument]
    open_tasks: list[HumanTask]
    progress: list[ProgressNote]
    related: list[related.Related]
    reassignment_requests: list[ReassignmentRequest]
    reply_drafts: list[OutgoingDraft]


def of(session: Session, document: IncomingDocument) -> DocumentView:
    return DocumentView(
        document=document, statuses=service.statuses(session, document),
        attachments=service.attachments(session, document), duplicates=service.duplicates_of(session, document),
        open_tasks=participants.open_tasks(session, document), progress=progress.of(session, document),
        related=related.of(session, document), reassignment_requests=reassignment.of(session, document),
        reply_drafts=replies.of(session, document))

"""Everything shown with one incoming document: its statuses, files and duplicate warning, and
what its handling has produced so far (open tasks, progress, related documents, re-assignment
requests, reply drafts), and its PDFs with the signature check of each. One place gathers it, so every route shows
the same document."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.runtime import HumanTask

from ..files.models import Attachment
from ..outgoing.models import OutgoingDocument
from . import participants, progress, reassignment, related, replies, service
from .casework_models import ProgressNote, ReassignmentRequest
from .models import IncomingDocument, IncomingStatus

PDF = "application/pdf"
FULL_COVERAGE = ("entire_file", "entire_revision")  # a signature that covers the file as received


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
    reply_drafts: list[OutgoingDocument]


def of(session: Session, document: IncomingDocument) -> DocumentView:
    return DocumentView(
        document=document, statuses=service.statuses(session, document),
        attachments=service.attachments(session, document), duplicates=service.duplicates_of(session, document),
        open_tasks=participants.open_tasks(session, document), progress=progress.of(session, document),
        related=related.of(session, document), reassignment_requests=reassignment.of(session, document),
        reply_drafts=replies.of(session, document))


@dataclass(frozen=True)
class SignatureShown:
    """One signature of a received PDF as its reader is shown it (documents/signing/validation.py
    made the check when the file arrived)."""
    signer: str
    at: datetime | None                 # the timestamp's time, else the one the signer claimed
    verdict: str                        # valid, untrusted (certificate not trusted) or invalid
    coverage: str | None                # entire_file, entire_revision, …
    summary_vi: str
    summary_en: str


@dataclass(frozen=True)
class PdfShown:
    attachment: Attachment
    verdict: str | None                 # the file's overall verdict; None when it was never checked
    signatures: list[SignatureShown]


def pdfs_of(document: IncomingDocument, attachments: list[Attachment]) -> list[PdfShown]:
    """The document's PDFs with the signature check kept for each (by file name, as it keeps them)."""
    checks = {check.get("file"): check for check in document.signature_check or []}
    return [PdfShown(file, checks.get(file.file_name, {}).get("verdict"),
                     [_signature(s) for s in checks.get(file.file_name, {}).get("signatures") or []])
            for file in attachments if file.media_type == PDF]


def _signature(report: dict[str, Any]) -> SignatureShown:
    names = [n for n in (report.get("signer_common_name"), report.get("signer_organisation")) if n]
    signer = ", ".join(dict.fromkeys(names)) or report.get("signer_subject") or "?"
    if report.get("ok"):
        verdict = "valid"
    elif report.get("intact") and report.get("valid") and report.get("coverage") in FULL_COVERAGE:
        verdict = "untrusted"
    else:
        verdict = "invalid"
    return SignatureShown(signer=signer, at=_time(report.get("timestamp_time") or report.get("signing_time")),
                          verdict=verdict, coverage=report.get("coverage"),
                          summary_vi=report.get("summary_vi") or "", summary_en=report.get("summary_en") or "")


def _time(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None

"""What the document page shows of the arrival desk's decisions: each file's signature check in
words and what blocks acceptance, an override's reason, a late entry, the scan's shortfalls."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from documents.accounts import Identity
from documents.incoming import queries, signature_binding
from documents.incoming.models import IncomingDocument


@dataclass(frozen=True)
class Override:
    reason: str
    by: str | None
    at: datetime | None


@dataclass(frozen=True)
class ArrivalShown:
    checks: list[tuple[str, str]]          # (file name, verdict) of every checked PDF
    failures: list[str]                    # one Vietnamese sentence per file that blocks acceptance
    override: Override | None
    entered_late: bool
    arrived_at: datetime
    entered_at: datetime
    scan_findings: list[str] = field(default_factory=list)


def of(session: Session, who: Identity, document: IncomingDocument) -> ArrivalShown:
    checks = document.signature_check or []
    override = None
    if document.signature_override_reason:
        names = queries.names_of(session, who, [document.signature_override_by])
        override = Override(document.signature_override_reason, names.get(str(document.signature_override_by)),
                            document.signature_override_at)
    return ArrivalShown(
        checks=[(c.get("file") or "?", c.get("verdict") or "unsigned") for c in checks],
        failures=signature_binding.failures(checks, document.channel), override=override,
        entered_late=bool(document.entered_late), arrived_at=document.arrived_at, entered_at=document.created_at,
        scan_findings=[str(s) for s in document.scan_findings or [] if s])

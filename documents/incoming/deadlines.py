"""When an incoming document is overdue: its handling deadline (the one the leader set at the
distribution, moved by extensions; else the diagram's default for the open handling) has passed,
as a moment of the injected clock, while its handling still runs — not completed (06), not
refused or returned (02), not closed. ``due_date`` is the sender's requested reply date (edXML
DueDate): shown, never counted.

The register's filter (SQL), a loaded document's flag and My tasks all ask this module, so they
never disagree."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from engine import clock

from ..errors import InvalidData
from .models import IncomingDocument, Status

# Refused or completed: no handling deadline runs any more.
FINISHED = (Status.REFUSED, Status.COMPLETED)
DUE_SOON = timedelta(hours=24)  # "sắp đến hạn": the deadline falls within the next 24 hours
PAST = "Hạn xử lý đã qua: chọn một thời điểm sau bây giờ."

OVERDUE, SOON = "overdue", "due_soon"


def now() -> datetime:
    """The moment deadlines are compared with (the engine's clock, injectable in tests)."""
    return clock.now()


def running(document: IncomingDocument) -> bool:
    """Whether the document's handling deadline still counts."""
    return document.status not in FINISHED and document.closed_at is None


def running_condition() -> sa.ColumnElement[bool]:
    D = IncomingDocument
    return sa.and_(D.status.not_in(FINISHED), D.closed_at.is_(None))


def overdue_condition(at: datetime) -> sa.ColumnElement[bool]:
    """SQL of ``is_overdue`` (on the indexed ``handling_deadline``)."""
    return sa.and_(IncomingDocument.handling_deadline < at, running_condition())


def is_overdue(document: IncomingDocument, at: datetime) -> bool:
    deadline = document.handling_deadline
    return deadline is not None and deadline < at and running(document)


def state(document: IncomingDocument, at: datetime | None = None) -> str | None:
    """``OVERDUE``, ``SOON`` (within DUE_SOON) or None, as the badges show it."""
    at = at or now()
    if is_overdue(document, at):
        return OVERDUE
    deadline = document.handling_deadline
    if deadline is not None and running(document) and deadline - at <= DUE_SOON:
        return SOON
    return None


def refuse_past(deadline: datetime | None, field: str = "deadline") -> None:
    """A deadline given for a handling must be after now (distribution, re-assignment, extension)."""
    if deadline is not None and deadline < now():
        raise InvalidData(PAST, errors={field: PAST})

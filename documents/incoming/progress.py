"""Progress notes: the handler (or a coordinator, on their own coordination) records how the work
stands, with an optional percentage. The latest note is what the tracking register shows."""
from __future__ import annotations

from typing import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine import clock

from ..accounts import Identity
from ..errors import InvalidData, NotAllowed
from . import contract, participants, service, texts, trail
from .casework_models import ProgressNote
from .models import IncomingDocument

# Kept small: IN lists of this size suit both PostgreSQL and SQLite's variable limit.
_BATCH = 500


def record(session: Session, who: Identity, document_id: int, *, text: str | None,
           percent: int | None = None) -> ProgressNote:
    document = participants.document_of(session, who, document_id)
    task = (participants.task_of(session, who, document, participants.HANDLE)
            or participants.task_of(session, who, document, participants.COORDINATE))
    if task is None:
        raise NotAllowed(f"only the handler or a coordinator records the progress of incoming document {document_id}")
    clean = texts.text(text, field="text", label="Nội dung tiến độ", max_length=texts.NOTE_LENGTH)
    if percent is not None and (isinstance(percent, bool) or not 0 <= percent <= 100):
        raise InvalidData("Tỷ lệ hoàn thành không hợp lệ.",
                          errors={"percent": "Trường «Tỷ lệ hoàn thành» phải là số nguyên từ 0 đến 100."})
    # The step by its role ("handle", "coordinate"), so notes read alike whatever the diagram calls it.
    note = ProgressNote(document_id=document.id, author_id=who.user_id, step=contract.step(task.role),
                        at=clock.now(), text=clean, percent=percent)
    session.add(note)
    session.flush()
    if task.role == contract.HANDLE:
        service.report_started(session, document, who.user_id)
    trail.record(session, who, "incoming.progress_recorded", document.id,
                 {"note": note.id, "step": note.step, "text": clean, "percent": percent})
    return note


def of(session: Session, document: IncomingDocument) -> list[ProgressNote]:
    query = sa.select(ProgressNote).where(ProgressNote.document_id == document.id).order_by(ProgressNote.id)
    return list(session.scalars(query))


def latest_of(session: Session, document_ids: Iterable[int]) -> dict[int, ProgressNote]:
    """The newest note of each document that has one."""
    ids, latest = list(document_ids), {}
    for start in range(0, len(ids), _BATCH):
        newest = (sa.select(sa.func.max(ProgressNote.id)).where(ProgressNote.document_id.in_(ids[start:start + _BATCH]))
                  .group_by(ProgressNote.document_id))
        latest.update((n.document_id, n) for n in session.scalars(sa.select(ProgressNote)
                                                                   .where(ProgressNote.id.in_(newest))))
    return latest

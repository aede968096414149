"""Files the issue writes, written last and taken back if its transaction rolls back.

The issue's rows (number, register entry, attachments, outbox) and its files must live or die
together. Rows are flushed first with the key the content will have (the store addresses
content by its SHA-256), and the bytes are written only once everything else succeeded; a
rollback after that (the commit itself failing) removes what this transaction newly wrote.
Content that was already in the store before is never removed: another row may own it."""
from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import event
from sqlalchemy.orm import Session

from ..files.models import Attachment
from ..files.service import attachments_of
from ..files.names import display_name
from ..files.store import FileStore

_WRITTEN = "outgoing_issue_files"
PDF = "application/pdf"


def pending(*, owner_type: str, owner_id: int, file_name: str, data: bytes, uploaded_by: int,
            at: datetime) -> Attachment:
    """The row of a file not yet written: its key is the SHA-256 the store will give it."""
    digest = hashlib.sha256(data).hexdigest()
    return Attachment(owner_type=owner_type, owner_id=owner_id, file_name=display_name(file_name),
                      media_type=PDF, size=len(data), sha256=digest, storage_key=digest,
                      uploaded_by=uploaded_by, uploaded_at=at)


def write(session: Session, store: FileStore, files: list[tuple[Attachment, bytes]]) -> None:
    """Write the files of rows already flushed: the last step of the transaction."""
    for row, data in files:
        existed = store.exists(row.storage_key)
        key = store.put(data)
        if not existed:
            session.info.setdefault(_WRITTEN, []).append((store, key))
        if key != row.storage_key:  # a store that keys content otherwise
            row.storage_key = key
    session.flush()


@event.listens_for(Session, "after_commit")
def _kept(session: Session) -> None:
    session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_rollback")
def _taken_back(session: Session) -> None:
    for store, key in session.info.pop(_WRITTEN, []):
        store.delete(key)


ISSUED_FILE = "outgoing_issued"           # the PDF as issued
ISSUED_ANNEX = "outgoing_issued_annex"    # the attachments as signed by the agency


def issued_files(session: Session, document) -> list[Attachment]:
    """The PDF as issued, then the attachments as signed (what is delivered and downloaded)."""
    return attachments_of(session, ISSUED_FILE, document.id) + attachments_of(session, ISSUED_ANNEX, document.id)

"""Storing and reading attachments. Services flush, never commit: the caller's unit of work
decides whether the row lives.

The content is written to the store before the row. If the transaction then fails, the stored
file is an orphan: harmless (content-addressed, unreachable without a row, and reused by the next
upload of the same bytes) and found by a sweep as ``store.keys()`` minus the ``storage_key``s of
``attachment``, older than a grace period (see ``LocalFileStore.keys``).
"""
from __future__ import annotations

import hashlib

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine import clock
from engine.errors import EngineError, NotFound

from .formats import accept
from .models import Attachment
from .names import display_name
from .refusals import refuse, size
from .store import FileStore

DEFAULT_MAX_BYTES = 50 << 20  # a suggestion for callers; each call states its own limit


class ContentDamaged(EngineError):
    """The row exists but its stored bytes are missing or differ from the recorded SHA-256:
    a storage fault, not the user's."""

    status = 500


def store_attachment(session: Session, store: FileStore, *, filename: str, data: bytes,
                     uploaded_by: int | None, owner_type: str | None, owner_id: int | None,
                     max_bytes: int, scan: bool = False) -> Attachment:
    """Validates an uploaded file (name, emptiness, size, allowed format from its content; a PDF
    1.4 or later when ``scan``), stores its content and adds its row (flushed, not committed).
    Raises ``InvalidData`` (422) naming the file."""
    name = display_name(filename)
    if not data:
        refuse(f"Tệp «{name}» rỗng: không có nội dung.")
    if len(data) > max_bytes:
        refuse(f"Tệp «{name}» quá lớn: {size(len(data), exact=True)}, "
               f"giới hạn là {size(max_bytes, exact=True)}.")
    detected = accept(name, data, scan=scan)
    digest = hashlib.sha256(data).hexdigest()
    key = store.put(data)
    attachment = Attachment(owner_type=owner_type, owner_id=owner_id, file_name=name,
                            media_type=detected.media_type, size=len(data), sha256=digest,
                            storage_key=key, uploaded_by=uploaded_by, uploaded_at=clock.now())
    session.add(attachment)
    session.flush()
    return attachment


def read_attachment(session: Session, store: FileStore, attachment_id: int) -> tuple[Attachment, bytes]:
    """The row and its content, checked against the recorded size and SHA-256. Whether the reader
    may see it is the owner's service's decision, made before calling this."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound(f"Không tìm thấy tệp đính kèm số {attachment_id}.")
    content_of = f"Nội dung của tệp đính kèm số {attachment_id} («{attachment.file_name}»)"
    try:
        data = store.get(attachment.storage_key)
    except KeyError:
        raise ContentDamaged(f"{content_of} không còn trong kho lưu trữ tệp.") from None
    if len(data) != attachment.size or hashlib.sha256(data).hexdigest() != attachment.sha256:
        raise ContentDamaged(f"{content_of} đã bị hỏng: mã SHA-256 không còn khớp.")
    return attachment, data


def attachments_of(session: Session, owner_type: str, owner_id: int) -> list[Attachment]:
    """The attachments of one owner, in upload order."""
    query = (sa.select(Attachment).where(Attachment.owner_type == owner_type, Attachment.owner_id == owner_id)
             .order_by(Attachment.id))
    return list(session.scalars(query))

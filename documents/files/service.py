"""Storing and reading attachments. Services flush, never commit: the caller's unit of work
decides whether the row lives.

Checking and storing are two steps so that a request with several files checks them all before
it stores any: a refused request leaves nothing in the store. Content is written to the store
before its row; if the transaction then fails, the stored file is an orphan: harmless
(content-addressed, unreachable without a row, and reused by the next upload of the same bytes)
and found by a sweep as ``store.keys()`` minus the ``storage_key``s of ``attachment``, older
than a grace period (see ``LocalFileStore.keys``). Nothing here deletes content: the same bytes
may belong to another document, whose transaction this one cannot see.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine import clock
from engine.errors import EngineError, NotFound

from .formats import Format, accept
from .models import Attachment
from .names import display_name
from .refusals import refuse, size
from .store import FileStore

DEFAULT_MAX_BYTES = 50 << 20  # a suggestion for callers; each call states its own limit


class ContentDamaged(EngineError):
    """The row exists but its stored bytes are missing or differ from the recorded SHA-256:
    a storage fault, not the user's."""

    status = 500


@dataclass(frozen=True)
class Checked:
    """An uploaded file that passed ``check_upload``: its name as shown and stored, its bytes and
    its format as detected from them."""

    name: str
    data: bytes
    format: Format


def check_upload(filename: str, data: bytes, *, max_bytes: int, scan: bool = False,
                 allow_embedded_files: bool = False) -> Checked:
    """Validates an uploaded file without storing it: its name (sanitised by ``display_name``),
    emptiness, size, allowed format from its content, no active content in a PDF (embedded files
    only when allowed), a PDF 1.4 or later when ``scan``. Raises ``InvalidData`` (422) naming the
    file."""
    name = display_name(filename)
    if not data:
        refuse(f"Tệp «{name}» rỗng: không có nội dung.")
    if len(data) > max_bytes:
        refuse(f"Tệp «{name}» quá lớn: {size(len(data), exact=True)}, "
               f"giới hạn là {size(max_bytes, exact=True)}.")
    return Checked(name, data, accept(name, data, scan=scan, allow_embedded_files=allow_embedded_files))


def store_checked(session: Session, store: FileStore, checked: Checked, *, uploaded_by: int | None,
                  owner_type: str | None, owner_id: int | None) -> Attachment:
    """Stores a checked file's content and adds its row (flushed, not committed)."""
    key = store.put(checked.data)
    attachment = Attachment(owner_type=owner_type, owner_id=owner_id, file_name=checked.name,
                            media_type=checked.format.media_type, size=len(checked.data),
                            sha256=hashlib.sha256(checked.data).hexdigest(), storage_key=key,
                            uploaded_by=uploaded_by, uploaded_at=clock.now())
    session.add(attachment)
    session.flush()
    return attachment


def store_attachment(session: Session, store: FileStore, *, filename: str, data: bytes,
                     uploaded_by: int | None, owner_type: str | None, owner_id: int | None,
                     max_bytes: int, scan: bool = False, allow_embedded_files: bool = False) -> Attachment:
    """One file checked (``check_upload``) then stored (``store_checked``). A request with several
    files checks them all first instead."""
    checked = check_upload(filename, data, max_bytes=max_bytes, scan=scan, allow_embedded_files=allow_embedded_files)
    return store_checked(session, store, checked, uploaded_by=uploaded_by, owner_type=owner_type, owner_id=owner_id)


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

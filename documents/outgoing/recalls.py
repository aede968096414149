"""The sender's side of recall, update and replace (002 Đ9.2, 004 Đ6.3, Đ8.5).

(Foundation stub: filled in by the recall work of issue 10.)"""
from __future__ import annotations

from sqlalchemy.orm import Session

from .models import OutgoingDocument


def on_issued(session: Session, document: OutgoingDocument) -> None:
    """Called by the issue, in its transaction: an update or a replacement (business type 2, 3)
    records its request against the document it supersedes."""

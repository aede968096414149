"""Replies to outgoing documents that ask for one: which recipients have answered, and the
reply's own link to what it answers.

(Foundation stub: filled in by the delivery work of issue 10.)"""
from __future__ import annotations

from sqlalchemy.orm import Session

from .models import OutgoingDocument


def on_issued(session: Session, document: OutgoingDocument) -> None:
    """Called by the issue, in its transaction: when ``document`` answers an incoming document,
    that document's reply number is set and its sender will learn of the reply on delivery."""
